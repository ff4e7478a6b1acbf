//! Statistics: pure functions, no I/O. Intervals, sequential decisions, sample-ratio
//! mismatch, error-rate and latency comparisons. The checks in [`crate::checks`] turn
//! these numbers into verdicts; everything here takes numbers and returns numbers so
//! it can be tested by proptest, known values and simulation.
//!
//! # The decision rules (copied to the README)
//!
//! ## Split (`checks::split`)
//! Let `p0 = canary / (stable + canary)` be the configured canary share (weights are
//! integers 0..=999, see [`weights`]), `m` the margin (`--margin`, default 0.02), `α`
//! the significance level (default 0.01) and `n` the attributed responses of which `x`
//! came from the canary.
//!
//! * **Interior weights (0 < p0 < 1).** The band is `p0 ± m_eff` with the effective
//!   margin `m_eff = min(m, p0/2, (1 − p0)/2)` ([`equivalence::effective_margin`]):
//!   `± m` where that excludes shares 0 and 1, a ratio band `[p0/2, 3p0/2]` (for the
//!   smaller side) where it would not — at 99/1 the band is `[0.5 %, 1.5 %]`, so a
//!   starved canary (share 0) is outside it. Looks happen at request counts fixed in
//!   advance ([`sequential::LookPlan`], geometric). At every look the monitor computes
//!   the two-sided Clopper–Pearson interval `[L, U]` ([`binomial`]) at one nominal
//!   level `1 − α'`, the same for all looks (e.g. 99.87 % at each look). Then
//!   ([`equivalence`]):
//!   - **PASS** when `p0 − m_eff ≤ L` and `U ≤ p0 + m_eff` (the interval lies inside
//!     the band; this is the interval-inclusion form of the two one-sided tests, TOST,
//!     each at `α' / 2`);
//!   - **FAIL** when `U < p0 − m_eff` or `L > p0 + m_eff` (the interval lies entirely
//!     outside the band: the observed share is shown to be outside it);
//!   - otherwise sampling continues; at the request budget the verdict is
//!     **INCONCLUSIVE**.
//!
//!   `α'` is calibrated by exact binomial computation over the whole look schedule
//!   ([`group_sequential`]: Pocock's constant nominal level, Armitage–McPherson–Rowe
//!   recursion): the largest level (within 1 %) at which, with the true share at either
//!   edge of the band, P(PASS) ≤ α/2 and P(FAIL) ≤ α/2 over all looks together — what
//!   one `(1 − α)` interval guarantees on each side. So P(false PASS) ≤ α/2 when the
//!   true share is outside the band and P(false FAIL) ≤ α/2 when it is inside; the
//!   overall level over all looks is `1 − α` (99 %), each look's interval has the
//!   nominal level `1 − α'`. `α'` lies between the Bonferroni level `α/K` for `K`
//!   looks and `α`.
//! * **Budget adequacy (configuration time).** Before any traffic, the exact
//!   P(PASS | true share = p0) of this design within `--max-requests` is computed by
//!   the same recursion. Below 0.99 the configuration is rejected (exit 2) with the
//!   smallest budget at a look position that reaches 0.99 (searched exactly, see
//!   `checks::split` design), so a run can never be doomed to INCONCLUSIVE.
//! * **Weight 0 or 100 (p0 ∈ {0, 1}): the leak test.** The zero-weight side must
//!   receive no traffic. Any hit on it is **FAIL** (the share is proven > 0, no error
//!   probability). **PASS** requires 0 hits in `n = ⌈ln α / ln(1 − ℓ)⌉` responses,
//!   `ℓ` the leak margin (`--leak-margin`, default 0.001; n = 4,603 at α = 0.01): then
//!   the exact one-sided `(1 − α)` upper bound `1 − α^(1/n)` on the zero side's share
//!   ([`binomial::zero_hits_upper_bound`]) is ≤ `ℓ`, and it is reported. A leak of
//!   share `q` passes with probability exactly `(1 − q)^n` (≤ α for `q ≥ ℓ`; 1e-10 for
//!   a 0.5 % leak). No alpha splitting: looks before `n` are free (any hit fails early).
//!   A budget below `n` is rejected at configuration time.
//! * **Attribution.** Responses without attribution headers are never dropped silently:
//!   when their share of all responses exceeds [`MAX_UNATTRIBUTED_SHARE`] the verdict
//!   is **INCONCLUSIVE** whatever the interval says (they could all belong to one side).
//!   The same holds for requests lost to timeouts and transport errors. Sampling stops
//!   early once the exact lower bound of that share exceeds the threshold.
//! * **Sample-ratio mismatch** ([`srm`]): the exact two-sided binomial p-value (method
//!   of small p-values) of the canary count against `p0` is reported and a warning is
//!   raised when it is below [`srm::SRM_P_THRESHOLD`] (0.0005). It is information, a
//!   fixed-n diagnostic, never a verdict.
//! * **Per node** ([`homogeneity`], `checks::split::nodes`): with responses from two or
//!   more load-balancer nodes (addresses), Pearson's chi-square test of homogeneity of
//!   the canary share across them at level 0.001 (used when every expected count is at
//!   least 5) and each node's Clopper–Pearson interval (Bonferroni over the nodes).
//!   Nodes shown to differ with one node's interval outside the band: **FAIL** naming
//!   that node; with a node's interval across a band edge (or counts too small to
//!   compare): no PASS yet.
//! * The evidence also reports the requests a one-shot fixed-n design would need at
//!   99 % power ([`sample_size`]).
//!
//! ## Canary health (`checks::health`)
//! The canary carries the burden of proof. Three one-sided pairs of confidence bounds
//! on canary − stable differences, each at `1 − α/3` (Bonferroni): the 5xx rate
//! ([`newcombe`]: Newcombe's hybrid score interval) and the median and p95 latency
//! shifts ([`quantile`]: exact order-statistic bounds per variant at `1 − α/6`, read
//! from the histograms). **PASS** when every upper bound is below its tolerance (1
//! point; `max(50 ms, 20 % of stable's quantile)`), also with every edge error
//! (unattributed 5xx, timeout, transport error) given to the canary; **FAIL** when a
//! lower bound exceeds its tolerance; **NOT_APPLICABLE** when only one variant gets
//! traffic, or when nothing is shown and the request budget at the configured
//! weights cannot give the planned sample; otherwise **INCONCLUSIVE**. The full rule
//! and the sample plan are in `checks::health` and `checks::health::plan`.
//! [`proportions`] and [`mann_whitney`] p-values are reported for information.

pub mod binomial;
pub mod change_point;
pub mod equivalence;
pub mod group_sequential;
pub mod homogeneity;
pub mod mann_whitney;
pub mod newcombe;
pub mod proportions;
pub mod quantile;
pub mod sample_size;
pub mod sampling;
pub mod sequential;
pub mod srm;
pub mod weights;

pub use binomial::{Interval, clopper_pearson, upper_bound, zero_hits_upper_bound};
pub use equivalence::{Band, Decision, decide, effective_margin};
pub use mann_whitney::{MannWhitney, mann_whitney_greater};
pub use proportions::{ProportionTest, agresti_caffo_greater, fisher_exact_greater};
pub use sample_size::{fixed_n_tost, zero_weight_n};
pub use sequential::LookPlan;
pub use srm::{SRM_P_THRESHOLD, srm_p_value};
pub use weights::shares;

/// Largest tolerated share of responses (or requests) without attribution before a
/// traffic verdict becomes INCONCLUSIVE.
pub const MAX_UNATTRIBUTED_SHARE: f64 = 0.01;

/// Fewest responses per variant the earlier health rule required (kept for
/// compatibility; health now plans its sample, see `checks::health::plan`).
pub const MIN_HEALTH_RESPONSES: u64 = 100;

/// Standard normal quantile `Φ⁻¹(p)`.
pub(crate) fn z_quantile(p: f64) -> f64 {
    use statrs::distribution::{ContinuousCDF, Normal};
    Normal::standard().inverse_cdf(p)
}

/// Standard normal upper tail `1 − Φ(z)`, accurate in the far tail.
pub(crate) fn normal_sf(z: f64) -> f64 {
    use statrs::distribution::{ContinuousCDF, Normal};
    Normal::standard().sf(z)
}
