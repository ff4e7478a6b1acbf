//! The `split` check: observed canary share against the listener's weights.

use crate::error::{Error, Result};
use crate::result::{CheckResult, SampleSummary};

/// Inputs of the split decision.
#[derive(Debug, Clone)]
pub struct SplitConfig {
    /// Stable weight on the listener (raw integer, ALB allows 0..=999).
    pub stable_weight: i64,
    /// Canary weight on the listener.
    pub canary_weight: i64,
    /// Significance level.
    pub alpha: f64,
    /// Equivalence margin (absolute share).
    pub margin: f64,
    /// Request budget.
    pub max_requests: u64,
}

/// Sequential state of the split test; the sampler asks it after every batch.
#[derive(Debug, Clone)]
pub struct SplitMonitor {
    config: SplitConfig,
}

impl SplitMonitor {
    /// Validates the configuration (weights, alpha, margin) and starts monitoring.
    pub fn new(config: SplitConfig) -> Result<Self> {
        let _ = &config;
        Err(Error::Runtime("SplitMonitor is not implemented yet".into()))
    }

    /// Requests between two looks.
    pub fn batch_size(&self) -> u64 {
        self.config.max_requests
    }

    /// Takes a look at the running sample; `true` when a verdict is reached (stop).
    pub fn observe(&mut self, _summary: &SampleSummary) -> bool {
        false
    }

    /// The final verdict and evidence.
    pub fn finish(self, _summary: &SampleSummary) -> CheckResult {
        unimplemented_check("split")
    }
}

fn unimplemented_check(name: &str) -> CheckResult {
    CheckResult {
        name: name.into(),
        verdict: crate::result::Verdict::Inconclusive,
        summary: "not implemented yet".into(),
        warnings: vec![],
        evidence: crate::result::Evidence::None,
    }
}
