//! Unit tests of the split monitor on hand-built summaries (the simulations are in
//! `tests/stats_simulation.rs`).

use super::*;
use crate::result::Verdict;

fn summary(stable: u64, canary: u64, unattributed: u64) -> SampleSummary {
    let mut s = SampleSummary {
        requests: stable + canary + unattributed,
        ..SampleSummary::default()
    };
    s.stable.responses = stable;
    s.canary.responses = canary;
    if unattributed > 0 {
        s.unattributed.insert("200".into(), unattributed);
    }
    s
}

fn config(stable: i64, canary: i64) -> SplitConfig {
    SplitConfig::new(stable, canary)
}

fn evidence(r: &CheckResult) -> &SplitEvidence {
    match &r.evidence {
        Evidence::Split(e) => e,
        other => panic!("unexpected evidence {other:?}"),
    }
}

#[test]
fn bad_configurations_are_config_errors() {
    let cases = [
        (-1, 10, 0.01, 0.02, 100),
        (90, 1000, 0.01, 0.02, 100),
        (0, 0, 0.01, 0.02, 100),
        (90, 10, 0.0, 0.02, 100),
        (90, 10, 0.5, 0.02, 100),
        (90, 10, f64::NAN, 0.02, 100),
        (90, 10, 0.01, 0.0, 100),
        (90, 10, 0.01, 0.6, 100),
        (90, 10, 0.01, 0.02, 0),
    ];
    for (s, c, alpha, margin, max_requests) in cases {
        let cfg = SplitConfig {
            stable_weight: s,
            canary_weight: c,
            alpha,
            margin,
            max_requests,
        };
        match SplitMonitor::new(cfg) {
            Err(Error::Config(msg)) => assert!(!msg.contains('\n'), "{msg}"),
            other => panic!("{s}/{c} alpha {alpha} margin {margin}: {other:?}"),
        }
    }
    assert!(SplitMonitor::new(config(999, 1)).is_ok());
    assert!(SplitMonitor::new(config(0, 7)).is_ok());
}

#[test]
fn looks_follow_the_schedule() {
    let mut m = SplitMonitor::new(config(90, 10)).unwrap();
    let first = (m.fixed_n as f64 * FIRST_LOOK_FRACTION).ceil() as u64;
    assert_eq!(m.planned_looks()[0], first);
    // Batches stop at the checkpoints of the change-point test too.
    assert_eq!(m.batch_size(), first.div_ceil(CHECKPOINTS_PER_FIRST_LOOK));
    // A summary short of the planned look is not a look (the calibration holds for
    // the planned positions only).
    assert!(!m.observe(&summary(first - 101, 100, 0)));
    assert_eq!(m.looks, 0);
    assert!(!m.observe(&summary(first - 100, 100, 0)));
    assert_eq!(m.looks, 1);
    let second = (first as f64 * LOOK_RATIO).ceil() as u64;
    assert_eq!(m.next_look(first), second);
}

#[test]
fn exact_split_passes_and_records_the_path() {
    let mut m = SplitMonitor::new(config(90, 10)).unwrap();
    // 20,000 responses at exactly 10%: the interval is ±0.6 points.
    let s = summary(18_000, 2_000, 0);
    assert!(m.observe(&s));
    assert_eq!(m.batch_size(), 0);
    let r = m.finish(&s);
    assert_eq!(r.verdict, Verdict::Pass, "{}", r.summary);
    let e = evidence(&r);
    assert_eq!(e.n, 20_000);
    assert_eq!(e.path.len(), 1);
    assert!(e.ci_low > 0.08 && e.ci_high < 0.12, "{e:?}");
    assert!((e.srm_p_value - 1.0).abs() < 1e-12);
    // Exact one-shot size at 99 % power: above the 90 %-power normal approximation
    // (4009) by the ratio of (z_{0.995} + z_{0.995})² to (z_{0.995} + z_{0.95})².
    assert!(
        (5_800..6_600).contains(&e.fixed_n_required),
        "{}",
        e.fixed_n_required
    );
    assert!(e.method.contains("Clopper-Pearson"), "{}", e.method);
}

#[test]
fn wrong_split_fails() {
    let mut m = SplitMonitor::new(config(90, 10)).unwrap();
    let n = m.planned_looks()[0];
    let canary = n * 18 / 100;
    let s = summary(n - canary, canary, 0);
    assert!(
        m.observe(&s),
        "18% at the first look is far outside 10% ± 2%"
    );
    let r = m.finish(&s);
    assert_eq!(r.verdict, Verdict::Fail, "{}", r.summary);
    assert!(r.warnings.iter().any(|w| w.contains("sample-ratio")));
}

#[test]
fn too_little_data_is_inconclusive() {
    let m = SplitMonitor::new(config(90, 10)).unwrap();
    let r = m.finish(&summary(95, 5, 0));
    assert_eq!(r.verdict, Verdict::Inconclusive, "{}", r.summary);
    let m = SplitMonitor::new(config(90, 10)).unwrap();
    let r = m.finish(&summary(0, 0, 0));
    assert_eq!(r.verdict, Verdict::Inconclusive, "{}", r.summary);
}

#[test]
fn budget_exhaustion_stops_and_is_inconclusive() {
    let mut cfg = config(90, 10);
    cfg.max_requests = 500;
    let mut m = SplitMonitor::new(cfg).unwrap();
    assert_eq!(m.planned_looks(), vec![500]);
    let s = summary(450, 50, 0);
    assert!(m.observe(&s));
    let r = m.finish(&s);
    assert_eq!(r.verdict, Verdict::Inconclusive, "{}", r.summary);
    assert!(r.summary.contains("budget"), "{}", r.summary);
}

#[test]
fn unattributed_responses_make_it_inconclusive() {
    let mut m = SplitMonitor::new(config(90, 10)).unwrap();
    // 5% unattributed: shown above 1% at once, even though the split itself is perfect.
    let s = summary(17_100, 1_900, 1_000);
    assert!(m.observe(&s));
    let r = m.finish(&s);
    assert_eq!(r.verdict, Verdict::Inconclusive, "{}", r.summary);
    assert!(r.summary.contains("attribution"), "{}", r.summary);
    assert!((evidence(&r).unattributed_share - 0.05).abs() < 1e-12);
    // A few are tolerated, with a warning.
    let mut m = SplitMonitor::new(config(90, 10)).unwrap();
    let s = summary(17_991, 1_999, 10);
    assert!(m.observe(&s));
    let r = m.finish(&s);
    assert_eq!(r.verdict, Verdict::Pass, "{}", r.summary);
    assert!(r.warnings.iter().any(|w| w.contains("attribution")));
}

#[test]
fn lost_requests_make_it_inconclusive() {
    let mut s = summary(17_100, 1_900, 0);
    s.timeouts = 1_000;
    s.requests = 20_000;
    let r = SplitMonitor::new(config(90, 10)).unwrap().finish(&s);
    assert_eq!(r.verdict, Verdict::Inconclusive, "{}", r.summary);
    assert!(r.summary.contains("no response"), "{}", r.summary);
}

#[test]
fn zero_weight_canary() {
    // 228 responses with no canary hit: bound 1 − 0.01^(1/228) ≤ 2%.
    let mut m = SplitMonitor::new(config(100, 0)).unwrap();
    assert_eq!(m.batch_size(), 29);
    assert!(!m.observe(&summary(200, 0, 0)));
    assert_eq!(m.next_look(200), 228, "next look exactly at the anchor 228");
    let s = summary(228, 0, 0);
    assert!(m.observe(&s));
    let r = m.finish(&s);
    assert_eq!(r.verdict, Verdict::Pass, "{}", r.summary);
    let bound = evidence(&r).zero_side_upper_bound.unwrap();
    assert!(bound <= 0.02 && bound > 0.019, "{bound}");
    // One canary hit: FAIL at once.
    let mut m = SplitMonitor::new(config(100, 0)).unwrap();
    let s = summary(28, 1, 0);
    assert!(m.observe(&s));
    let r = m.finish(&s);
    assert_eq!(r.verdict, Verdict::Fail, "{}", r.summary);
    assert!(evidence(&r).zero_side_upper_bound.unwrap() > 0.0);
    // Budget below the requirement: INCONCLUSIVE, with the bound reported.
    let mut cfg = config(100, 0);
    cfg.max_requests = 100;
    let r = SplitMonitor::new(cfg).unwrap().finish(&summary(100, 0, 0));
    assert_eq!(r.verdict, Verdict::Inconclusive, "{}", r.summary);
    assert!(evidence(&r).zero_side_upper_bound.unwrap() > 0.02);
}

#[test]
fn zero_weight_stable() {
    let s = summary(0, 300, 0);
    let r = SplitMonitor::new(config(0, 5)).unwrap().finish(&s);
    assert_eq!(r.verdict, Verdict::Pass, "{}", r.summary);
    assert_eq!(evidence(&r).configured_share, 1.0);
    let r = SplitMonitor::new(config(0, 5))
        .unwrap()
        .finish(&summary(1, 299, 0));
    assert_eq!(r.verdict, Verdict::Fail, "{}", r.summary);
}
