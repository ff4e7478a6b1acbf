//! How likely health is to miss PASS on a canary equal to stable, computed exactly and
//! without a model of the latency distribution. The plan ([`super::plan`]) sizes the
//! 5xx sub-test only; the latency sub-tests' power depends on the spread of the
//! latencies. A test on the twin must state its chance of a wrong verdict, so this
//! module gives that chance from one number the machine must satisfy: the share `π`
//! of requests answered within [`HEADROOM_MS`].
//!
//! # The bound
//! A latency sub-test (quantile `q`) is *Within* when `U_c − L_s < max(floor, share·L_s)`
//! ([`super::bounds::shift_bounds`]). `L_s ≥ 0`, so `U_c < floor` suffices. `U_c` is the
//! upper edge of the histogram bucket holding the canary's order statistic of rank
//! `r = upper_rank(n_c, q, α/6)` ([`crate::stats::quantile::upper_rank`]). The sampler's
//! buckets grow by `r =` [`HISTOGRAM_BUCKET_RATIO`] (2^(1/32), `sample::accumulator`,
//! HDR values within 0.1 %), so a latency
//! `x ≤` [`HEADROOM_MS`] `= floor / (r · 1.01)` lands in a bucket whose upper edge is
//! below the floor. Hence the sub-test is Within whenever at least `r` of the `n_c`
//! canary latencies are `≤` [`HEADROOM_MS`]. With independent latencies, each `≤`
//! [`HEADROOM_MS`] with probability `π`, that count is `Bin(n_c, π)`, so
//!
//! ```text
//! P(sub-test q not Within) ≤ P(Bin(n_c, π) < r(n_c, q))          (exact binomial)
//! ```
//!
//! whatever the distribution — only `π` enters (order statistics are distribution-free:
//! David & Nagaraja, *Order Statistics*, 3rd ed. 2003, §2.5 and §7.1). Stable's data
//! are not needed. The 5xx sub-test is Within with certainty when neither variant
//! answers a 5xx and `n_c ≥` the plan's zero-count bound, so for such a canary
//! (no 5xx, no edge errors)
//!
//! ```text
//! P(health ≠ PASS) ≤ Σ_q P(Bin(n_c, π) < r(n_c, q)),   q ∈ {0.5, 0.95}.
//! ```
//!
//! # What it assumes
//! Independent latencies with `P(latency ≤` [`HEADROOM_MS`]`) ≥ π` for the canary, and no
//! timeouts or transport errors. A machine whose load pushes more than `1 − π` of the
//! requests beyond [`HEADROOM_MS`] breaks the assumption, not the bound; the required
//! `π` is [`coverage_needed`]. Stable and canary are sampled interleaved, so load hits
//! both alike, but the bound is on the canary's order statistic against a fixed floor:
//! a burst of slow requests (correlated in time, not independent) counts against π.
//! The plan's `P(PASS | canary = stable) ≥` [`super::PLAN_POWER`] is about the 5xx
//! sub-test alone (exact, binomial); it says nothing of the latency sub-tests, whose
//! power the operating-characteristic table ([`super::oc`]) simulates for lognormal
//! latencies and this module bounds for any distribution given `π`.

use statrs::distribution::{Binomial, DiscreteCDF};

use super::QUANTILES;
use super::plan::SUB_TESTS;
use crate::result::HISTOGRAM_BUCKET_RATIO;
use crate::stats::quantile::upper_rank;

/// Ratio of neighbouring histogram bucket bounds ([`HISTOGRAM_BUCKET_RATIO`],
/// `sample::accumulator`) with 1 % for HDR's recording resolution (0.1 %) and the
/// iteration's rounding.
pub const BUCKET_GROWTH_BOUND: f64 = HISTOGRAM_BUCKET_RATIO * 1.01;

/// Latency below which a canary response cannot push `U_c` over the default latency
/// floor ([`super::DEFAULT_LATENCY_TOLERANCE_MS`]` / `[`BUCKET_GROWTH_BOUND`] = 48.4 ms).
pub const HEADROOM_MS: f64 = super::DEFAULT_LATENCY_TOLERANCE_MS / BUCKET_GROWTH_BOUND;

/// `P(Bin(n_c, π) < r)`: the chance that the canary's `q` sub-test is not Within at
/// `n_c` responses, significance `alpha` (bound at `1 − α/6`), coverage `π`; 1 when the
/// upper bound does not exist at `n_c`.
pub fn quantile_miss(n_c: u64, q: f64, alpha: f64, coverage: f64) -> f64 {
    let Some(r) = upper_rank(n_c, q, alpha / (2.0 * SUB_TESTS)) else {
        return 1.0;
    };
    match Binomial::new(coverage.clamp(0.0, 1.0), n_c) {
        Ok(b) => b.cdf(r - 1),
        Err(_) => 1.0,
    }
}

/// The bound on `P(health ≠ PASS)` for a canary equal to stable with no 5xx, at every
/// canary sample size in `n_c` (the run may stop anywhere in it): the largest, over
/// the range, of `Σ_q` [`quantile_miss`]. The sum is not monotone in `n_c` (ranks are
/// integers), so every size is evaluated.
pub fn miss_bound(n_c: std::ops::RangeInclusive<u64>, alpha: f64, coverage: f64) -> f64 {
    n_c.map(|n| {
        QUANTILES
            .iter()
            .map(|&q| quantile_miss(n, q, alpha, coverage))
            .sum::<f64>()
    })
    .fold(0.0, f64::max)
}

/// Smallest coverage `π` (to 1e-4, rounded up) at which [`miss_bound`] is at most
/// `target`; `None` when even `π = 1` is not enough (the upper bound does not exist
/// at the smallest `n_c`).
pub fn coverage_needed(n_c: std::ops::RangeInclusive<u64>, alpha: f64, target: f64) -> Option<f64> {
    let ok = |pi: f64| miss_bound(n_c.clone(), alpha, pi) <= target;
    if !ok(1.0) {
        return None;
    }
    let (mut lo, mut hi) = (0.0_f64, 1.0_f64);
    while hi - lo > 1e-4 {
        let mid = 0.5 * (lo + hi);
        if ok(mid) { hi = mid } else { lo = mid }
    }
    Some(hi)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::health::plan::min_latency_responses;
    use rand::rngs::StdRng;
    use rand::{Rng, SeedableRng};

    #[test]
    fn headroom_is_below_the_floor_after_a_bucket() {
        assert!((HEADROOM_MS - 48.444).abs() < 1e-3, "{HEADROOM_MS}");
        const { assert!(HEADROOM_MS * HISTOGRAM_BUCKET_RATIO * 1.001 < 50.0) };
    }

    #[test]
    fn miss_is_the_exact_binomial_tail() {
        // n = 200, q = 0.95, a = 0.01/6: the rank is the first k with
        // P(Bin(200, .95) ≤ k − 1) ≥ 1 − a; P(not Within) = P(Bin(200, π) ≤ r − 1).
        let r = upper_rank(200, 0.95, 0.01 / 6.0).unwrap();
        let b = Binomial::new(0.95, 200).unwrap();
        assert!(b.cdf(r - 1) >= 1.0 - 0.01 / 6.0 && b.cdf(r - 2) < 1.0 - 0.01 / 6.0);
        let want = Binomial::new(0.99, 200).unwrap().cdf(r - 1);
        assert_eq!(quantile_miss(200, 0.95, 0.01, 0.99), want);
        // At π = q the bound is the coverage of the interval: about 1 − a/2·… ≥ 1 − a.
        assert!(quantile_miss(200, 0.95, 0.01, 0.95) >= 1.0 - 0.01 / 6.0);
        // No upper bound below min_latency_responses: certain miss.
        let n0 = min_latency_responses(0.01);
        assert_eq!(quantile_miss(n0 - 1, 0.95, 0.01, 1.0), 1.0);
        assert!(quantile_miss(n0, 0.95, 0.01, 1.0) == 0.0);
    }

    #[test]
    fn miss_matches_simulated_order_statistics() {
        // Latencies uniform on [0, h/π] ms, h the headroom: P(x ≤ h) = π. Count runs where fewer
        // than r of n lie within the headroom (the event bounded), against the bound.
        let (n, pi, alpha, runs) = (300u64, 0.99, 0.01, 20_000u32);
        let r = upper_rank(n, 0.95, alpha / 6.0).unwrap();
        let mut rng = StdRng::seed_from_u64(20_261_201);
        let misses = (0..runs)
            .filter(|_| {
                let within = (0..n)
                    .filter(|_| rng.random::<f64>() * HEADROOM_MS / pi <= HEADROOM_MS)
                    .count() as u64;
                within < r
            })
            .count() as f64;
        let p = quantile_miss(n, 0.95, alpha, pi);
        let sd = (p * (1.0 - p) / runs as f64).sqrt();
        let got = misses / runs as f64;
        // 4.5 σ: a wrong outcome has probability < 1e-5.
        assert!(
            (got - p).abs() < 4.5 * sd + 1e-9,
            "simulated {got}, exact {p}"
        );
        assert!(p > 0.01 && p < 0.5, "an informative cell: {p}");
    }

    #[test]
    fn coverage_needed_meets_the_target_exactly() {
        let range = 1_146..=1_300;
        let pi = coverage_needed(range.clone(), 0.001, 1e-4).unwrap();
        assert!(miss_bound(range.clone(), 0.001, pi) <= 1e-4);
        assert!(miss_bound(range.clone(), 0.001, pi - 2e-4) > 1e-4, "{pi}");
        assert!(pi > 0.95 && pi < 1.0, "{pi}");
        // Below the p95 bound's minimum sample nothing suffices.
        assert_eq!(coverage_needed(10..=20, 0.01, 1e-4), None);
    }
}
