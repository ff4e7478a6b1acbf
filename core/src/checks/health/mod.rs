//! The `health` check: is the canary within tolerance of stable on 5xx rate, median
//! and p95 latency? The canary carries the burden of proof: it PASSes only when the
//! data show it is within every tolerance, FAILs only when they show it is beyond one,
//! and is INCONCLUSIVE otherwise — or NOT_APPLICABLE where the weights and the budget
//! cannot give the sample a decision needs.
//!
//! # Decision rule (copied to the README, "Canary health")
//! Three sub-tests, each a pair of one-sided confidence bounds on a canary − stable
//! difference at level `1 − α/3` (Bonferroni over the three):
//! 1. **5xx rate**: Newcombe's hybrid score bounds ([`crate::stats::newcombe`]),
//!    tolerance [`DEFAULT_ERROR_TOLERANCE`] (1 point).
//! 2. **Median** and 3. **p95 latency**: each variant's quantile bounded by exact
//!    order statistics from the latency histogram at `1 − α/6`
//!    ([`crate::stats::quantile`]), so `shift ≤ U_canary − L_stable` and
//!    `shift ≥ L_canary − U_stable` at `1 − α/3`. Tolerance `max(`
//!    [`DEFAULT_LATENCY_TOLERANCE_MS`]`, `[`DEFAULT_LATENCY_TOLERANCE_SHARE`]` × stable's
//!    quantile)`, with stable's quantile replaced by its lower bound on the PASS side
//!    and its upper bound on the FAIL side (conservative both ways).
//!
//! * **FAIL** when a lower bound exceeds its tolerance (harm proven). With the canary
//!   within all tolerances, P(FAIL) ≤ α (union bound over three sub-tests at α/3).
//! * **PASS** when every upper bound is below its tolerance, also after giving every
//!   edge error to the canary (below). With the canary beyond any one tolerance,
//!   P(PASS) ≤ α/3.
//! * **Edge errors** (unattributed 5xx, timeouts, transport errors carry no
//!   `x-variant`): the worst case adds them all to the canary, as 5xx responses with
//!   infinite latency. When that case would FAIL, or would not PASS where the
//!   attributed data do, the verdict is **INCONCLUSIVE** ("N edge errors could be the
//!   canary's"), never PASS.
//! * **NOT_APPLICABLE** at weight 0 on either side (one variant gets all traffic), and
//!   when neither PASS nor FAIL is shown, the canary is not shown worse than stable at
//!   all (Fisher's exact
//!   test on the 5xx counts at α/3, latency shift lower bounds ≤ 0) and the budget at the configured weights cannot give
//!   the planned sample at the observed stable error rate ([`plan`]); the summary and
//!   the evidence give the budget it would need. A canary shown worse, though not
//!   beyond a tolerance, stays INCONCLUSIVE.
//! * Otherwise **INCONCLUSIVE**.
//!
//! The Agresti–Caffo (Fisher at tolerance 0) and Mann–Whitney p-values of the earlier
//! rule are still computed and reported, for information only.

mod bounds;
pub mod equal_pass;
mod judge;
pub mod oc;
pub mod plan;
#[cfg(test)]
mod tests;

pub use bounds::{Counts, ErrorBounds, Finding, LatencyTolerance, error_bounds, shift_bounds};
pub use judge::more_requests;
pub use plan::{Applicability, PLAN_POWER, applicability, required_requests, required_responses};

use crate::result::{CheckResult, Evidence, HealthEvidence, LatencyComparison, SampleSummary};
use crate::stats;

/// Default significance level of the health tests.
pub const DEFAULT_ALPHA: f64 = 0.01;
/// Default tolerated excess of the canary 5xx rate over stable (1 percentage point).
pub const DEFAULT_ERROR_TOLERANCE: f64 = 0.01;
/// Default smallest tolerated slowdown of a canary latency quantile (ms).
pub const DEFAULT_LATENCY_TOLERANCE_MS: f64 = 50.0;
/// Default tolerated slowdown as a share of stable's quantile (used when larger).
pub const DEFAULT_LATENCY_TOLERANCE_SHARE: f64 = 0.20;
/// Latency quantiles compared: the median and the p95.
pub const QUANTILES: [f64; 2] = [0.5, 0.95];

/// Tolerances of the health comparison and what it needs to plan its sample.
#[derive(Debug, Clone)]
pub struct HealthConfig {
    /// Significance level (split over the three sub-tests).
    pub alpha: f64,
    /// Tolerated excess of the canary 5xx rate over stable (absolute).
    pub error_tolerance: f64,
    /// Smallest tolerated slowdown of the canary median and p95 (ms).
    pub latency_tolerance_ms: f64,
    /// Tolerated slowdown as a share of stable's quantile, when larger than the floor.
    pub latency_tolerance_share: f64,
    /// Configured (stable, canary) listener weights, when known.
    pub weights: Option<(i64, i64)>,
    /// Request budget (`--max-requests`), when known.
    pub budget: Option<u64>,
}

impl HealthConfig {
    /// The default tolerances at significance level `alpha`, weights and budget unknown.
    pub fn default_with_alpha(alpha: f64) -> Self {
        HealthConfig {
            alpha,
            error_tolerance: DEFAULT_ERROR_TOLERANCE,
            latency_tolerance_ms: DEFAULT_LATENCY_TOLERANCE_MS,
            latency_tolerance_share: DEFAULT_LATENCY_TOLERANCE_SHARE,
            weights: None,
            budget: None,
        }
    }

    /// The same, with the configured weights and budget.
    pub fn at(mut self, weights: (i64, i64), budget: u64) -> Self {
        self.weights = Some(weights);
        self.budget = Some(budget);
        self
    }

    fn latency_tolerance(&self) -> LatencyTolerance {
        LatencyTolerance {
            floor_ms: self.latency_tolerance_ms,
            share: self.latency_tolerance_share,
        }
    }
}

impl Default for HealthConfig {
    fn default() -> Self {
        HealthConfig::default_with_alpha(DEFAULT_ALPHA)
    }
}

/// The default tolerances at `alpha` with the request budget, and the configured
/// weights when known (what `verify` passes).
pub fn config(alpha: f64, weights: Option<(i64, i64)>, budget: u64) -> HealthConfig {
    let c = HealthConfig::default_with_alpha(alpha);
    match weights {
        Some(w) => c.at(w, budget),
        None => HealthConfig {
            budget: Some(budget),
            ..c
        },
    }
}

/// Compares canary with stable on the sample.
pub fn evaluate(summary: &SampleSummary, config: &HealthConfig) -> CheckResult {
    let mut evidence = information(summary, config);
    let mut warnings = Vec::new();
    let (verdict, text) = judge::judge(summary, config, &mut evidence, &mut warnings);
    CheckResult {
        name: "health".into(),
        verdict,
        summary: text,
        warnings,
        evidence: Evidence::Health(evidence),
    }
}

/// Counts and the p-values of the earlier rule (information only).
fn information(summary: &SampleSummary, config: &HealthConfig) -> HealthEvidence {
    let (s, c) = (&summary.stable, &summary.canary);
    let (stable_errors, canary_errors) = (s.count_5xx(), c.count_5xx());
    let tolerance = config.error_tolerance.max(0.0);
    let (error_test, error) = if tolerance == 0.0 {
        (
            "Fisher exact, one-sided (information)",
            stats::fisher_exact_greater(canary_errors, c.responses, stable_errors, s.responses),
        )
    } else {
        (
            "Newcombe hybrid score bounds (verdict); Agresti-Caffo z p-value (information)",
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
    HealthEvidence {
        stable_n: s.responses,
        stable_errors,
        canary_n: c.responses,
        canary_errors,
        error_tolerance: tolerance,
        error_p_value: error.p_value,
        error_test: error_test.into(),
        latency: LatencyComparison {
            stable_p50_ms: s.latency.p50_ms,
            canary_p50_ms: c.latency.p50_ms,
            u: mw.map_or(0.0, |m| m.u),
            z: mw.map_or(0.0, |m| m.z),
            p_value: mw.map_or(1.0, |m| m.p_value),
            tolerance_ms: config.latency_tolerance_ms,
        },
        bounds: None,
    }
}
