//! A whole promotion on the twin with the default checks, step by step and as
//! `harness local --promotion-flow`: every healthy step goes, a starved or failing
//! canary is stopped. Operating point and P(wrong verdict) per test below, computed in
//! `support/twin_oc.rs` (table of all twin tests: `twin::operating_points`).

use std::time::Duration;

use crate::support::local_run::verdict_of;
use crate::support::{node_oc, twin_oc};

use clap::Parser;
use harness::cli::Cli;
use harness::config::CheckName;
use harness::result::{RunResult, Verdict};
use harness::twin::promotion::{self, plan, plan::Step};
use harness::twin::{Fault, Twin, TwinSpec, Weights, merge_verify_args};

/// The operating point of the promotion tests: α = 0.001 and a budget of 60,000
/// requests (the twin's rate cap, `LOCAL_RPS`, is 2,000/s; two cores sample ~1,300/s).
/// At it the chance that a healthy split does not PASS, from the monitor's own design
/// (group-sequential recursion: 1.2e-11 at 99/1, 2.8e-11 at 90/10 and 3.0e-9 at 50/50)
/// plus the per-node rule over the twin's edge nodes (`node_oc::node_rule_not_pass`,
/// Bonferroni over the nodes), is at most 2.3e-5 at 99/1, 1.1e-5 at 90/10 and 4.2e-5 at
/// 50/50; at 100/0 and 0/100 the leak test fails only on a hit of the weight-0 side,
/// and the healthy edge routes none (nginx `down`). A starved canary at 99/1 is FAILed
/// with certainty (no canary response at a nominal share). Health on the healthy twin
/// (no 5xx) misses PASS at 90/10 and 50/50 with probability ≤ 1e-4 when a share π ≥
/// 0.9864 of the requests comes back within 48 ms (2.0e-7 at π = 0.99, measured;
/// distribution-free order-statistic bound, `health::equal_pass`); at 99/1 it is
/// NOT_APPLICABLE unless the canary is "shown worse" on latency, which a canary equal
/// to stable is with probability ≤ 6.3e-5 (`twin_oc::health_na_99_1_miss`, exact for
/// any latency distribution); at 100/0 and 0/100 it is NOT_APPLICABLE by rule. TLS and
/// WAF are deterministic. The change-point test's false alarm (≤ 1e-4 per run by
/// construction) only restarts the test. The test recomputes the figures and asserts
/// each is below 1e-4 before driving the twin.
const PROMOTION_ALPHA: f64 = twin_oc::TWIN_ALPHA;
const PROMOTION_BUDGET: u64 = twin_oc::TWIN_BUDGET;

/// P(not PASS | healthy) of the split design with the node rule over the twin's edge
/// nodes (`node_oc::node_rule_not_pass`, the pooled miss included) and P(not FAIL |
/// share `starved`) (the node rule only adds FAILs).
fn split_error_rates(stable: i64, canary: i64, starved: f64) -> (f64, f64) {
    let w = (stable, canary);
    let nodes = node_oc::edge_nodes();
    (
        node_oc::node_rule_not_pass(w, PROMOTION_ALPHA, PROMOTION_BUDGET, nodes),
        twin_oc::split_not_fail(w, PROMOTION_ALPHA, PROMOTION_BUDGET, None, starved),
    )
}

/// Default checks (what the gate runs) at every step of a promotion, on one twin moved
/// from step to step (`promotion::apply`, as the flow moves it): each exits 0, and a
/// check that cannot apply says so instead of blocking the gate (scale away from
/// canary weight 0, health where one variant gets no traffic or the budget cannot
/// give it its planned sample). A canary starved by the edge at listener 99/1 exits 1.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_promotion_step_passes_with_the_default_checks() {
    use Verdict::{NotApplicable as Na, Pass};
    let _machine = crate::support::serial::twin().await;
    // (weights, expected verdicts of split, scale, health, tls, waf: the gate's default
    // checks, asserted below to be exactly these)
    let steps: [(&str, [Verdict; 5]); 5] = [
        ("100/0", [Pass, Pass, Na, Pass, Pass]),
        ("99/1", [Pass, Na, Na, Pass, Pass]),
        ("90/10", [Pass, Na, Pass, Pass, Pass]),
        ("50/50", [Pass, Na, Pass, Pass, Pass]),
        ("0/100", [Pass, Na, Na, Pass, Pass]),
    ];
    let names = ["split", "scale", "health", "tls", "waf"];
    let gate: Vec<&str> = CheckName::ALL
        .into_iter()
        .filter(|c| c.in_gate_default())
        .map(CheckName::as_str)
        .collect();
    assert_eq!(gate, names, "the gate's default checks changed");
    let gate_checks = gate.join(",");
    for (w, _) in &steps {
        let (s, c) = w.split_once('/').unwrap();
        let (healthy, _) = split_error_rates(s.parse().unwrap(), c.parse().unwrap(), 0.0);
        assert!(healthy < 1e-4, "{w}: P(not PASS | healthy) = {healthy:e}");
    }
    let (_, starved) = split_error_rates(99, 1, 0.0);
    assert!(starved < 1e-4, "99/1 starved: P(not FAIL) = {starved:e}");
    let need = twin_oc::coverage_needed((90, 10), PROMOTION_ALPHA, PROMOTION_BUDGET);
    for w in [(90, 10), (50, 50)] {
        let miss = twin_oc::health_not_pass(w, PROMOTION_ALPHA, PROMOTION_BUDGET, need);
        assert!(
            miss <= 1e-4,
            "{w:?}: P(health not PASS) = {miss:e} at π {need}"
        );
    }
    let na = twin_oc::health_na_99_1_miss(PROMOTION_ALPHA, PROMOTION_BUDGET);
    assert!(na < 1e-4, "99/1: P(health not NOT_APPLICABLE) = {na:e}");

    let (alpha, budget) = (PROMOTION_ALPHA.to_string(), PROMOTION_BUDGET.to_string());
    let tmp = tempfile::tempdir().unwrap();
    // One twin moved from step to step as deploy-canary moves production (a canary v2
    // started when it first gets weight), each step judged once its edge carries it.
    let image = crate::support::twin_util::image().await;
    let mut twin = Twin::start(TwinSpec::healthy(Weights::new(100, 0).unwrap(), image))
        .await
        .unwrap();
    let mut wrong = Vec::new();
    for (number, (w, want)) in (1..).zip(&steps) {
        let step = step(number, w);
        promotion::apply(&mut twin, &step, None, Duration::ZERO)
            .await
            .unwrap();
        let dir = tmp.path().join(w.replace('/', "-")).display().to_string();
        let flags = ["--checks", &gate_checks, "--alpha", &alpha];
        let (code, run) = verify(&twin, &flags, &budget, &dir).await;
        let got: Vec<(String, Verdict)> = run
            .checks
            .iter()
            .map(|c| (c.name.clone(), c.verdict))
            .collect();
        for c in &run.checks {
            println!("{w}: {} {} — {}", c.name, c.verdict, c.summary);
        }
        let expected: Vec<(String, Verdict)> = names
            .iter()
            .map(|n| n.to_string())
            .zip(want.iter().copied())
            .collect();
        if code != 0 || got != expected {
            wrong.push(format!("{w}: exit {code}, {got:?}"));
        }
    }
    // Back to 99/1 with the edge starving the canary (`canary-starved`), default checks.
    let starved = step(6, "99/1");
    promotion::apply(
        &mut twin,
        &starved,
        Some(Fault::CanaryStarved),
        Duration::ZERO,
    )
    .await
    .unwrap();
    let dir = tmp.path().join("starved").display().to_string();
    let (code, run) = verify(&twin, &["--alpha", &alpha], &budget, &dir).await;
    twin.stop().await.unwrap();
    println!(
        "canary-starved 99/1: exit {code}, split {}",
        verdict_of(&run, "split")
    );
    if code != 1 || verdict_of(&run, "split") != Verdict::Fail {
        wrong.push(format!(
            "canary-starved: exit {code}, split {}",
            verdict_of(&run, "split")
        ));
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
}

/// Step `number` of the moving twin at weights `w` ("S/C"): stable on v1, the canary on
/// v2 (the promotion flow's releases).
fn step(number: u32, w: &str) -> Step {
    Step {
        number,
        name: "promotion step",
        weights: w.parse().unwrap(),
        stable_release: plan::FROM_RELEASE,
        canary_release: plan::TO_RELEASE,
    }
}

/// `harness verify` on the twin with `flags` and the promotion budget: (exit code, run).
async fn verify(twin: &Twin, flags: &[&str], budget: &str, dir: &str) -> (i32, RunResult) {
    let mut user = crate::support::twin_util::verify_flags(flags, dir);
    user.max_requests = Some(budget.parse().unwrap());
    let run = harness::verify::run(merge_verify_args(twin.verify_args(), &user))
        .await
        .unwrap();
    (harness::Outcome::from_run(&run).exit_code(), run)
}

/// `harness local --promotion-flow`: the healthy promotion says GO at all four steps;
/// `--fault canary-errors --at-step 2` says GO at step 1, ROLL BACK at step 2 (health
/// FAIL), and GO after deploy-canary's rollback (100/0 on v1). Operating point α =
/// 0.001, 60,000 requests: a healthy split is not PASSed with probability 2.8e-11 at
/// 90/10 and 3.0e-9 at 50/50 (recomputed and asserted below), at 100/0 only on a
/// canary hit the healthy edge never routes. Health on the healthy twin at 90/10 and
/// 50/50 misses PASS with probability ≤ 1e-4 while π ≥ 0.9864 of the requests come back
/// within 48 ms, as in `every_promotion_step_passes_with_the_default_checks`; TLS, WAF
/// and rollout are deterministic. The canary-errors miss chance is bounded by
/// `twin_oc::canary_errors_not_fail` (9.6e-120) and asserted below 1e-4 before the twin is
/// driven.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn promotion_flow_goes_and_rolls_back_a_failing_canary() {
    use harness::cli::Command;
    use harness::twin::promotion::Flow;
    let _machine = crate::support::serial::twin().await;
    for (s, c) in [(90, 10), (50, 50)] {
        let (healthy, _) = split_error_rates(s, c, 0.0);
        assert!(
            healthy < 1e-4,
            "{s}/{c}: P(not PASS | healthy) = {healthy:e}"
        );
        let need = twin_oc::coverage_needed((s, c), PROMOTION_ALPHA, PROMOTION_BUDGET);
        let miss = twin_oc::health_not_pass((s, c), PROMOTION_ALPHA, PROMOTION_BUDGET, need);
        assert!(miss <= 1e-4, "{s}/{c}: P(health not PASS) = {miss:e}");
    }
    let miss = twin_oc::canary_errors_not_fail((90, 10), PROMOTION_ALPHA, PROMOTION_BUDGET);
    println!("canary-errors at 90/10: P(health not FAIL) <= {miss:e}");
    assert!(miss < 1e-4, "canary-errors: P(not FAIL) <= {miss:e}");

    let (alpha, budget) = (PROMOTION_ALPHA.to_string(), PROMOTION_BUDGET.to_string());
    let tmp = tempfile::tempdir().unwrap();
    let flow = |dir: &str, extra: &[&str]| {
        let mut args: Vec<String> = ["harness", "local", "--promotion-flow", "--quiet"]
            .into_iter()
            .map(String::from)
            .collect();
        args.extend([
            "--alpha".into(),
            alpha.clone(),
            "--max-requests".into(),
            budget.clone(),
        ]);
        args.extend([
            "--report-dir".into(),
            tmp.path().join(dir).display().to_string(),
        ]);
        args.extend(extra.iter().map(|s| s.to_string()));
        let Command::Local(local) = Cli::parse_from(&args).command else {
            panic!("not a local command");
        };
        async move { promotion::run_flow(*local).await.unwrap() }
    };
    let summary = |f: &Flow| -> Vec<(String, bool)> {
        f.reports.iter().map(|r| (r.label.clone(), r.go)).collect()
    };

    let healthy = flow("healthy", &[]).await;
    let yes = |l: &str, go: bool| (l.to_string(), go);
    assert_eq!(
        summary(&healthy),
        vec![
            yes("1", true),
            yes("2", true),
            yes("3", true),
            yes("4", true)
        ],
        "{healthy:#?}"
    );
    assert!(healthy.wrong.is_empty());
    assert_eq!(healthy.outcome().exit_code(), 0);

    let faulted = flow(
        "canary-errors",
        &["--fault", "canary-errors", "--at-step", "2"],
    )
    .await;
    assert_eq!(
        summary(&faulted),
        vec![yes("1", true), yes("2", false), yes("rollback", true)],
        "{faulted:#?}"
    );
    assert!(
        faulted.reports[1].decision.contains("health FAIL"),
        "{faulted:#?}"
    );
    assert_eq!(
        faulted.reports[2].tags,
        ("v1".to_string(), "v2".to_string()),
        "rollback keeps stable on v1"
    );
    assert_eq!(faulted.outcome().exit_code(), 0, "{:?}", faulted.wrong);
}
