//! The three sub-tests of health as confidence bounds on canary − stable differences:
//! the 5xx rate (Newcombe), the median and the p95 latency (order statistics). Each
//! yields a [`Finding`]: within the tolerance (upper bound below it), beyond it
//! (lower bound above it) or open.

use crate::result::{HistogramBucket, QuantileShift};
use crate::stats::newcombe::newcombe;
use crate::stats::quantile::{quantile_bounds_on_grid, quantile_estimate};
use crate::stats::z_quantile;

/// What one sub-test shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Finding {
    /// The upper bound of the difference is below the tolerance.
    Within,
    /// The lower bound of the difference exceeds the tolerance (harm proven).
    Beyond,
    /// Neither.
    Open,
}

impl Finding {
    fn of(low: f64, high: f64, pass_below: f64, fail_above: f64) -> Finding {
        if low > fail_above {
            Finding::Beyond
        } else if high < pass_below {
            Finding::Within
        } else {
            Finding::Open
        }
    }
}

/// Counts of one variant for the error sub-test.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Counts {
    /// 5xx responses.
    pub errors: u64,
    /// Responses.
    pub n: u64,
}

/// Bounds on canary − stable 5xx rate.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ErrorBounds {
    /// One-sided `(1 − a)` lower bound.
    pub low: f64,
    /// One-sided `(1 − a)` upper bound.
    pub high: f64,
    /// Against the tolerance.
    pub finding: Finding,
}

/// Newcombe's hybrid score bounds at one-sided level `1 − a` each, judged against
/// `tolerance`. No responses on a side: the uninformative `[−1, 1]`.
pub fn error_bounds(canary: Counts, stable: Counts, a: f64, tolerance: f64) -> ErrorBounds {
    let (low, high) = if canary.n == 0 || stable.n == 0 {
        (-1.0, 1.0)
    } else {
        newcombe(
            canary.errors,
            canary.n,
            stable.errors,
            stable.n,
            z_quantile(1.0 - a),
        )
    };
    ErrorBounds {
        low,
        high,
        finding: Finding::of(low, high, tolerance, tolerance),
    }
}

/// Latency tolerance: the floor, or `share` of stable's quantile when larger.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LatencyTolerance {
    /// Smallest tolerated shift (ms).
    pub floor_ms: f64,
    /// Tolerated shift as a share of stable's quantile.
    pub share: f64,
}

/// Bounds on the shift of the `q` quantile, canary − stable, at level `1 − a`: each
/// variant's quantile bound at `1 − a/2` (Bonferroni), `U = U_c − L_s`, `L = L_c − U_s`.
/// PASS side: `U < max(floor, share·L_s)`; FAIL side: `L > max(floor, share·U_s)` —
/// both conservative in the unknown stable quantile.
pub fn shift_bounds(
    canary: &[HistogramBucket],
    stable: &[HistogramBucket],
    q: f64,
    a: f64,
    tol: LatencyTolerance,
) -> (QuantileShift, Finding) {
    // Both histograms come from one bucket grid: each one's bounds tell the other's
    // lower bucket edges.
    let grid: Vec<f64> = canary
        .iter()
        .chain(stable)
        .filter(|b| b.count > 0)
        .map(|b| b.upper_ms)
        .collect();
    let c = quantile_bounds_on_grid(canary, q, a / 2.0, &grid);
    let s = quantile_bounds_on_grid(stable, q, a / 2.0, &grid);
    let high = c.high - s.low;
    let low = c.low - s.high;
    let pass_tol = tol.floor_ms.max(tol.share * s.low);
    let fail_tol = tol.floor_ms.max(tol.share * s.high);
    let finding = Finding::of(low, high, pass_tol, fail_tol);
    let shift = QuantileShift {
        quantile: q,
        stable_ms: quantile_estimate(stable, q),
        canary_ms: quantile_estimate(canary, q),
        shift_low_ms: low.is_finite().then_some(low),
        shift_high_ms: high.is_finite().then_some(high),
        tolerance_ms: pass_tol,
        fail_tolerance_ms: fail_tol.is_finite().then_some(fail_tol),
    };
    (shift, finding)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hist(v: &[(f64, u64)]) -> Vec<HistogramBucket> {
        v.iter()
            .map(|&(upper_ms, count)| HistogramBucket { upper_ms, count })
            .collect()
    }

    const TOL: LatencyTolerance = LatencyTolerance {
        floor_ms: 50.0,
        share: 0.2,
    };

    #[test]
    fn error_findings() {
        let c = |errors, n| Counts { errors, n };
        let a = 0.01 / 3.0;
        // Equal and plentiful: within 1 point.
        let b = error_bounds(c(2, 2_000), c(18, 18_000), a, 0.01);
        assert_eq!(b.finding, Finding::Within, "{b:?}");
        // 8 % vs 0.1 %: beyond.
        let b = error_bounds(c(160, 2_000), c(18, 18_000), a, 0.01);
        assert_eq!(b.finding, Finding::Beyond, "{b:?}");
        // 1 % vs 0.1 % on 2,000: the interval straddles the tolerance.
        let b = error_bounds(c(20, 2_000), c(18, 18_000), a, 0.01);
        assert_eq!(b.finding, Finding::Open, "{b:?}");
        assert!(b.low < 0.01 && b.high > 0.01);
        // No canary response: nothing shown.
        assert_eq!(
            error_bounds(c(0, 0), c(0, 100), a, 0.01).finding,
            Finding::Open
        );
    }

    #[test]
    fn shift_findings() {
        let a = 0.01 / 3.0;
        let stable = hist(&[(16.0, 3_000), (22.6, 4_000), (32.0, 2_000), (45.3, 1_000)]);
        // Identical: the median shift is bounded by the bucket widths around it.
        let (s, f) = shift_bounds(&stable, &stable, 0.5, a, TOL);
        assert_eq!(f, Finding::Within, "{s:?}");
        assert_eq!((s.shift_high_ms, s.tolerance_ms), (Some(22.6 - 16.0), 50.0));
        // 200 ms slower at every quantile: beyond.
        let slow = hist(&[
            (181.0, 1_000),
            (256.0, 4_000),
            (362.0, 4_000),
            (512.0, 1_000),
        ]);
        let (s, f) = shift_bounds(&slow, &stable, 0.5, a, TOL);
        assert_eq!(f, Finding::Beyond, "{s:?}");
        assert!(s.shift_low_ms.unwrap() > 50.0);
        // Too few canary responses for a p95 upper bound: open, no upper bound.
        let (s, f) = shift_bounds(&hist(&[(16.0, 50)]), &stable, 0.95, a, TOL);
        assert_eq!((f, s.shift_high_ms), (Finding::Open, None));
        // The relative tolerance takes over above 250 ms: 20 % of stable's lower bound
        // 990 ms = 198 ms, and a +100 ms shift is within it.
        let base = hist(&[
            (990.0, 1_000),
            (1_000.0, 4_000),
            (1_010.0, 4_000),
            (1_020.0, 1_000),
        ]);
        let plus100 = hist(&[
            (1_090.0, 1_000),
            (1_100.0, 4_000),
            (1_110.0, 4_000),
            (1_120.0, 1_000),
        ]);
        let (s, f) = shift_bounds(&plus100, &base, 0.5, a, TOL);
        assert_eq!(f, Finding::Within, "{s:?}");
        assert_eq!((s.tolerance_ms, s.shift_high_ms), (198.0, Some(120.0)));
    }
}
