//! Inputs of the split check and their defaults: the listener weights, the
//! significance level, the equivalence margin, the leak margin of weight 0/100, the
//! request budget and the look schedule's constants. Validation gives one-line
//! configuration errors.

use crate::error::{Error, Result};

/// Default significance level.
pub const DEFAULT_ALPHA: f64 = 0.01;
/// Default equivalence margin (±2 percentage points).
pub const DEFAULT_MARGIN: f64 = 0.02;
/// Default leak margin at weight 0 or 100: the largest share of traffic the
/// zero-weight side may receive and still PASS with probability above α (0.1 %).
pub const DEFAULT_LEAK_MARGIN: f64 = 0.001;
/// Smallest probability that a healthy split (true share = configured share) reaches
/// PASS within the budget; a configuration below it is rejected before any traffic.
pub const MIN_PASS_PROBABILITY: f64 = 0.99;
/// Default request budget.
pub const DEFAULT_MAX_REQUESTS: u64 = 20_000;
/// Largest weight an ALB forward action accepts.
pub const MAX_WEIGHT: i64 = 999;
/// First look of the sequential schedule, as a fraction of the fixed-n design.
pub const FIRST_LOOK_FRACTION: f64 = 0.2;
/// No look before this many requests (interior weights).
pub const MIN_FIRST_LOOK: u64 = 50;
/// Growth of the look schedule: each look at `LOOK_RATIO` times the previous one.
pub const LOOK_RATIO: f64 = 1.1;
/// Largest fixed-n searched for the one-shot comparison (beyond it: "more than this").
pub(super) const FIXED_N_LIMIT: u64 = 100_000_000;
/// Looks up to the zero-hit requirement for weight 0/100 (they cost no alpha).
pub const ZERO_WEIGHT_LOOKS: u64 = 8;

/// Inputs of the split decision.
#[derive(Debug, Clone)]
pub struct SplitConfig {
    /// Stable weight on the listener (raw integer, ALB allows 0..=999).
    pub stable_weight: i64,
    /// Canary weight on the listener.
    pub canary_weight: i64,
    /// Significance level.
    pub alpha: f64,
    /// Equivalence margin (absolute share; scaled down for small shares, see
    /// [`crate::stats::equivalence::effective_margin`]).
    pub margin: f64,
    /// Leak margin at weight 0 or 100 (largest tolerated share of the zero side).
    pub leak_margin: f64,
    /// Request budget.
    pub max_requests: u64,
}

impl SplitConfig {
    /// The weights with the defaults: alpha [`DEFAULT_ALPHA`], margin
    /// [`DEFAULT_MARGIN`], leak margin [`DEFAULT_LEAK_MARGIN`], budget
    /// [`DEFAULT_MAX_REQUESTS`].
    pub fn new(stable_weight: i64, canary_weight: i64) -> Self {
        SplitConfig {
            stable_weight,
            canary_weight,
            alpha: DEFAULT_ALPHA,
            margin: DEFAULT_MARGIN,
            leak_margin: DEFAULT_LEAK_MARGIN,
            max_requests: DEFAULT_MAX_REQUESTS,
        }
    }

    pub(super) fn validate(&self) -> Result<()> {
        let (s, c) = (self.stable_weight, self.canary_weight);
        if !(0..=MAX_WEIGHT).contains(&s) || !(0..=MAX_WEIGHT).contains(&c) {
            return Err(Error::Config(format!(
                "listener weights must be integers 0..={MAX_WEIGHT}, got stable={s} canary={c}"
            )));
        }
        if s + c == 0 {
            return Err(Error::Config(
                "both listener weights are 0: the listener forwards no traffic to judge".into(),
            ));
        }
        let open_half = |x: f64| x > 0.0 && x < 0.5;
        if !open_half(self.alpha) {
            return Err(Error::Config(format!(
                "alpha must be in (0, 0.5), got {}",
                self.alpha
            )));
        }
        if !open_half(self.margin) {
            return Err(Error::Config(format!(
                "margin must be in (0, 0.5), got {}",
                self.margin
            )));
        }
        if !open_half(self.leak_margin) {
            return Err(Error::Config(format!(
                "leak-margin must be in (0, 0.5), got {}",
                self.leak_margin
            )));
        }
        if self.max_requests == 0 {
            return Err(Error::Config("max-requests must be at least 1".into()));
        }
        Ok(())
    }
}
