//! Exact binomial confidence bounds for a share (the canary share of responses, a
//! block rate, the unattributed share).
//!
//! Clopper & Pearson (1934), "The use of confidence or fiducial limits illustrated in
//! the case of the binomial", Biometrika 26(4). With `x` successes in `n` trials, the
//! two-sided `(1 − α)` interval is
//!
//! ```text
//! L = B(α/2;     x,     n − x + 1)   (0 when x = 0)
//! U = B(1 − α/2; x + 1, n − x)       (1 when x = n)
//! ```
//!
//! where `B(q; a, b)` is the `q` quantile of the Beta(a, b) distribution (statrs'
//! inverse regularized incomplete beta). Its coverage is at least `1 − α` for every
//! true share.

use statrs::distribution::{Beta, ContinuousCDF};

/// A closed interval `[low, high]` within `[0, 1]`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Interval {
    /// Lower bound.
    pub low: f64,
    /// Upper bound.
    pub high: f64,
}

impl Interval {
    /// The uninformative interval `[0, 1]`.
    pub const FULL: Interval = Interval {
        low: 0.0,
        high: 1.0,
    };

    /// `high − low`.
    pub fn width(&self) -> f64 {
        self.high - self.low
    }
}

fn beta_quantile(a: f64, b: f64, q: f64) -> f64 {
    match Beta::new(a, b) {
        Ok(beta) => beta.inverse_cdf(q.clamp(0.0, 1.0)).clamp(0.0, 1.0),
        // Unreachable for a, b ≥ 1; the uninformative answer is the safe one.
        Err(_) => {
            if q < 0.5 {
                0.0
            } else {
                1.0
            }
        }
    }
}

/// Two-sided `(1 − alpha)` Clopper–Pearson interval for `x` successes in `n` trials.
///
/// Returns `[0, 1]` when `n == 0` or `alpha` is not in `(0, 1)` (no evidence, or no
/// alpha to spend). `x` is clamped to `n`.
pub fn clopper_pearson(x: u64, n: u64, alpha: f64) -> Interval {
    if n == 0 || alpha.is_nan() || alpha <= 0.0 || alpha >= 1.0 {
        return Interval::FULL;
    }
    let x = x.min(n);
    let (xf, nf) = (x as f64, n as f64);
    let low = if x == 0 {
        0.0
    } else {
        beta_quantile(xf, nf - xf + 1.0, alpha / 2.0)
    };
    let high = if x == n {
        1.0
    } else {
        beta_quantile(xf + 1.0, nf - xf, 1.0 - alpha / 2.0)
    };
    Interval { low, high }
}

/// Exact one-sided `(1 − alpha)` upper confidence bound for a share with `x` successes
/// in `n` trials (the Clopper–Pearson upper limit at level `1 − alpha`).
pub fn upper_bound(x: u64, n: u64, alpha: f64) -> f64 {
    if n == 0 || alpha.is_nan() || alpha <= 0.0 || alpha >= 1.0 {
        return 1.0;
    }
    let x = x.min(n);
    if x == 0 {
        return zero_hits_upper_bound(n, alpha);
    }
    if x == n {
        return 1.0;
    }
    beta_quantile(x as f64 + 1.0, (n - x) as f64, 1.0 - alpha)
}

/// Exact one-sided `(1 − alpha)` lower confidence bound for a share with `x` successes
/// in `n` trials.
pub fn lower_bound(x: u64, n: u64, alpha: f64) -> f64 {
    if n == 0 || alpha.is_nan() || alpha <= 0.0 || alpha >= 1.0 {
        return 0.0;
    }
    let x = x.min(n);
    if x == 0 {
        return 0.0;
    }
    if x == n {
        return alpha.powf(1.0 / n as f64);
    }
    beta_quantile(x as f64, (n - x + 1) as f64, alpha)
}

/// Exact `(1 − alpha)` upper bound on a share after `n` trials with no success:
/// `1 − alpha^(1/n)` (solves `(1 − p)^n = alpha`). At 95 % it is ≈ 3/n, the "rule of
/// three" (Hanley & Lippman-Hand 1983, JAMA 249(13)).
pub fn zero_hits_upper_bound(n: u64, alpha: f64) -> f64 {
    if n == 0 || alpha.is_nan() || alpha <= 0.0 || alpha >= 1.0 {
        return 1.0;
    }
    // -expm1(ln(α)/n) is 1 − α^(1/n) without cancellation for large n.
    -(alpha.ln() / n as f64).exp_m1()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn close(a: f64, b: f64, tol: f64) -> bool {
        (a - b).abs() <= tol
    }

    #[test]
    fn published_values_95() {
        // Clopper-Pearson 95% intervals as tabulated e.g. by Newcombe (1998),
        // Statistics in Medicine 17, Table I, and R's binom.test.
        let i = clopper_pearson(0, 10, 0.05);
        assert_eq!(i.low, 0.0);
        assert!(close(i.high, 0.308_497, 1e-5), "{i:?}");
        let i = clopper_pearson(5, 10, 0.05);
        assert!(close(i.low, 0.187_086, 1e-5), "{i:?}");
        assert!(close(i.high, 0.812_914, 1e-5), "{i:?}");
        let i = clopper_pearson(1, 10, 0.05);
        assert!(close(i.low, 0.002_529, 1e-5), "{i:?}");
        assert!(close(i.high, 0.445_016, 1e-5), "{i:?}");
        // Newcombe's example 81/263: 0.2527 .. 0.3676 (exact tail bisection: 0.252737,
        // 0.367622).
        let i = clopper_pearson(81, 263, 0.05);
        assert!(close(i.low, 0.252_737, 1e-5), "{i:?}");
        assert!(close(i.high, 0.367_622, 1e-5), "{i:?}");
    }

    #[test]
    fn rule_of_three() {
        // At 95 % the exact bound is close to 3/n for large n.
        let b = zero_hits_upper_bound(1000, 0.05);
        assert!((b - 3.0 / 1000.0).abs() < 0.0001, "{b}");
        assert_eq!(zero_hits_upper_bound(0, 0.05), 1.0);
        let b = zero_hits_upper_bound(300, 0.05);
        assert!(close(b, 3.0 / 300.0, 0.0005), "{b}");
        assert!(close(zero_hits_upper_bound(1, 0.05), 0.95, 1e-12));
        assert!(close(
            upper_bound(0, 10, 0.05),
            1.0 - 0.05f64.powf(0.1),
            1e-12
        ));
        // Lower bound with all successes mirrors the upper bound with none.
        assert!(close(lower_bound(10, 10, 0.05), 0.05f64.powf(0.1), 1e-12));
    }

    #[test]
    fn degenerate_inputs_are_uninformative() {
        assert_eq!(clopper_pearson(0, 0, 0.05), Interval::FULL);
        assert_eq!(clopper_pearson(3, 10, 0.0), Interval::FULL);
        assert_eq!(clopper_pearson(3, 10, f64::NAN), Interval::FULL);
        assert_eq!(upper_bound(0, 0, 0.05), 1.0);
        assert_eq!(lower_bound(0, 0, 0.05), 0.0);
    }

    proptest! {
        #[test]
        fn interval_contains_estimate_and_stays_in_unit(
            n in 1u64..50_000, frac in 0.0f64..=1.0, alpha in 0.0001f64..0.5
        ) {
            let x = ((n as f64) * frac).round() as u64;
            let i = clopper_pearson(x, n, alpha);
            let share = x as f64 / n as f64;
            prop_assert!(0.0 <= i.low && i.high <= 1.0, "{i:?}");
            prop_assert!(i.low <= share + 1e-12 && share <= i.high + 1e-12, "{i:?} {share}");
            let u = upper_bound(x, n, alpha);
            let l = lower_bound(x, n, alpha);
            prop_assert!(l <= share + 1e-12 && share <= u + 1e-12);
            // One-sided bounds at α are tighter than the two-sided interval at α.
            prop_assert!(u <= i.high + 1e-12 && l >= i.low - 1e-12);
        }

        #[test]
        fn width_non_increasing_in_n_at_fixed_share(
            n in 1u64..2_000, num in 0u64..=20, k in 2u64..20, alpha in 0.001f64..0.2
        ) {
            // Share x/n held fixed by scaling both by k.
            let x = n * num / 20;
            let small = clopper_pearson(x, n, alpha);
            let big = clopper_pearson(x * k, n * k, alpha);
            prop_assert!(big.width() <= small.width() + 1e-9, "{small:?} {big:?}");
        }

        #[test]
        fn wider_at_smaller_alpha(n in 1u64..5_000, frac in 0.0f64..=1.0) {
            let x = ((n as f64) * frac).round() as u64;
            let a = clopper_pearson(x, n, 0.05);
            let b = clopper_pearson(x, n, 0.001);
            prop_assert!(b.low <= a.low + 1e-12 && a.high <= b.high + 1e-12);
        }

        #[test]
        fn bound_is_a_probability_decreasing_in_n(n in 1u64..10_000_000, alpha in 0.0001f64..0.5) {
            let b = zero_hits_upper_bound(n, alpha);
            prop_assert!((0.0..=1.0).contains(&b));
            prop_assert!(zero_hits_upper_bound(n + 1, alpha) <= b);
            // Definition: P(0 hits | p = bound) = alpha.
            prop_assert!(((1.0 - b).powf(n as f64) - alpha).abs() < 1e-6);
        }
    }
}
