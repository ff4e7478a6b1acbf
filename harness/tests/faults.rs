//! Every check that passes on the healthy twin is shown to FAIL on a broken one:
//! `harness local --fault NAME` is driven in-process for each fault of the twin, and the
//! run's `report.json` must hold a FAIL for the check the fault targets (exit 1), while
//! the healthy twin passes every check (exit 0).

use std::path::Path;

use clap::Parser;
use harness::cli::Cli;
use harness::result::{RunResult, Verdict};

/// (fault, checks to run — "" for the default set, no `--checks` —, check that must
/// FAIL).
const CASES: &[(&str, &str, &str)] = &[
    // With the default checks: no request can be sampled, so the traffic checks are
    // ERROR, and TLS must FAIL (exit 1 wins over 4), with a report.
    ("cert-expired", "", "tls"),
    ("cert-wrong-host", "", "tls"),
    ("redirect-drops-query", "tls", "tls"),
    ("cert-not-acm", "tls", "tls"),
    ("waf-no-acl", "waf", "waf"),
    ("tls-legacy", "tls", "tls"),
    ("no-redirect", "tls", "tls"),
    ("waf-off", "waf", "waf"),
    ("waf-no-sqli", "waf", "waf"),
    ("waf-no-common", "waf", "waf"),
    ("waf-no-known-bad-inputs", "waf", "waf"),
    ("waf-count-sqli", "waf", "waf"),
    ("weight-drift", "split", "split"),
    ("canary-not-scaled", "split,scale", "scale"),
    ("canary-errors", "split,health", "health"),
    ("canary-slow", "split,health", "health"),
    ("canary-starved", "split", "split"),
];

/// (fault, text the failing check's summary must hold): the FAIL names the reason.
const NAMED: &[(&str, &str)] = &[
    ("cert-expired", "certificate expired"),
    ("cert-wrong-host", "does not match the host name"),
    ("redirect-drops-query", "query dropped"),
    ("cert-not-acm", "not serving the listener's ACM certificate"),
    ("waf-no-acl", "no WebACL is associated"),
];

async fn local(report_dir: &Path, extra: &[&str]) -> (i32, RunResult) {
    let mut args = vec![
        "harness".to_string(),
        "local".into(),
        "--quiet".into(),
        "--report-dir".into(),
        report_dir.display().to_string(),
    ];
    args.extend(extra.iter().map(|s| s.to_string()));
    let code = match harness::run_async(Cli::parse_from(&args)).await {
        Ok(outcome) => outcome.exit_code(),
        Err(e) => panic!("{args:?}: {e}"),
    };
    let run_dir = std::fs::read_dir(report_dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .find(|p| p.join("report.json").is_file())
        .unwrap_or_else(|| panic!("{args:?}: no run folder in {}", report_dir.display()));
    let json = std::fs::read_to_string(run_dir.join("report.json")).unwrap();
    (code, serde_json::from_str(&json).unwrap())
}

fn verdict_of(run: &RunResult, check: &str) -> Verdict {
    run.checks
        .iter()
        .find(|c| c.name == check)
        .unwrap_or_else(|| panic!("no {check} check in the run"))
        .verdict
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn healthy_twin_passes_and_each_fault_fails_its_check() {
    let tmp = tempfile::tempdir().unwrap();

    let (code, run) = local(&tmp.path().join("healthy"), &[]).await;
    for c in &run.checks {
        println!("healthy: {} {} — {}", c.name, c.verdict, c.summary);
    }
    assert_eq!(code, 0, "healthy twin did not pass");
    // The TLS check compared the served leaf with ACM's (moto gives all three) and found
    // the listener's redirect status: nothing was skipped.
    let tls = run.checks.iter().find(|c| c.name == "tls").unwrap();
    let harness::result::Evidence::Tls(e) = &tls.evidence else {
        panic!("no TLS evidence")
    };
    assert!(e.acm_sha256.is_some() && e.acm_sha256 == e.sha256, "{e:?}");
    assert!(e.acm_serial.is_some() && e.acm_serial == e.serial, "{e:?}");
    assert_eq!(e.acm_not_after.as_deref(), Some(e.not_after.as_str()));
    let declared = harness::twin::terraform::Declared::load_default().unwrap();
    let status = declared.redirect_status;
    assert!(
        e.redirect
            .as_ref()
            .is_some_and(|r| r.ok && r.status == status),
        "{e:?}"
    );
    assert!(
        !tls.warnings
            .iter()
            .any(|w| w.contains("not available") || w.contains("compared with 301/308")),
        "{:?}",
        tls.warnings
    );
    assert_eq!(
        run.checks.len(),
        harness::config::CheckName::ALL.len(),
        "every check runs on the twin"
    );

    let mut wrong = Vec::new();
    for (fault, checks, target) in CASES {
        let dir = tmp.path().join(fault);
        let mut args = vec!["--fault", fault];
        if !checks.is_empty() {
            args.extend(["--checks", checks]);
        }
        let (code, run) = local(&dir, &args).await;
        let verdict = verdict_of(&run, target);
        let summary = &run
            .checks
            .iter()
            .find(|c| c.name == *target)
            .unwrap()
            .summary;
        println!("{fault}: exit {code}, {target} {verdict} — {summary}");
        if code != 1 || verdict != Verdict::Fail {
            wrong.push(format!("{fault}: exit {code}, {target} {verdict}"));
        }
        if let Some((_, needle)) = NAMED.iter().find(|(f, _)| f == fault)
            && !summary.contains(needle)
        {
            wrong.push(format!(
                "{fault}: {target} summary lacks {needle:?}: {summary}"
            ));
        }
        if checks.is_empty() && run.checks.len() != harness::config::CheckName::ALL.len() {
            wrong.push(format!(
                "{fault}: default checks, {} in the report",
                run.checks.len()
            ));
        }
    }
    assert!(wrong.is_empty(), "faults not detected: {wrong:?}");
}

/// The operating point of the promotion tests: α = 0.001 and a budget of 60,000 requests
/// (the twin samples at 2,000/s). At it the exact chance that a healthy split does not
/// PASS, from the monitor's own design (group-sequential recursion), is 1.2e-11 at
/// 99/1, 2.8e-11 at 90/10 and 3.0e-9 at 50/50; at 100/0 the leak test fails only on a
/// canary hit, and the healthy edge routes none (nginx `down`). A starved canary at 99/1
/// is FAILed with probability 1 − P, computed below. Health on the healthy twin sees no
/// errors and loopback latencies far inside its 50 ms tolerance; TLS and WAF are
/// deterministic. The change-point test's false alarm (≤ 1e-4 per run by construction)
/// only restarts the test. The test recomputes the split figures and asserts each is
/// below 1e-4 before driving the twin.
const PROMOTION_ALPHA: f64 = 0.001;
const PROMOTION_BUDGET: u64 = 60_000;

/// P(not PASS | healthy) and P(not FAIL | share `starved`) of the split design.
fn split_error_rates(stable: i64, canary: i64, starved: f64) -> (f64, f64) {
    use harness::checks::split::{SplitConfig, SplitMonitor};
    use harness::stats::group_sequential::{operating, rules};
    let m = SplitMonitor::new(SplitConfig {
        alpha: PROMOTION_ALPHA,
        max_requests: PROMOTION_BUDGET,
        ..SplitConfig::new(stable, canary)
    })
    .unwrap();
    let healthy = 1.0 - m.healthy_operating().pass;
    let starved = match m.nominal_level() {
        Some(level) => 1.0 - operating(&rules(&m.planned_looks(), m.band(), level), starved).fail,
        None => 0.0,
    };
    (healthy, starved)
}

/// Default checks (what the gate runs) at every step of a promotion: each exits 0, and
/// a check that cannot apply says so instead of blocking the gate (scale away from
/// canary weight 0, health where one variant gets no traffic or the budget cannot
/// give it its planned sample). A canary starved by the edge at listener 99/1 exits 1.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_promotion_step_passes_with_the_default_checks() {
    use Verdict::{NotApplicable as Na, Pass};
    // (weights, expected verdicts of split, scale, health, tls, waf)
    let steps: [(&str, [Verdict; 5]); 4] = [
        ("100/0", [Pass, Pass, Na, Pass, Pass]),
        ("99/1", [Pass, Na, Na, Pass, Pass]),
        ("90/10", [Pass, Na, Pass, Pass, Pass]),
        ("50/50", [Pass, Na, Pass, Pass, Pass]),
    ];
    for (w, _) in &steps {
        let (s, c) = w.split_once('/').unwrap();
        let (healthy, _) = split_error_rates(s.parse().unwrap(), c.parse().unwrap(), 0.0);
        assert!(healthy < 1e-4, "{w}: P(not PASS | healthy) = {healthy:e}");
    }
    let (_, starved) = split_error_rates(99, 1, 0.0);
    assert!(starved < 1e-4, "99/1 starved: P(not FAIL) = {starved:e}");

    let (alpha, budget) = (PROMOTION_ALPHA.to_string(), PROMOTION_BUDGET.to_string());
    let tmp = tempfile::tempdir().unwrap();
    let mut wrong = Vec::new();
    for (w, want) in &steps {
        let dir = tmp.path().join(w.replace('/', "-"));
        let args = ["--weights", w, "--alpha", &alpha, "--max-requests", &budget];
        let (code, run) = local(&dir, &args).await;
        let got: Vec<(String, Verdict)> = run
            .checks
            .iter()
            .map(|c| (c.name.clone(), c.verdict))
            .collect();
        for c in &run.checks {
            println!("{w}: {} {} — {}", c.name, c.verdict, c.summary);
        }
        let names = ["split", "scale", "health", "tls", "waf"];
        let expected: Vec<(String, Verdict)> = names
            .iter()
            .map(|n| n.to_string())
            .zip(want.iter().copied())
            .collect();
        if code != 0 || got != expected {
            wrong.push(format!("{w}: exit {code}, {got:?}"));
        }
    }
    let dir = tmp.path().join("starved");
    let args = [
        "--weights",
        "99/1",
        "--fault",
        "canary-starved",
        "--alpha",
        &alpha,
        "--max-requests",
        &budget,
    ];
    let (code, run) = local(&dir, &args).await;
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

/// P(health does not FAIL) under `canary-errors` at 90/10, bounded over every canary
/// sample size the run can stop at. Sampling stops for health once the plan's
/// responses are in (`required_responses`, computed from stable's error rate only,
/// smallest at stable rate 0) and never goes past the budget, so the canary has
/// n_c ∈ [planned, budget] responses. Health FAILs when Newcombe's one-sided lower
/// bound of (canary − stable) 5xx rate at 1 − α/3 exceeds the tolerance; for each n_c
/// the smallest canary 5xx count k*(n_c) doing so is found with the check's own
/// `error_bounds`, with stable given a 1% error rate over its planned responses (ten
/// times the reference rate; the healthy stable answered none), which only lowers the
/// bound. The canary's 5xx count is Binomial(n_c, CANARY_ERROR_RATE) (the app draws
/// each `GET /` independently), so P(not FAIL) ≤ max over n_c of P(X < k*(n_c)).
fn canary_errors_miss_bound(stable: i64, canary: i64) -> f64 {
    use harness::checks::health::{self, Counts, Finding};
    use statrs::distribution::{Binomial, DiscreteCDF};
    let rate = 0.3; // spec::CANARY_ERROR_RATE (the twin's constant, not exported)
    let share = canary as f64 / (stable + canary) as f64;
    let tolerance = health::DEFAULT_ERROR_TOLERANCE;
    let a = PROMOTION_ALPHA / health::plan::SUB_TESTS;
    let (n_s, n_c0) =
        health::required_responses(share, PROMOTION_ALPHA, tolerance, 0.0).expect("plannable");
    let stable_counts = Counts {
        errors: n_s / 100,
        n: n_s,
    };
    let mut worst: f64 = 0.0;
    for n_c in n_c0..=PROMOTION_BUDGET {
        let fails = |k: u64| {
            health::error_bounds(Counts { errors: k, n: n_c }, stable_counts, a, tolerance).finding
                == Finding::Beyond
        };
        assert!(fails(n_c), "n_c {n_c}: all errors must FAIL");
        let (mut lo, mut hi) = (0, n_c);
        while hi - lo > 1 {
            let mid = lo + (hi - lo) / 2;
            if fails(mid) { hi = mid } else { lo = mid }
        }
        let miss = Binomial::new(rate, n_c).unwrap().cdf(hi - 1);
        worst = worst.max(miss);
    }
    worst
}

/// `harness local --promotion-flow`: the healthy promotion says GO at all four steps;
/// `--fault canary-errors --at-step 2` says GO at step 1, ROLL BACK at step 2 (health
/// FAIL), and GO after deploy-canary's rollback (100/0 on v1). Operating point α =
/// 0.001, 60,000 requests: a healthy split is not PASSed with probability 2.8e-11 at
/// 90/10 and 3.0e-9 at 50/50 (recomputed and asserted below), at 100/0 only on a
/// canary hit the healthy edge never routes. Health on the healthy twin: neither variant
/// answers a 5xx and loopback latencies (≈ 5 ms) sit far inside the 50 ms tolerance, as
/// in `every_promotion_step_passes_with_the_default_checks`; TLS, WAF and rollout are
/// deterministic. The canary-errors miss chance is bounded by
/// [`canary_errors_miss_bound`] and asserted below 1e-4 before the twin is driven.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn promotion_flow_goes_and_rolls_back_a_failing_canary() {
    use harness::cli::Command;
    use harness::twin::promotion::{self, Flow};
    for (s, c) in [(90, 10), (50, 50)] {
        let (healthy, _) = split_error_rates(s, c, 0.0);
        assert!(
            healthy < 1e-4,
            "{s}/{c}: P(not PASS | healthy) = {healthy:e}"
        );
    }
    let miss = canary_errors_miss_bound(90, 10);
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

/// The WAF gate tier on the twin (issue #13). The verdicts are deterministic: the same
/// request always meets the same ModSecurity rules, nothing is sampled, so P(wrong
/// verdict) is 0 apart from transport errors on loopback (which would give
/// INCONCLUSIVE, not a wrong PASS/FAIL). Healthy: every canonical request blocked, the
/// benign false-positive upper bound reported, PASS. Each fault of a managed group
/// FAILs naming a rule of that group; `waf-count-sqli` also by configuration.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn waf_gate_tier_blocks_everything_on_the_healthy_twin_and_names_each_dropped_group() {
    use harness::result::Evidence;
    let tmp = tempfile::tempdir().unwrap();
    let (code, run) = local(&tmp.path().join("healthy"), &["--checks", "waf"]).await;
    let waf = run.checks.iter().find(|c| c.name == "waf").unwrap();
    println!("healthy: {} — {}", waf.verdict, waf.summary);
    assert_eq!((code, waf.verdict), (0, Verdict::Pass), "{}", waf.summary);
    let Evidence::Waf(e) = &waf.evidence else {
        panic!("no WAF evidence")
    };
    assert!(e.gate.len() >= 49, "{} canonical requests", e.gate.len());
    assert!(e.gate.iter().all(|r| r.outcome == "blocked"));
    assert!(
        e.gate_groups
            .iter()
            .any(|g| g.group == "AWSManagedRulesAmazonIpReputationList"
                && g.coverage.starts_with("untested"))
    );
    let fp = e.false_positive_rate.as_ref().unwrap();
    assert!(
        fp.resolved >= 200 && fp.high > 0.0 && fp.high < 0.05,
        "{fp:?}"
    );
    assert!(waf.summary.contains("upper bound"), "{}", waf.summary);

    for (fault, group) in [
        ("waf-no-sqli", "AWSManagedRulesSQLiRuleSet/"),
        ("waf-no-common", "AWSManagedRulesCommonRuleSet/"),
        (
            "waf-no-known-bad-inputs",
            "AWSManagedRulesKnownBadInputsRuleSet/",
        ),
        (
            "waf-count-sqli",
            "AWSManagedRulesSQLiRuleSet is in Count mode",
        ),
    ] {
        let dir = tmp.path().join(fault);
        let (code, run) = local(&dir, &["--fault", fault, "--checks", "waf"]).await;
        let waf = run.checks.iter().find(|c| c.name == "waf").unwrap();
        println!("{fault}: {} — {}", waf.verdict, waf.summary);
        assert_eq!((code, waf.verdict), (1, Verdict::Fail), "{fault}");
        assert!(waf.summary.contains(group), "{fault}: {}", waf.summary);
        assert!(
            waf.summary.contains("not enforced"),
            "{fault}: {}",
            waf.summary
        );
    }
}
