//! The `health` check: canary errors and latency against stable, on the same sample.
//! The rule is written out in [`crate::stats`]; the tests are in
//! [`crate::stats::proportions`] and [`crate::stats::mann_whitney`].
//!
//! Errors are the 5xx responses attributed to each variant. Timeouts and transport
//! errors have no response, hence no `x-variant` header: they cannot be attributed to
//! a variant and are not in either error rate. So that a canary that times out cannot
//! hide there, the verdict is INCONCLUSIVE when those failures (with unattributed 5xx
//! responses) exceed [`MAX_UNATTRIBUTED_SHARE`] of the requests.

use crate::result::{
    CheckResult, Evidence, HealthEvidence, LatencyComparison, SampleSummary, Verdict,
};
use crate::stats::{self, MAX_UNATTRIBUTED_SHARE, MIN_HEALTH_RESPONSES};

/// Default significance level of the health tests.
pub const DEFAULT_ALPHA: f64 = 0.01;
/// Default tolerated excess of the canary 5xx rate over stable (1 percentage point).
pub const DEFAULT_ERROR_TOLERANCE: f64 = 0.01;
/// Default tolerated slowdown of the canary median latency.
pub const DEFAULT_LATENCY_TOLERANCE_MS: f64 = 50.0;

/// Tolerances of the health comparison.
#[derive(Debug, Clone)]
pub struct HealthConfig {
    /// Significance level.
    pub alpha: f64,
    /// Tolerated excess of the canary 5xx+timeout rate over stable (absolute).
    pub error_tolerance: f64,
    /// Tolerated slowdown of the canary median latency (ms).
    pub latency_tolerance_ms: f64,
}

impl HealthConfig {
    /// The default tolerances ([`DEFAULT_ERROR_TOLERANCE`],
    /// [`DEFAULT_LATENCY_TOLERANCE_MS`]) at significance level `alpha`.
    pub fn default_with_alpha(alpha: f64) -> Self {
        HealthConfig {
            alpha,
            error_tolerance: DEFAULT_ERROR_TOLERANCE,
            latency_tolerance_ms: DEFAULT_LATENCY_TOLERANCE_MS,
        }
    }
}

impl Default for HealthConfig {
    fn default() -> Self {
        HealthConfig::default_with_alpha(DEFAULT_ALPHA)
    }
}

/// Compares canary with stable on the sample.
pub fn evaluate(summary: &SampleSummary, config: &HealthConfig) -> CheckResult {
    let (s, c) = (&summary.stable, &summary.canary);
    let (stable_errors, canary_errors) = (s.count_5xx(), c.count_5xx());
    let tolerance = config.error_tolerance.max(0.0);
    let (error_test, error) = if tolerance == 0.0 {
        (
            "Fisher exact, one-sided",
            stats::fisher_exact_greater(canary_errors, c.responses, stable_errors, s.responses),
        )
    } else {
        (
            "Agresti-Caffo z, one-sided, canary - stable > tolerance",
            stats::agresti_caffo_greater(
                canary_errors,
                c.responses,
                stable_errors,
                s.responses,
                tolerance,
            ),
        )
    };
    let mw = stats::mann_whitney_greater(&c.histogram, &s.histogram);
    let latency = LatencyComparison {
        stable_p50_ms: s.latency.p50_ms,
        canary_p50_ms: c.latency.p50_ms,
        u: mw.map_or(0.0, |m| m.u),
        z: mw.map_or(0.0, |m| m.z),
        p_value: mw.map_or(1.0, |m| m.p_value),
        tolerance_ms: config.latency_tolerance_ms,
    };
    let evidence = HealthEvidence {
        stable_n: s.responses,
        stable_errors,
        canary_n: c.responses,
        canary_errors,
        error_tolerance: tolerance,
        error_p_value: error.p_value,
        error_test: error_test.into(),
        latency,
    };
    let mut warnings = Vec::new();
    let (verdict, text) = judge(summary, config, &evidence, mw.is_some(), &mut warnings);
    CheckResult {
        name: "health".into(),
        verdict,
        summary: text,
        warnings,
        evidence: Evidence::Health(evidence),
    }
}

fn rate(x: u64, n: u64) -> f64 {
    if n == 0 { 0.0 } else { x as f64 / n as f64 }
}

fn judge(
    summary: &SampleSummary,
    config: &HealthConfig,
    ev: &HealthEvidence,
    have_latency: bool,
    warnings: &mut Vec<String>,
) -> (Verdict, String) {
    let alpha = config.alpha;
    if !(alpha > 0.0 && alpha < 0.5) {
        return (
            Verdict::Inconclusive,
            format!("alpha must be in (0, 0.5), got {alpha}"),
        );
    }
    let unattributed_5xx: u64 = summary
        .unattributed
        .iter()
        .filter(|(code, _)| code.starts_with('5'))
        .map(|(_, n)| n)
        .sum();
    let lost = summary.timeouts + summary.transport_errors + unattributed_5xx;
    let requests = summary
        .requests
        .max(summary.attributed() + summary.unattributed_total() + summary.timeouts);
    let lost_share = rate(lost, requests);
    if lost > 0 {
        warnings.push(format!(
            "{} timeouts, {} transport errors and {unattributed_5xx} unattributed 5xx \
             cannot be attributed to a variant and are not in the error rates",
            summary.timeouts, summary.transport_errors
        ));
    }
    if ev.stable_n < MIN_HEALTH_RESPONSES || ev.canary_n < MIN_HEALTH_RESPONSES {
        return (
            Verdict::Inconclusive,
            format!(
                "too few responses to compare (stable {}, canary {}; at least \
                 {MIN_HEALTH_RESPONSES} each needed)",
                ev.stable_n, ev.canary_n
            ),
        );
    }
    if lost_share > MAX_UNATTRIBUTED_SHARE {
        return (
            Verdict::Inconclusive,
            format!(
                "{lost} of {requests} requests ({:.2}%) failed without attribution, above \
                 the {:.2}% limit: canary errors could hide there",
                100.0 * lost_share,
                100.0 * MAX_UNATTRIBUTED_SHARE
            ),
        );
    }
    let errors = format!(
        "5xx rate canary {:.2}% ({}/{}) vs stable {:.2}% ({}/{}), tolerance {:.2} points, \
         p = {:.3e}",
        100.0 * rate(ev.canary_errors, ev.canary_n),
        ev.canary_errors,
        ev.canary_n,
        100.0 * rate(ev.stable_errors, ev.stable_n),
        ev.stable_errors,
        ev.stable_n,
        100.0 * ev.error_tolerance,
        ev.error_p_value
    );
    let l = &ev.latency;
    let latency = format!(
        "median latency canary {:.1} ms vs stable {:.1} ms, tolerance {:.0} ms, \
         Mann-Whitney p = {:.3e}",
        l.canary_p50_ms, l.stable_p50_ms, l.tolerance_ms, l.p_value
    );
    let errors_worse = ev.error_p_value < alpha;
    let slower =
        have_latency && l.p_value < alpha && l.canary_p50_ms - l.stable_p50_ms > l.tolerance_ms;
    match (errors_worse, slower) {
        (true, true) => (
            Verdict::Fail,
            format!("canary has more errors and is slower: {errors}; {latency}"),
        ),
        (true, false) => (
            Verdict::Fail,
            format!("canary has significantly more errors: {errors}"),
        ),
        (false, true) => (
            Verdict::Fail,
            format!("canary is significantly slower: {latency}"),
        ),
        (false, false) if !have_latency => (
            Verdict::Inconclusive,
            format!("no latency histogram to compare; {errors}"),
        ),
        (false, false) => (
            Verdict::Pass,
            format!("canary not worse than stable: {errors}; {latency}"),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::result::{HistogramBucket, VariantStats};

    fn variant(n: u64, errors: u64, p50: f64, hist: &[(f64, u64)]) -> VariantStats {
        let mut v = VariantStats {
            responses: n,
            server_errors: errors,
            ..VariantStats::default()
        };
        v.latency.p50_ms = p50;
        v.histogram = hist
            .iter()
            .map(|&(upper_ms, count)| HistogramBucket { upper_ms, count })
            .collect();
        v
    }

    fn sample(stable: VariantStats, canary: VariantStats) -> SampleSummary {
        SampleSummary {
            requests: stable.responses + canary.responses,
            stable,
            canary,
            ..SampleSummary::default()
        }
    }

    const FAST: &[(f64, u64)] = &[(10.0, 600), (20.0, 300), (40.0, 100)];

    fn health(r: &CheckResult) -> &HealthEvidence {
        match &r.evidence {
            Evidence::Health(h) => h,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn healthy_canary_passes() {
        let s = sample(variant(1000, 2, 10.0, FAST), variant(1000, 3, 10.0, FAST));
        let r = evaluate(&s, &HealthConfig::default());
        assert_eq!(r.verdict, Verdict::Pass, "{}", r.summary);
        let h = health(&r);
        assert_eq!((h.canary_errors, h.stable_errors), (3, 2));
        assert!(h.error_p_value > 0.5, "{h:?}");
        assert!(h.latency.p_value > 0.4, "{h:?}");
    }

    #[test]
    fn erroring_canary_fails() {
        let s = sample(variant(1000, 2, 10.0, FAST), variant(1000, 80, 10.0, FAST));
        let r = evaluate(&s, &HealthConfig::default());
        assert_eq!(r.verdict, Verdict::Fail, "{}", r.summary);
        assert!(r.summary.contains("errors"), "{}", r.summary);
        // Within a 10-point tolerance it is not a failure.
        let cfg = HealthConfig {
            error_tolerance: 0.10,
            ..HealthConfig::default()
        };
        assert_eq!(evaluate(&s, &cfg).verdict, Verdict::Pass);
        // Tolerance 0 switches to Fisher's exact test.
        let cfg = HealthConfig {
            error_tolerance: 0.0,
            ..cfg
        };
        let r = evaluate(&s, &cfg);
        assert_eq!(r.verdict, Verdict::Fail);
        assert!(health(&r).error_test.contains("Fisher"));
    }

    #[test]
    fn slow_canary_fails_only_beyond_the_tolerance() {
        let slow: &[(f64, u64)] = &[(80.0, 100), (100.0, 600), (150.0, 300)];
        let s = sample(variant(1000, 0, 10.0, FAST), variant(1000, 0, 100.0, slow));
        let r = evaluate(&s, &HealthConfig::default());
        assert_eq!(r.verdict, Verdict::Fail, "{}", r.summary);
        assert!(r.summary.contains("slower"), "{}", r.summary);
        // Significantly slower, but only 5 ms at the median: within tolerance.
        let a_bit: &[(f64, u64)] = &[(10.0, 400), (20.0, 400), (40.0, 200)];
        let s = sample(variant(1000, 0, 10.0, FAST), variant(1000, 0, 15.0, a_bit));
        let r = evaluate(&s, &HealthConfig::default());
        assert!(health(&r).latency.p_value < 0.01);
        assert_eq!(r.verdict, Verdict::Pass, "{}", r.summary);
    }

    #[test]
    fn thin_or_lossy_samples_are_inconclusive() {
        let s = sample(variant(1000, 0, 10.0, FAST), variant(99, 0, 10.0, FAST));
        assert_eq!(
            evaluate(&s, &HealthConfig::default()).verdict,
            Verdict::Inconclusive
        );
        let mut s = sample(variant(1000, 0, 10.0, FAST), variant(1000, 0, 10.0, FAST));
        s.timeouts = 100;
        s.requests = 2100;
        let r = evaluate(&s, &HealthConfig::default());
        assert_eq!(r.verdict, Verdict::Inconclusive, "{}", r.summary);
        assert!(r.summary.contains("attribution"), "{}", r.summary);
        // A few timeouts: PASS with a warning.
        s.timeouts = 5;
        s.requests = 2005;
        let r = evaluate(&s, &HealthConfig::default());
        assert_eq!(r.verdict, Verdict::Pass, "{}", r.summary);
        assert!(r.warnings.iter().any(|w| w.contains("timeouts")));
        // No histogram: latency cannot be judged.
        let s = sample(variant(1000, 0, 10.0, &[]), variant(1000, 0, 10.0, &[]));
        assert_eq!(
            evaluate(&s, &HealthConfig::default()).verdict,
            Verdict::Inconclusive
        );
    }
}
