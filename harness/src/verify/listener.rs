//! What the listener does not say, handled around the sample:
//!
//! * **When it changed.** ELBv2 keeps no "last modified" time and ALB nodes apply a
//!   change on their own schedule, so the gate passes `--changed-at` and the run waits
//!   until `--settle` seconds after it ([`settle`]); the wait is recorded as a warning.
//! * **Whether it changed while sampling.** The weights are read again after the
//!   sample; if they (or the target groups) differ from the first reading, the sample
//!   mixes two configurations and the split check is INCONCLUSIVE ([`recheck`]).
//! * **Stickiness.** With target-group stickiness on the forward action a client stays
//!   on one target group, so the weights are shares of clients. The sampler keeps no
//!   cookies and opens a fresh connection per request, so each request is a new
//!   client; if the user sends a `Cookie` header with every request that is
//!   impossible, and the split check is INCONCLUSIVE.

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::aws::{self, Truth, TruthRequest, WeightedTargetGroup};
use crate::config::input::Extras;
use crate::result::{CheckResult, Verdict};
use crate::sample::RequestSpec;

/// Waits until `--settle` seconds after `--changed-at`; returns the note to record
/// (`None` without `--changed-at`).
pub(crate) async fn settle(extras: &Extras, quiet: bool) -> Option<String> {
    let at = extras.changed_at?;
    let wait = extras.settle_wait(OffsetDateTime::now_utc());
    let at_s = at.format(&Rfc3339).unwrap_or_else(|_| at.to_string());
    let settle_s = extras.settle.as_secs();
    if wait.is_zero() {
        return Some(format!(
            "listener changed at {at_s}; more than the {settle_s} s settle time had passed, sampling started at once"
        ));
    }
    if !quiet {
        eprintln!(
            "verify: waiting {:.1} s for the listener change at {at_s} to settle",
            wait.as_secs_f64()
        );
    }
    tokio::time::sleep(wait).await;
    Some(format!(
        "waited {:.1} s before sampling: the listener changed at {at_s} and changes settle within {settle_s} s (--settle)",
        wait.as_secs_f64()
    ))
}

/// Puts the settle note on the split check, or on the first check when split did not
/// run.
pub(crate) fn record_settle(checks: &mut [CheckResult], note: Option<String>) {
    let Some(note) = note else { return };
    let idx = checks.iter().position(|c| c.name == "split").unwrap_or(0);
    if let Some(c) = checks.get_mut(idx) {
        c.warnings.push(note);
    }
}

/// Whether the sampler must open a fresh connection per request (target-group
/// stickiness on the forward action).
pub(crate) fn needs_fresh_connections(truth: Option<&Truth>) -> bool {
    truth.is_some_and(|t| t.listener.sticky)
}

fn label(tgs: &[WeightedTargetGroup]) -> Vec<(String, Option<i64>)> {
    let mut v: Vec<_> = tgs.iter().map(|t| (t.arn.clone(), t.weight)).collect();
    v.sort();
    v
}

/// What differs between the reading before and after the sample, if anything.
pub(crate) fn change(before: &Truth, after: &Truth) -> Option<String> {
    let (b, a) = (
        (before.stable_weight, before.canary_weight),
        (after.stable_weight, after.canary_weight),
    );
    if b != a {
        return Some(format!(
            "weights changed during the run ({}/{} → {}/{})",
            b.0, b.1, a.0, a.1
        ));
    }
    if label(&before.listener.target_groups) != label(&after.listener.target_groups)
        || before.listener.rule_priority != after.listener.rule_priority
    {
        return Some(format!(
            "target groups changed during the run ({} → {} forwarded)",
            before.listener.target_groups.len(),
            after.listener.target_groups.len()
        ));
    }
    if before.listener.sticky != after.listener.sticky {
        return Some("target-group stickiness changed during the run".into());
    }
    None
}

/// Turns a split result INCONCLUSIVE with `why` in front of its summary (a FAIL
/// stays: see [`recheck`]).
fn inconclusive(result: &mut CheckResult, why: &str) {
    result.verdict = Verdict::Inconclusive;
    result.summary = format!(
        "{why}: the sample does not measure one configuration. {}",
        result.summary
    );
}

/// After sampling: a `Cookie` header under stickiness, then the re-read of the
/// listener. A change makes any verdict INCONCLUSIVE (a FAIL too: the deviation may
/// come from the change); a failed re-read turns a PASS or INCONCLUSIVE into ERROR,
/// since the weights the sample was judged against could not be confirmed.
pub(crate) async fn recheck(
    result: &mut CheckResult,
    sdk: &aws_config::SdkConfig,
    req: &TruthRequest,
    before: &Truth,
    request: &RequestSpec,
) {
    if before.listener.sticky && request.has_header("cookie") {
        inconclusive(
            result,
            "target-group stickiness is on and a Cookie header is sent with every request (--header), so the requests may all be pinned to one target group",
        );
    }
    match aws::read_truth(sdk, req).await {
        Ok(after) => {
            if let Some(why) = change(before, &after) {
                inconclusive(result, &why);
            }
        }
        Err(e) => {
            if result.verdict != Verdict::Fail {
                result.verdict = Verdict::Error;
            }
            result.summary = format!(
                "could not re-read the listener after sampling ({e}). {}",
                result.summary
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aws::ListenerTruth;
    use crate::result::Evidence;

    fn truth(s: i64, c: i64) -> Truth {
        Truth {
            listener: ListenerTruth {
                target_groups: vec![
                    WeightedTargetGroup {
                        arn: "s".into(),
                        weight: Some(s),
                    },
                    WeightedTargetGroup {
                        arn: "c".into(),
                        weight: Some(c),
                    },
                ],
                ..ListenerTruth::default()
            },
            stable_weight: s,
            canary_weight: c,
            ..Truth::default()
        }
    }

    #[test]
    fn detects_weight_and_target_group_changes() {
        assert_eq!(change(&truth(90, 10), &truth(90, 10)), None);
        assert_eq!(
            change(&truth(90, 10), &truth(50, 50)).as_deref(),
            Some("weights changed during the run (90/10 → 50/50)")
        );
        let mut moved = truth(90, 10);
        moved.listener.target_groups[1].arn = "c2".into();
        assert!(
            change(&truth(90, 10), &moved)
                .unwrap()
                .contains("target groups")
        );
        let mut sticky = truth(90, 10);
        sticky.listener.sticky = true;
        assert!(
            change(&truth(90, 10), &sticky)
                .unwrap()
                .contains("stickiness")
        );
    }

    #[test]
    fn settle_note_goes_on_split_or_the_first_check() {
        let check = |name: &str| CheckResult {
            name: name.into(),
            verdict: Verdict::Pass,
            summary: String::new(),
            warnings: vec![],
            evidence: Evidence::None,
        };
        let mut checks = vec![check("tls"), check("split")];
        record_settle(&mut checks, Some("waited".into()));
        assert_eq!(checks[1].warnings, vec!["waited".to_string()]);
        let mut checks = vec![check("tls")];
        record_settle(&mut checks, Some("waited".into()));
        assert_eq!(checks[0].warnings.len(), 1);
        record_settle(&mut [], Some("x".into()));
    }
}
