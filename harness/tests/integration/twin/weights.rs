//! Moving a running twin's weights as a deployment does: the listener in moto at once,
//! the edge after a lag (`Twin::set_weights`), and the `canary-starved` fault (listener
//! 99/1, edge 100/0). Real Docker, nginx + ModSecurity + CRS and moto; every twin is
//! torn down by `stop` or `Drop`.

use std::time::{Duration, Instant};

use harness::twin::{Fault, Twin, TwinSpec, Weights};
use statrs::distribution::{Binomial, DiscreteCDF};

use crate::support::twin_util;

use twin_util::{canary_share, client, image, listener_weights};

/// Requests per share measurement in the weights test, and the share that separates
/// the old edge (canary 10 %) from the new one (50 %).
const SHARE_N: u64 = 300;
const SHARE_CUT: f64 = 0.3;

/// Chance that one measurement of [`SHARE_N`] requests lands on the wrong side of
/// [`SHARE_CUT`]: P(X ≥ 90 | Bin(300, 0.1)) + P(X ≤ 90 | Bin(300, 0.5)), exact.
fn share_error_rate() -> f64 {
    let cut = (SHARE_CUT * SHARE_N as f64) as u64;
    let old = Binomial::new(0.1, SHARE_N).unwrap();
    let new = Binomial::new(0.5, SHARE_N).unwrap();
    old.sf(cut - 1) + new.cdf(cut)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn twin_weights_move_the_listener_at_once_and_the_edge_after_the_lag() {
    let _machine = crate::support::serial::twin().await;
    // Two measurements, each wrong with the exact probability below: < 1e-4 in all.
    let err = share_error_rate();
    assert!(2.0 * err < 1e-4, "design error rate {err}");
    let spec = TwinSpec::healthy("90/10".parse::<Weights>().unwrap(), image().await);
    let twin = Twin::start(spec).await.unwrap();
    let c = client(&twin);
    let url = twin.url();
    let sdk = twin.sdk_config().unwrap().clone();
    let arn = twin.seeded().listener_arn.clone();
    let lag = Duration::from_secs(4);
    let t0 = Instant::now();
    let (change, (listener_seen, during, measured_by)) =
        tokio::join!(twin.set_weights("50/50".parse().unwrap(), lag), async {
            while listener_weights(&sdk, &arn).await != (50, 50) {
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
            let seen = t0.elapsed();
            let share = canary_share(&c, &url, SHARE_N as usize).await;
            (seen, share, t0.elapsed())
        });
    let change = change.unwrap();
    let after = canary_share(&c, &url, SHARE_N as usize).await;
    eprintln!(
        "listener 50/50 after {:?} (seen {listener_seen:?}); edge reloaded after {:?} for a lag of {lag:?}; \
         canary share during the lag {during:.3} (measured by {measured_by:?}), after {after:.3}; \
         design error {err:.1e}",
        change.listener, change.edge
    );
    assert!(listener_seen < Duration::from_secs(2), "{listener_seen:?}");
    assert!(
        measured_by < lag,
        "the lag measurement overran the lag: {measured_by:?}"
    );
    assert!(
        during < SHARE_CUT,
        "edge moved before the lag: canary {during}"
    );
    assert!(
        change.edge >= lag && change.edge < lag + Duration::from_secs(2),
        "{change:?}"
    );
    assert!(
        after > SHARE_CUT,
        "edge did not move after the lag: canary {after}"
    );
    assert_eq!(listener_weights(&sdk, &arn).await, (50, 50));
    assert_eq!(
        (
            twin.spec().canary.listener_weight,
            twin.spec().canary.edge_weight
        ),
        (50, 50)
    );
    twin.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn canary_starved_gives_the_canary_no_traffic_at_listener_weight_1() {
    let _machine = crate::support::serial::twin().await;
    // If the edge still sent 1 % to the canary, 0 canary responses in 2,000 would have
    // probability 0.99^2000 ≈ 1.9e-9 < 1e-4.
    const N: usize = 2_000;
    assert!(0.99f64.powi(N as i32) < 1e-4);
    let spec = TwinSpec::with_faults(
        "90/10".parse::<Weights>().unwrap(),
        image().await,
        &[Fault::CanaryStarved],
    );
    let twin = Twin::start(spec).await.unwrap();
    let sdk = twin.sdk_config().unwrap();
    assert_eq!(
        listener_weights(sdk, &twin.seeded().listener_arn).await,
        (99, 1)
    );
    assert_eq!(twin.state().containers.len(), 3, "the canary runs");
    let share = canary_share(&client(&twin), &twin.url(), N).await;
    assert_eq!(share, 0.0, "the starved canary got traffic");
    twin.stop().await.unwrap();
}

/// A promotion step 90/10 → 50/50 applied while the harness runs, the way `terraform
/// apply` and an ALB do it: the listener changes at once, the edge 3 s later.
///
/// 1. Without `--changed-at`, sampling starts during the lag: the first ~3 s follow the
///    old weights. The change-point test finds the step (10 % → 50 % over thousands of
///    requests: its power is 1 − 1e-11 at level 1e-11 in the unit tests), the data
///    before it are left out, and the split PASSes on the data after it, with the time
///    to converge reported. Chance of a wrong verdict: a healthy 50/50 restarted within
///    the remaining budget fails to PASS with probability ≈ 3e-9 (design, α = 0.001,
///    60,000 requests; asserted below), and no verdict can be taken on the 3 s before
///    the step (a verdict needs 10 s of change-free data).
/// 2. With `--changed-at` (the apply's end) and `--settle` longer than the lag, the
///    harness waits, samples only converged traffic and PASSes with nothing to leave
///    out (same design figure).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_weight_change_during_the_run_gives_the_right_verdict() {
    use harness::checks::split::{SplitConfig, SplitMonitor};
    use harness::result::{Evidence, Verdict};
    let _machine = crate::support::serial::twin().await;
    let design = SplitMonitor::new(SplitConfig {
        alpha: 0.001,
        max_requests: 60_000,
        ..SplitConfig::new(50, 50)
    })
    .unwrap()
    .healthy_operating();
    assert!(1.0 - design.pass < 1e-4, "{design:?}");

    let spec = TwinSpec::healthy("90/10".parse::<Weights>().unwrap(), image().await);
    let twin = Twin::start(spec).await.unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let user = |extra: &[&str]| {
        let mut a = vec![
            "harness".to_string(),
            "verify".into(),
            "--quiet".into(),
            "--checks".into(),
            "split".into(),
            "--alpha".into(),
            "0.001".into(),
            "--max-requests".into(),
            "60000".into(),
            "--report-dir".into(),
            tmp.path().display().to_string(),
        ];
        a.extend(extra.iter().map(|s| s.to_string()));
        match <harness::cli::Cli as clap::Parser>::parse_from(a).command {
            harness::cli::Command::Verify(v) => {
                harness::twin::merge_verify_args(twin.verify_args(), &v)
            }
            other => panic!("{other:?}"),
        }
    };
    let split_of = |run: &harness::result::RunResult| {
        let c = run
            .checks
            .iter()
            .find(|c| c.name == "split")
            .unwrap()
            .clone();
        let ev = match &c.evidence {
            Evidence::Split(e) => e.clone(),
            other => panic!("{other:?}"),
        };
        (c, ev)
    };

    // 1. The change lands during sampling.
    let lag = Duration::from_secs(3);
    let args = user(&[]);
    let (change, run) = tokio::join!(twin.set_weights("50/50".parse().unwrap(), lag), async {
        // Start once the listener says 50/50 (it changes first, as with an ALB).
        tokio::time::sleep(Duration::from_millis(500)).await;
        harness::verify::run(args).await
    });
    change.unwrap();
    let (split, ev) = split_of(&run.unwrap());
    println!("moving: {} — {}", split.verdict, split.summary);
    assert_eq!(split.verdict, Verdict::Pass, "{}", split.summary);
    assert_eq!(
        (ev.stable_weight, ev.canary_weight),
        (50, 50),
        "judged against the new weights"
    );
    let converged = ev.time_to_converge_s.expect("converged");
    assert!(
        converged > 0.5 && !ev.change_points.is_empty(),
        "the burn-in was not found: {ev:?}"
    );

    // 2. Back to 90/10, with --changed-at and a settle longer than the lag.
    let changed_at = time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap();
    let args = user(&["--changed-at", &changed_at, "--settle", "5"]);
    let (change, run) = tokio::join!(
        twin.set_weights("90/10".parse().unwrap(), Duration::from_secs(2)),
        harness::verify::run(args)
    );
    change.unwrap();
    let (split, ev) = split_of(&run.unwrap());
    println!("settled: {} — {}", split.verdict, split.summary);
    assert_eq!(split.verdict, Verdict::Pass, "{}", split.summary);
    assert_eq!((ev.stable_weight, ev.canary_weight), (90, 10));
    assert!(ev.change_points.is_empty(), "{ev:?}");
    twin.stop().await.unwrap();
}
