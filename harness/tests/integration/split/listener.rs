//! What the listener does not say, end to end in process against real moto and a real
//! TLS front (the world of `support/verify_world.rs`): weights changed during sampling make the
//! split INCONCLUSIVE, `--path` picks the listener rule whose weights are judged,
//! stickiness is read and reported, and `--changed-at` delays sampling.

use crate::support::twin_oc;
use crate::support::verify_world;

use std::time::{Duration, Instant};

use aws_sdk_elasticloadbalancingv2::types::{
    Action, ActionTypeEnum, ForwardActionConfig, PathPatternConditionConfig, RuleCondition,
    TargetGroupAttribute, TargetGroupStickinessConfig, TargetGroupTuple,
};
use harness::cli::{Command, VerifyArgs};
use harness::result::{CheckResult, RunResult, Verdict};
use verify_world::*;

fn verify_args(w: &World, extra: &[&str]) -> VerifyArgs {
    match Cli::parse_from(w.args(extra)).command {
        Command::Verify(a) => *a,
        other => panic!("{other:?}"),
    }
}

async fn elb(w: &World) -> aws_sdk_elasticloadbalancingv2::Client {
    let sdk = harness::aws::load(&aws_options(&w.moto, &w.creds))
        .await
        .unwrap();
    aws_sdk_elasticloadbalancingv2::Client::new(&sdk)
}

fn split(run: &RunResult) -> &CheckResult {
    run.checks.iter().find(|c| c.name == "split").unwrap()
}

fn tuple(arn: &str, w: i32) -> TargetGroupTuple {
    TargetGroupTuple::builder()
        .target_group_arn(arn)
        .weight(w)
        .build()
}

/// A forward action `stable/canary`, with target-group stickiness when `sticky`.
fn forward(w: &World, stable: i32, canary: i32, sticky: bool) -> Action {
    let mut fc = ForwardActionConfig::builder()
        .target_groups(tuple(&w.seeded.stable_target_group_arn, stable))
        .target_groups(tuple(&w.seeded.canary_target_group_arn, canary));
    if sticky {
        fc = fc.target_group_stickiness_config(
            TargetGroupStickinessConfig::builder()
                .enabled(true)
                .duration_seconds(3600)
                .build(),
        );
    }
    Action::builder()
        .r#type(ActionTypeEnum::Forward)
        .forward_config(fc.build())
        .build()
}

/// Rate and budget that make the sampling of a 90/10 split last seconds: at 200
/// requests/s the monitor's first look alone takes over a second.
const SLOW: &[&str] = &["--checks", "split", "--rps", "200"];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn weights_changed_during_sampling_make_split_inconclusive() {
    let _machine = crate::support::serial::world().await;
    let w = world(Spec::healthy()).await;
    // Control: the same run without a change passes.
    let t0 = Instant::now();
    let run = harness::verify::run(verify_args(&w, SLOW)).await.unwrap();
    let took = t0.elapsed();
    println!(
        "control: {} in {took:?}: {}",
        split(&run).verdict,
        split(&run).summary
    );
    assert_eq!(split(&run).verdict, Verdict::Pass);
    assert!(
        took > Duration::from_millis(1500),
        "sampling too short: {took:?}"
    );

    // The listener moves to 50/50 from another task while the sampler runs.
    let client = elb(&w).await;
    let listener = w.seeded.listener_arn.clone();
    let action = forward(&w, 50, 50, false);
    let cert = listener_certificate(&w).await;
    let mover = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(700)).await;
        client
            .modify_listener()
            .listener_arn(listener)
            .certificates(cert)
            .default_actions(action)
            .send()
            .await
            .unwrap();
        Instant::now()
    });
    let t0 = Instant::now();
    let run = harness::verify::run(verify_args(&w, SLOW)).await.unwrap();
    let moved_at = mover.await.unwrap();
    assert!(moved_at < Instant::now(), "the change came after the run");
    println!(
        "changed: {} after {:?}: {}",
        split(&run).verdict,
        t0.elapsed(),
        split(&run).summary
    );
    assert_eq!(split(&run).verdict, Verdict::Inconclusive);
    assert!(
        split(&run)
            .summary
            .contains("weights changed during the run (90/10 → 50/50)"),
        "{}",
        split(&run).summary
    );
    assert_eq!(run.exit_code(), 3);
}

/// Budget of the 50/50 runs of [`path_picks_the_listener_rule`]: at the world's α = 0.05
/// and margin 0.05 a healthy 50/50 split misses PASS with probability 2.6e-3 within
/// 3,000 requests, 2.7e-6 within 6,000 (group-sequential recursion, asserted below);
/// the 90/10 judgement of a real 50/50 front misses FAIL with probability 0 to
/// double precision.
const PATH_BUDGET: u64 = 6_000;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn path_picks_the_listener_rule() {
    let _machine = crate::support::serial::world().await;
    // The world's α and margin (`support/verify_world.rs`).
    let (alpha, margin) = (0.05, Some(0.05));
    let pass = twin_oc::split_not_pass((50, 50), alpha, PATH_BUDGET, margin);
    let fail = twin_oc::split_not_fail((90, 10), alpha, PATH_BUDGET, margin, 0.5);
    println!("P(not PASS | 50/50) = {pass:e}, P(not FAIL | 50/50 judged 90/10) = {fail:e}");
    assert!(pass < twin_oc::TARGET && fail < twin_oc::TARGET);
    let budget = PATH_BUDGET.to_string();
    // The front really splits 50/50; the rule for /api/* says 50/50, the default 90/10.
    let w = world(Spec {
        real: (50, 50),
        ..Spec::healthy()
    })
    .await;
    let client = elb(&w).await;
    client
        .create_rule()
        .listener_arn(&w.seeded.listener_arn)
        .priority(10)
        .conditions(
            RuleCondition::builder()
                .field("path-pattern")
                .path_pattern_config(
                    PathPatternConditionConfig::builder()
                        .values("/api/*")
                        .build(),
                )
                .build(),
        )
        .actions(forward(&w, 50, 50, false))
        .send()
        .await
        .unwrap();
    let sdk = harness::aws::load(&aws_options(&w.moto, &w.creds))
        .await
        .unwrap();
    let url = url::Url::parse(&format!("https://{HOST}/")).unwrap();
    for (path, want) in [
        (Some("/api/x"), (50, 50)),
        (None, (90, 10)),
        (Some("/apix"), (90, 10)),
    ] {
        let spec = harness::sample::RequestSpec::parse(path, &[]).unwrap();
        let truth = harness::aws::read_truth(
            &sdk,
            &harness::aws::TruthRequest {
                listener_arn: Some(w.seeded.listener_arn.clone()),
                cluster: w.seeded.cluster.clone(),
                stable_service: w.seeded.stable_service.clone(),
                canary_service: w.seeded.canary_service.clone(),
                request: harness::aws::RequestMatch::for_sample(&url, &spec),
                stable_target_group: Some(w.seeded.stable_target_group_arn.clone()),
                canary_target_group: Some(w.seeded.canary_target_group_arn.clone()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
        assert_eq!((truth.stable_weight, truth.canary_weight), want, "{path:?}");
    }
    // Judged against the rule, the 50/50 front passes; against the default, it fails.
    let run = harness::verify::run(verify_args(
        &w,
        &[
            "--checks",
            "split",
            "--path",
            "/api/x",
            "--max-requests",
            &budget,
        ],
    ))
    .await
    .unwrap();
    assert_eq!(
        split(&run).verdict,
        Verdict::Pass,
        "{}",
        split(&run).summary
    );
    assert!(
        split(&run)
            .warnings
            .iter()
            .any(|m| m.contains("listener rule 10")),
        "{:?}",
        split(&run).warnings
    );
    assert!(run.command.contains("--path /api/x"), "{}", run.command);
    let run = harness::verify::run(verify_args(
        &w,
        &["--checks", "split", "--max-requests", &budget],
    ))
    .await
    .unwrap();
    assert_eq!(
        split(&run).verdict,
        Verdict::Fail,
        "{}",
        split(&run).summary
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stickiness_is_read_and_a_sticky_cookie_is_inconclusive() {
    let _machine = crate::support::serial::world().await;
    let w = world(Spec::healthy()).await;
    let client = elb(&w).await;
    client
        .modify_listener()
        .listener_arn(&w.seeded.listener_arn)
        .certificates(listener_certificate(&w).await)
        .default_actions(forward(&w, 90, 10, true))
        .send()
        .await
        .unwrap();
    client
        .modify_target_group_attributes()
        .target_group_arn(&w.seeded.canary_target_group_arn)
        .attributes(
            TargetGroupAttribute::builder()
                .key("stickiness.enabled")
                .value("true")
                .build(),
        )
        .send()
        .await
        .unwrap();
    let run = harness::verify::run(verify_args(&w, &["--checks", "split"]))
        .await
        .unwrap();
    let s = split(&run);
    println!("{} {} {:?}", s.verdict, s.summary, s.warnings);
    assert_eq!(s.verdict, Verdict::Pass);
    assert!(
        s.warnings.iter().any(|m| m.contains("shares of clients")),
        "{:?}",
        s.warnings
    );
    assert!(
        s.warnings
            .iter()
            .any(|m| m.contains("stickiness.enabled on 1")),
        "{:?}",
        s.warnings
    );
    // A cookie on every request could pin the whole sample to one target group.
    let run = harness::verify::run(verify_args(
        &w,
        &["--checks", "split", "--header", "Cookie:AWSALBTG=pinned"],
    ))
    .await
    .unwrap();
    assert_eq!(
        split(&run).verdict,
        Verdict::Inconclusive,
        "{}",
        split(&run).summary
    );
    assert!(
        split(&run).summary.contains("Cookie"),
        "{}",
        split(&run).summary
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn changed_at_waits_for_the_settle_time_and_records_it() {
    let _machine = crate::support::serial::world().await;
    let w = world(Spec::healthy()).await;
    let changed = time::OffsetDateTime::now_utc() - time::Duration::seconds(1);
    let at = changed
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap();
    let t0 = Instant::now();
    let run = harness::verify::run(verify_args(
        &w,
        &["--checks", "split", "--changed-at", &at, "--settle", "3"],
    ))
    .await
    .unwrap();
    let took = t0.elapsed();
    let note = split(&run)
        .warnings
        .iter()
        .find(|m| m.contains("before sampling"))
        .cloned()
        .unwrap_or_default();
    println!("took {took:?}; {note}");
    assert!(took >= Duration::from_secs(2), "{took:?}");
    assert!(
        note.contains("waited") && note.contains("--settle"),
        "{:?}",
        split(&run).warnings
    );
    assert!(run.command.contains("--changed-at"), "{}", run.command);
}
