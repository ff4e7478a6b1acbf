//! The `scale` check: capacity of the canary must match its weight.
//!
//! * Canary weight 0 (scale-to-zero): ECS desiredCount = runningCount = pendingCount
//!   = 0, no target registered in the canary target group (DescribeTargetHealth, any
//!   state, draining included), and 0 canary responses in the sample. The caller polls
//!   until drained or a timeout; the check judges the last reading. Any capacity left
//!   or any canary hit → FAIL. With 0 hits in n attributed responses the exact
//!   (1 − α) upper bound on the canary share is 1 − α^(1/n) (Clopper–Pearson with
//!   x = 0; ≈ 3/n at α = 0.05, the "rule of three", Hanley & Lippman-Hand 1983). PASS
//!   needs that bound at or below the leak margin (the split check's leak test, the
//!   same margin: n ≥ ln α / ln(1 − leak margin), 4,603 at the defaults); fewer
//!   responses → INCONCLUSIVE, n = 0 included.
//! * Canary weight > 0: scale-to-zero does not apply → NOT_APPLICABLE, with the reason.
//!   The capacity found (no running task or no registered target, a rollout in
//!   progress) is reported as a warning: whether the canary's share is served is the
//!   split check's question.

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
    /// Leak margin: the canary share the 0-hit bound must reach for a PASS.
    pub leak_margin: f64,
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
        not_applicable(input)
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
    // Shown with the digits α needs (99 %, 99.9 %, ...), never rounded up to 100 %.
    let confidence = format!("{}", ((1.0 - i.alpha) * 1e6).round() / 1e4);
    if upper > i.leak_margin {
        let needed = stats::zero_weight_n(i.leak_margin, i.alpha);
        let summary = format!(
            "canary scaled to zero in ECS and ELB and 0 of {} responses came from it, but \
             {needed} are needed to bound its share below the leak margin {:.3}% \
             (bound so far {:.3}% at {confidence}% confidence)",
            i.n,
            i.leak_margin * 100.0,
            upper * 100.0,
        );
        return (Verdict::Inconclusive, summary, vec![]);
    }
    let summary = format!(
        "canary scaled to zero: 0/0/0 tasks, no registered targets, 0 of {} responses (canary share ≤ {:.3}% at {confidence}% confidence, leak margin {:.3}%)",
        i.n,
        upper * 100.0,
        i.leak_margin * 100.0,
    );
    (Verdict::Pass, summary, vec![])
}

fn not_applicable(i: &ScaleInput) -> (Verdict, String, Vec<String>) {
    let mut warnings = Vec::new();
    if i.running == 0 || i.registered_targets == 0 {
        warnings.push(format!(
            "canary weight is {} but it has {} running task(s) and {} registered target(s): its share of traffic has nowhere to go",
            i.canary_weight, i.running, i.registered_targets
        ));
    } else if i.pending > 0 || i.running != i.desired {
        warnings.push(format!(
            "canary rollout in progress: desired/running/pending = {}/{}/{}",
            i.desired, i.running, i.pending
        ));
    }
    let summary = format!(
        "canary weight {} > 0: scale-to-zero applies only at weight 0",
        i.canary_weight
    );
    (Verdict::NotApplicable, summary, warnings)
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::checks::split::{DEFAULT_ALPHA, DEFAULT_LEAK_MARGIN};

    fn zero() -> ScaleInput {
        ScaleInput {
            canary_weight: 0,
            n: 4_603,
            alpha: DEFAULT_ALPHA,
            leak_margin: DEFAULT_LEAK_MARGIN,
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
        // 1 − 0.01^(1/4603) = 0.0009999.
        assert!(e.upper_bound <= DEFAULT_LEAK_MARGIN && e.upper_bound > 0.000_99);
    }

    #[test]
    fn too_few_responses_for_the_leak_margin_are_inconclusive() {
        let mut i = zero();
        i.n = 4_602;
        let r = evaluate(&i);
        assert_eq!(r.verdict, Verdict::Inconclusive, "{}", r.summary);
        assert!(r.summary.contains("4603 are needed"), "{}", r.summary);
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
    fn weighted_canary_is_not_applicable() {
        let ok = ScaleInput {
            canary_weight: 10,
            desired: 1,
            running: 1,
            registered_targets: 1,
            alpha: DEFAULT_ALPHA,
            leak_margin: DEFAULT_LEAK_MARGIN,
            ..ScaleInput::default()
        };
        let r = evaluate(&ok);
        assert_eq!(r.verdict, Verdict::NotApplicable);
        assert_eq!(
            r.summary,
            "canary weight 10 > 0: scale-to-zero applies only at weight 0"
        );
        assert!(r.warnings.is_empty());
        // Capacity problems are reported, the verdict stays NOT_APPLICABLE.
        let mut no_tasks = ok.clone();
        no_tasks.running = 0;
        let r = evaluate(&no_tasks);
        assert_eq!(r.verdict, Verdict::NotApplicable);
        assert!(r.warnings[0].contains("nowhere to go"), "{:?}", r.warnings);
        let mut rolling = ok.clone();
        rolling.pending = 1;
        assert_eq!(evaluate(&rolling).warnings.len(), 1);
    }
}
