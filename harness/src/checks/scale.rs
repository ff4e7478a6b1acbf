//! The `scale` check: capacity of the canary must match its weight.
//!
//! * Canary weight 0 (scale-to-zero): ECS desiredCount = runningCount = pendingCount
//!   = 0, no target registered in the canary target group (DescribeTargetHealth, any
//!   state, draining included), and 0 canary responses in the sample. The caller polls
//!   until drained or a timeout; the check judges the last reading. With 0 hits in n
//!   attributed responses the exact (1 − α) upper bound on the canary share is
//!   1 − α^(1/n) (Clopper–Pearson with x = 0; ≈ 3/n at α = 0.05, the "rule of three",
//!   Hanley & Lippman-Hand 1983). n = 0 → INCONCLUSIVE.
//! * Canary weight > 0: the check asserts traffic has somewhere to go: at least one
//!   running task and one registered target; otherwise FAIL (the ALB would answer 503
//!   for the canary's share). A rollout in progress (pending > 0 or running ≠ desired)
//!   is a warning, not a failure.

use crate::result::{CheckResult, Evidence, ScaleEvidence, Verdict};
use crate::stats;

/// What was observed about the canary's capacity.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ScaleInput {
    /// Canary weight on the listener.
    pub canary_weight: i64,
    /// ECS desiredCount of the canary service (last reading).
    pub desired: i64,
    /// ECS runningCount.
    pub running: i64,
    /// ECS pendingCount.
    pub pending: i64,
    /// Targets registered in the canary target group.
    pub registered_targets: u64,
    /// Canary responses in the sample.
    pub canary_hits: u64,
    /// Attributed responses in the sample.
    pub n: u64,
    /// Significance level.
    pub alpha: f64,
    /// Seconds spent waiting for the drain.
    pub waited_s: f64,
}

/// Judges the canary's capacity against its weight (see the module doc).
pub fn evaluate(input: &ScaleInput) -> CheckResult {
    let evidence = ScaleEvidence {
        canary_weight: input.canary_weight,
        desired: input.desired,
        running: input.running,
        pending: input.pending,
        registered_targets: input.registered_targets,
        canary_hits: input.canary_hits,
        n: input.n,
        upper_bound: if input.canary_weight == 0 && input.canary_hits == 0 {
            stats::zero_hits_upper_bound(input.n, input.alpha)
        } else {
            1.0
        },
        waited_s: input.waited_s,
    };
    let (verdict, summary, warnings) = if input.canary_weight == 0 {
        judge_zero(input, evidence.upper_bound)
    } else {
        judge_weighted(input)
    };
    CheckResult {
        name: "scale".into(),
        verdict,
        summary,
        warnings,
        evidence: Evidence::Scale(evidence),
    }
}

fn judge_zero(i: &ScaleInput, upper: f64) -> (Verdict, String, Vec<String>) {
    let mut problems = Vec::new();
    if i.desired != 0 || i.running != 0 || i.pending != 0 {
        problems.push(format!(
            "ECS canary desired/running/pending = {}/{}/{} (expected 0/0/0)",
            i.desired, i.running, i.pending
        ));
    }
    if i.registered_targets != 0 {
        problems.push(format!(
            "{} target(s) still registered in the canary target group",
            i.registered_targets
        ));
    }
    if i.canary_hits != 0 {
        problems.push(format!(
            "{} of {} responses came from the canary",
            i.canary_hits, i.n
        ));
    }
    if !problems.is_empty() {
        let summary = format!(
            "canary weight is 0 but it is not scaled to zero after {:.0} s: {}",
            i.waited_s,
            problems.join("; ")
        );
        return (Verdict::Fail, summary, vec![]);
    }
    if i.n == 0 {
        return (
            Verdict::Inconclusive,
            "canary scaled to zero in ECS and ELB, but no attributed response was sampled to confirm it serves no traffic".into(),
            vec![],
        );
    }
    let summary = format!(
        "canary scaled to zero: 0/0/0 tasks, no registered targets, 0 of {} responses (canary share ≤ {:.3}% at {:.0}% confidence)",
        i.n,
        upper * 100.0,
        (1.0 - i.alpha) * 100.0
    );
    (Verdict::Pass, summary, vec![])
}

fn judge_weighted(i: &ScaleInput) -> (Verdict, String, Vec<String>) {
    let mut warnings = Vec::new();
    if i.pending > 0 || i.running != i.desired {
        warnings.push(format!(
            "canary rollout in progress: desired/running/pending = {}/{}/{}",
            i.desired, i.running, i.pending
        ));
    }
    if i.running == 0 || i.registered_targets == 0 {
        let summary = format!(
            "canary weight is {} but it has {} running task(s) and {} registered target(s): its share of traffic has nowhere to go",
            i.canary_weight, i.running, i.registered_targets
        );
        return (Verdict::Fail, summary, warnings);
    }
    let summary = format!(
        "canary weight {} is served by {} running task(s) and {} registered target(s)",
        i.canary_weight, i.running, i.registered_targets
    );
    (Verdict::Pass, summary, warnings)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn zero() -> ScaleInput {
        ScaleInput {
            canary_weight: 0,
            n: 1000,
            alpha: 0.05,
            ..ScaleInput::default()
        }
    }

    #[test]
    fn scaled_to_zero_passes_with_bound() {
        let r = evaluate(&zero());
        assert_eq!(r.verdict, Verdict::Pass, "{}", r.summary);
        let Evidence::Scale(e) = r.evidence else {
            panic!()
        };
        assert!(e.upper_bound < 0.0031);
    }

    #[test]
    fn any_remaining_capacity_or_hit_fails() {
        let edits: [fn(&mut ScaleInput); 5] = [
            |i| i.desired = 1,
            |i| i.running = 1,
            |i| i.pending = 1,
            |i| i.registered_targets = 1,
            |i| i.canary_hits = 1,
        ];
        for edit in edits {
            let mut i = zero();
            edit(&mut i);
            assert_eq!(evaluate(&i).verdict, Verdict::Fail, "{i:?}");
        }
    }

    #[test]
    fn no_sample_is_inconclusive() {
        let mut i = zero();
        i.n = 0;
        assert_eq!(evaluate(&i).verdict, Verdict::Inconclusive);
    }

    #[test]
    fn weighted_canary_needs_capacity() {
        let ok = ScaleInput {
            canary_weight: 10,
            desired: 1,
            running: 1,
            registered_targets: 1,
            alpha: 0.01,
            ..ScaleInput::default()
        };
        assert_eq!(evaluate(&ok).verdict, Verdict::Pass);
        let mut no_tasks = ok.clone();
        no_tasks.running = 0;
        assert_eq!(evaluate(&no_tasks).verdict, Verdict::Fail);
        let mut rolling = ok.clone();
        rolling.pending = 1;
        let r = evaluate(&rolling);
        assert_eq!(r.verdict, Verdict::Pass);
        assert_eq!(r.warnings.len(), 1);
    }
}
