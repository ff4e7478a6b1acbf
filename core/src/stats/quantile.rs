//! Distribution-free confidence bounds for a quantile (median, p95) from a latency
//! histogram, so that health can bound how much slower the canary is, not only test
//! whether it is slower.
//!
//! Order-statistic bounds (Conover 1999, *Practical Nonparametric Statistics*, 3rd ed.,
//! §3.2; Hahn & Meeker 1991, *Statistical Intervals*, §5.2; David & Nagaraja 2003,
//! *Order Statistics*, §7.1). With `n` observations, `X₍ₖ₎` the `k`-th smallest and
//! `ξ_q` the `q` quantile, the number of observations below `ξ_q` is binomial with a
//! share ≤ `q` and the number at or below it binomial with a share ≥ `q`, whatever the
//! distribution. Hence, exactly (no approximation, any distribution, ties included):
//!
//! ```text
//! upper rank u = min { k : P(Bin(n, q) ≤ k − 1) ≥ 1 − a }  ⇒  P(X₍ᵤ₎ ≥ ξ_q) ≥ 1 − a
//! lower rank l = max { k : P(Bin(n, q) ≥ k)     ≥ 1 − a }  ⇒  P(X₍ₗ₎ ≤ ξ_q) ≥ 1 − a
//! ```
//!
//! The upper rank exists only when `1 − qⁿ ≥ 1 − a` (`n ≥ ln a / ln q`: 125 responses
//! for p95 at `a = 0.01/6`); otherwise the upper bound is `+∞`. Latencies are kept in
//! histogram buckets `(previous bound, upper_ms]`, so `X₍ᵤ₎` is bounded above by the
//! upper edge of its bucket and `X₍ₗ₎` below by the lower edge: the bucketed bounds are
//! conservative by at most one bucket width.

use statrs::distribution::{Binomial, DiscreteCDF};

use crate::result::HistogramBucket;

/// One-sided `(1 − a)` confidence bounds on a quantile, in milliseconds. `low` is 0
/// and `high` is `+∞` where the sample is too small for a bound.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct QuantileBounds {
    /// Lower bound (each bound alone holds with probability ≥ 1 − a).
    pub low: f64,
    /// Upper bound.
    pub high: f64,
}

fn cdf(n: u64, q: f64) -> impl Fn(u64) -> f64 {
    let b = Binomial::new(q, n).ok();
    move |k| b.as_ref().map_or(1.0, |b| b.cdf(k))
}

/// Smallest `k` in `0..n` with `f(k)` true, for `f` monotone false→true.
fn first_true(n: u64, f: impl Fn(u64) -> bool) -> Option<u64> {
    if n == 0 || !f(n - 1) {
        return None;
    }
    let (mut lo, mut hi) = (0, n - 1);
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        if f(mid) {
            hi = mid;
        } else {
            lo = mid + 1;
        }
    }
    Some(lo)
}

/// Rank (1-based) of the order statistic that is a one-sided `(1 − a)` upper bound
/// for the `q` quantile of `n` observations; `None` when `n` is too small.
pub fn upper_rank(n: u64, q: f64, a: f64) -> Option<u64> {
    if !((0.0..1.0).contains(&q) && a > 0.0 && a < 1.0) {
        return None;
    }
    let cdf = cdf(n, q);
    first_true(n, |k| cdf(k) >= 1.0 - a).map(|k| k + 1)
}

/// Rank (1-based) of the order statistic that is a one-sided `(1 − a)` lower bound
/// for the `q` quantile of `n` observations; `None` when `n` is too small.
pub fn lower_rank(n: u64, q: f64, a: f64) -> Option<u64> {
    if n == 0 || !(q > 0.0 && q < 1.0) || !(a > 0.0 && a < 1.0) {
        return None;
    }
    let cdf = cdf(n, q);
    // Largest k − 1 with P(Bin ≤ k − 1) ≤ a: one below the first with P > a.
    match first_true(n, |k| cdf(k) > a) {
        Some(0) => None,
        Some(k) => Some(k),
        None => Some(n),
    }
}

/// Buckets sorted by bound with equal bounds merged and empty ones dropped.
pub fn normalized(hist: &[HistogramBucket]) -> Vec<HistogramBucket> {
    let mut v: Vec<HistogramBucket> = hist.iter().copied().filter(|b| b.count > 0).collect();
    v.sort_by(|a, b| a.upper_ms.total_cmp(&b.upper_ms));
    let mut out: Vec<HistogramBucket> = Vec::with_capacity(v.len());
    for b in v {
        match out.last_mut() {
            Some(last) if last.upper_ms == b.upper_ms => last.count += b.count,
            _ => out.push(b),
        }
    }
    out
}

/// Relative slack under a bucket's lower edge inferred from a geometric grid, so that
/// rounding of exported bounds (integer microseconds) never puts the edge above the
/// true one.
pub const GRID_SLACK: f64 = 1e-3;

/// The ratio of a geometric (log-spaced) bucket grid, when `bounds` (positive, finite;
/// any order) lie on one: the smallest ratio of neighbours, provided every
/// neighbouring ratio is an integer power of it (within 1 % in the exponent). The
/// sampler exports such a grid (ratio 2^(1/32)); `None` for any other.
pub fn geometric_ratio(bounds: &[f64]) -> Option<f64> {
    let mut b: Vec<f64> = bounds
        .iter()
        .copied()
        .filter(|x| x.is_finite() && *x > 0.0)
        .collect();
    b.sort_by(f64::total_cmp);
    b.dedup();
    let ratios: Vec<f64> = b.windows(2).map(|w| w[1] / w[0]).collect();
    let r = ratios.iter().copied().fold(f64::INFINITY, f64::min);
    if !(r.is_finite() && r > 1.0 + 1e-9) {
        return None;
    }
    ratios
        .iter()
        .all(|rho| {
            let k = rho.ln() / r.ln();
            (k - k.round()).abs() < 0.01
        })
        .then_some(r)
}

/// `(lower edge, upper edge)` of the bucket holding the `rank`-th smallest observation
/// of a [`normalized`] histogram. Empty buckets are not exported, so the lower edge is
/// the largest bucket bound below the upper edge among the histogram's own bounds and
/// `grid` (bounds seen elsewhere on the same bucket grid, e.g. the other variant's),
/// or 0; where all these bounds lie on a geometric grid of ratio `r`
/// ([`geometric_ratio`]) it is at least `upper / r` (less [`GRID_SLACK`]). Never
/// above the true lower edge.
pub fn bucket_of_rank(hist: &[HistogramBucket], rank: u64, grid: &[f64]) -> Option<(f64, f64)> {
    let all: Vec<f64> = grid
        .iter()
        .copied()
        .chain(hist.iter().map(|b| b.upper_ms))
        .collect();
    let ratio = geometric_ratio(&all);
    let mut seen = 0;
    let mut prev = 0.0;
    for b in hist {
        seen += b.count;
        if seen >= rank {
            let below = grid
                .iter()
                .copied()
                .filter(|&g| g < b.upper_ms)
                .fold(prev, f64::max);
            let from_ratio = match ratio {
                Some(r) if b.upper_ms.is_finite() => b.upper_ms / r * (1.0 - GRID_SLACK),
                _ => 0.0,
            };
            return Some((below.max(from_ratio), b.upper_ms));
        }
        prev = b.upper_ms;
    }
    None
}

/// One-sided `(1 − a)` bounds on the `q` quantile of the latencies in `hist`.
pub fn quantile_bounds(hist: &[HistogramBucket], q: f64, a: f64) -> QuantileBounds {
    quantile_bounds_on_grid(hist, q, a, &[])
}

/// [`quantile_bounds`] with bucket bounds known from elsewhere on the same grid (see
/// [`bucket_of_rank`]): tighter lower edges where this histogram has empty buckets.
pub fn quantile_bounds_on_grid(
    hist: &[HistogramBucket],
    q: f64,
    a: f64,
    grid: &[f64],
) -> QuantileBounds {
    let h = normalized(hist);
    let n: u64 = h.iter().map(|b| b.count).sum();
    let low = lower_rank(n, q, a)
        .and_then(|r| bucket_of_rank(&h, r, grid))
        .map_or(0.0, |(lo, _)| lo);
    let high = upper_rank(n, q, a)
        .and_then(|r| bucket_of_rank(&h, r, grid))
        .map_or(f64::INFINITY, |(_, hi)| hi);
    QuantileBounds { low, high }
}

/// Point estimate of the `q` quantile: the upper edge of the bucket holding rank
/// `⌈q·n⌉` (0 for an empty histogram).
pub fn quantile_estimate(hist: &[HistogramBucket], q: f64) -> f64 {
    let h = normalized(hist);
    let n: u64 = h.iter().map(|b| b.count).sum();
    let rank = ((q * n as f64).ceil() as u64).clamp(1, n.max(1));
    bucket_of_rank(&h, rank, &[]).map_or(0.0, |(_, hi)| hi)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::sampling::multinomial;
    use rand::SeedableRng;
    use rand::rngs::StdRng;

    fn hist(v: &[(f64, u64)]) -> Vec<HistogramBucket> {
        v.iter()
            .map(|&(upper_ms, count)| HistogramBucket { upper_ms, count })
            .collect()
    }

    #[test]
    fn median_of_ten_known_ranks() {
        // Bin(10, ½): P(≤ 1) = 11/1024 = 0.0107, P(≤ 2) = 56/1024 = 0.0547,
        // P(≤ 7) = 968/1024 = 0.9453, P(≤ 8) = 1013/1024 = 0.9893. At a = 0.05 the
        // bounds are X₍₂₎ and X₍₉₎ (Conover 1999, Table A3: n = 10, 97.85 % two-sided).
        assert_eq!(lower_rank(10, 0.5, 0.05), Some(2));
        assert_eq!(upper_rank(10, 0.5, 0.05), Some(9));
        // At a = 0.01: P(≤ 0) = 1/1024 ≤ 0.01 < P(≤ 1) → l = 1; u = 10 (P(≤ 9) = 0.999).
        assert_eq!(lower_rank(10, 0.5, 0.01), Some(1));
        assert_eq!(upper_rank(10, 0.5, 0.01), Some(10));
        // Too few: 1 − 0.95²⁰ = 0.64 < 0.95 → no upper bound for p95 from 20.
        assert_eq!(upper_rank(20, 0.95, 0.05), None);
        // The existence threshold n ≥ ln a / ln q: 125 for p95 at a = 0.01/6.
        assert_eq!(upper_rank(124, 0.95, 0.01 / 6.0), None);
        assert_eq!(upper_rank(125, 0.95, 0.01 / 6.0), Some(125));
        assert_eq!(lower_rank(0, 0.5, 0.05), None);
    }

    #[test]
    fn bounds_read_bucket_edges() {
        // 10 observations: 2 in (0, 1], 5 in (1, 2], 3 in (2, 4] (not a geometric grid
        // with the bound 3 below). X₍₂₎ is in (0, 1], X₍₉₎ in (2, 4].
        let h = hist(&[(2.0, 5), (1.0, 2), (4.0, 3), (8.0, 0)]);
        let b = quantile_bounds_on_grid(&h, 0.5, 0.05, &[3.0]);
        assert_eq!(
            b,
            QuantileBounds {
                low: 0.0,
                high: 4.0
            }
        );
        assert_eq!(quantile_estimate(&h, 0.5), 2.0);
        // A bound seen elsewhere on the grid (1.5) tightens the lower edge of (1, 2].
        let h = hist(&[(2.0, 5), (4.0, 5)]);
        assert_eq!(quantile_bounds_on_grid(&h, 0.5, 0.05, &[3.5]).low, 0.0);
        assert_eq!(quantile_bounds_on_grid(&h, 0.5, 0.05, &[1.5, 3.0]).low, 1.5);
        // On a geometric grid (ratio 2 here) the lower edge is upper / 2 (less the slack).
        let h = hist(&[(1.0, 1), (2.0, 1), (8.0, 10)]);
        assert_eq!(geometric_ratio(&[1.0, 2.0, 8.0]), Some(2.0));
        assert_eq!(geometric_ratio(&[1.0, 2.0, 7.0]), None);
        let lo = quantile_bounds(&h, 0.5, 0.05).low;
        assert!((lo - 4.0 * (1.0 - GRID_SLACK)).abs() < 1e-12, "{lo}");
        let empty = quantile_bounds(&[], 0.5, 0.05);
        assert_eq!((empty.low, empty.high), (0.0, f64::INFINITY));
    }

    /// Coverage by simulation: lognormal latencies (median 20 ms, σ = 0.5) binned on
    /// √2 buckets (a coarser grid than the sampler's 2^(1/32)); 4,000 runs per case. A bound with true
    /// miss rate exactly a = 0.05 exceeds a + 4σ = 0.0638 with probability < 1e-4.
    #[test]
    fn coverage_by_simulation() {
        use statrs::distribution::{ContinuousCDF, LogNormal};
        let dist = LogNormal::new(20f64.ln(), 0.5).unwrap();
        let edges: Vec<f64> = (0..60).map(|k| 0.05 * 2f64.sqrt().powi(k)).collect();
        let probs: Vec<f64> = edges
            .iter()
            .enumerate()
            .map(|(i, &e)| dist.cdf(e) - if i == 0 { 0.0 } else { dist.cdf(edges[i - 1]) })
            .collect();
        let mut rng = StdRng::seed_from_u64(11);
        for &(n, q) in &[(200u64, 0.5), (2_000, 0.5), (500, 0.95), (5_000, 0.95)] {
            let truth = dist.inverse_cdf(q);
            let (mut miss_low, mut miss_high) = (0, 0);
            for _ in 0..4_000 {
                let counts = multinomial(&mut rng, n, &probs);
                let h: Vec<HistogramBucket> = edges
                    .iter()
                    .zip(counts)
                    .map(|(&upper_ms, count)| HistogramBucket { upper_ms, count })
                    .collect();
                let b = quantile_bounds(&h, q, 0.05);
                miss_low += u64::from(b.low > truth);
                miss_high += u64::from(b.high < truth);
            }
            for m in [miss_low, miss_high] {
                assert!(m as f64 / 4_000.0 <= 0.0638, "n {n} q {q}: {m} misses");
            }
        }
    }
}
