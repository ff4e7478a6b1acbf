//! The `health` check: canary errors and latency against stable.

use crate::result::{CheckResult, Evidence, SampleSummary, Verdict};

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

/// Compares canary with stable on the sample.
pub fn evaluate(_summary: &SampleSummary, _config: &HealthConfig) -> CheckResult {
    CheckResult {
        name: "health".into(),
        verdict: Verdict::Inconclusive,
        summary: "not implemented yet".into(),
        warnings: vec![],
        evidence: Evidence::None,
    }
}
