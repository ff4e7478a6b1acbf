//! The monitor on timed, hand-built traffic whose share steps: burn-in left out,
//! the settle rule, "still moving", and a step out of the band.

use super::*;
use crate::checks::split::SplitConfig;

/// Runs a monitor on traffic at 200 requests/s whose canary hits are the rounded
/// running total of `share(request)`; returns the result.
fn run(cfg: SplitConfig, share: impl Fn(u64) -> f64) -> crate::result::CheckResult {
    let mut m = SplitMonitor::new(cfg).unwrap();
    let mut s = SampleSummary::default();
    let mut exact = 0.0;
    loop {
        let batch = m.batch_size();
        if batch == 0 {
            break;
        }
        for _ in 0..batch {
            exact += share(s.requests);
            s.requests += 1;
        }
        s.canary.responses = exact.round() as u64;
        s.stable.responses = s.requests - s.canary.responses;
        s.duration_s = s.requests as f64 / 200.0;
        if m.observe(&s) {
            break;
        }
    }
    m.finish(&s)
}

fn evidence(r: &crate::result::CheckResult) -> &crate::result::SplitEvidence {
    match &r.evidence {
        crate::result::Evidence::Split(e) => e,
        other => panic!("unexpected evidence {other:?}"),
    }
}

#[test]
fn burn_in_is_left_out_and_time_to_converge_reported() {
    let r = run(
        SplitConfig::new(90, 10),
        |i| if i < 1_000 { 0.0 } else { 0.1 },
    );
    assert_eq!(r.verdict, Verdict::Pass, "{}", r.summary);
    let e = evidence(&r);
    assert_eq!(e.change_points.len(), 1, "{e:?}");
    let c = e.change_points[0];
    assert!(c.into_band && c.share_before < 0.01, "{c:?}");
    let at = e.converged_at_request.unwrap();
    assert!((1_000..=1_700).contains(&at), "{at}");
    assert!((e.time_to_converge_s.unwrap() - at as f64 / 200.0).abs() < 1e-9);
    assert!(r.summary.contains("time to converge"), "{}", r.summary);
    // A steady share converges at 0.
    let r = run(SplitConfig::new(90, 10), |_| 0.1);
    assert_eq!(r.verdict, Verdict::Pass, "{}", r.summary);
    assert_eq!(evidence(&r).time_to_converge_s, Some(0.0));
    assert!(evidence(&r).change_points.is_empty());
}

#[test]
fn no_verdict_before_the_settle_window() {
    // 18 % at 90/10 is far outside the band at the first look (1,231 requests, 6.2 s),
    // but the FAIL waits for 10 s of data.
    let r = run(SplitConfig::new(90, 10), |_| 0.18);
    assert_eq!(r.verdict, Verdict::Fail, "{}", r.summary);
    assert!(evidence(&r).path.last().unwrap().n >= 2_000);
    // A budget of 7.5 s: the window is half of it, and the FAIL comes at the first
    // look after 3.75 s. (At ±5 points 1,500 requests are an adequate budget; at the
    // default ±2 the budget check would refuse it.)
    let cfg = SplitConfig {
        max_requests: 1_500,
        margin: 0.05,
        ..SplitConfig::new(90, 10)
    };
    let r = run(cfg, |_| 0.18);
    assert_eq!(r.verdict, Verdict::Fail, "{}", r.summary);
    assert!(evidence(&r).path.last().unwrap().n >= 750);
}

#[test]
fn a_change_at_the_end_of_the_budget_is_still_moving() {
    // Exactly at the band edge (12 %: no verdict either way) for 95 s, then 0 %: the
    // change is found, but the 5 s after it are fewer than the 10 s a verdict needs.
    let r = run(SplitConfig::new(90, 10), |i| {
        if i < 19_000 { 0.12 } else { 0.0 }
    });
    assert_eq!(r.verdict, Verdict::Inconclusive, "{}", r.summary);
    assert!(r.summary.contains("still moving"), "{}", r.summary);
    assert_eq!(evidence(&r).time_to_converge_s, None);
}

#[test]
fn a_step_out_of_the_band_never_passes() {
    // Inside for 1,500 requests (7.5 s, before any verdict may be taken), then 20 %.
    let r = run(
        SplitConfig::new(90, 10),
        |i| if i < 1_500 { 0.1 } else { 0.2 },
    );
    assert_eq!(r.verdict, Verdict::Fail, "{}", r.summary);
    let e = evidence(&r);
    assert!(e.change_points.iter().any(|c| !c.into_band), "{e:?}");
    assert!(e.observed_share > 0.15, "{e:?}");
}
