//! Unit tests of the orchestration helpers of `harness verify` (attribution guard,
//! rate-limit naming).
use super::*;
use crate::result::{Evidence, Verdict};
use crate::sample::GATE_TOKEN_ENV;

fn pass() -> CheckResult {
    CheckResult {
        name: "split".into(),
        verdict: Verdict::Pass,
        summary: "ok".into(),
        warnings: vec![],
        evidence: Evidence::None,
    }
}

#[test]
fn unattributed_above_threshold_is_inconclusive() {
    let mut s = SampleSummary::default();
    s.stable.responses = 90;
    s.unattributed.insert("200".into(), 10);
    let mut c = pass();
    guard_unattributed(&mut c, &s);
    assert_eq!(c.verdict, Verdict::Inconclusive);
    // A FAIL stays a FAIL.
    let mut f = pass();
    f.verdict = Verdict::Fail;
    guard_unattributed(&mut f, &s);
    assert_eq!(f.verdict, Verdict::Fail);
    // Below the threshold: a warning only.
    s.stable.responses = 10_000;
    let mut c = pass();
    guard_unattributed(&mut c, &s);
    assert_eq!(c.verdict, Verdict::Pass);
    assert_eq!(c.warnings.len(), 1);
}

#[test]
fn rate_limit_answers_are_named_as_such() {
    let mut s = SampleSummary::default();
    s.stable.responses = 900;
    s.unattributed.insert("429".into(), 100);
    let mut c = pass();
    guard_unattributed(&mut c, &s);
    assert_eq!(c.verdict, Verdict::Inconclusive);
    assert!(
        c.summary
            .contains("100 were 429 answers of the WAF's rate rule"),
        "{}",
        c.summary
    );
    assert!(c.summary.contains(GATE_TOKEN_ENV), "{}", c.summary);
}
