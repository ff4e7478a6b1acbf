//! The equivalence rule: does a confidence interval lie inside, outside, or across the
//! tolerance band around the configured share?
//!
//! Interval inclusion is the standard way to run two one-sided tests (TOST; Schuirmann
//! 1987, J. Pharmacokinet. Biopharm. 15(6)): a `(1 − 2a)` two-sided interval inside
//! `[p0 − m, p0 + m]` rejects both "share ≤ p0 − m" and "share ≥ p0 + m" at level `a`.
//! The harness uses the `(1 − α)` interval (each one-sided test at `α/2`, conservative),
//! because the same interval also drives the FAIL direction: an interval entirely
//! outside the band rejects "share inside the band" at level `α`.

use super::binomial::Interval;

/// The tolerance band `[center − margin, center + margin]` (not clamped to `[0, 1]`;
/// a bound beyond `[0, 1]` can never be crossed by an interval of a share).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Band {
    /// Configured share `p0`.
    pub center: f64,
    /// Absolute margin `m`.
    pub margin: f64,
}

impl Band {
    /// Lower edge `p0 − m`.
    pub fn low(&self) -> f64 {
        self.center - self.margin
    }

    /// Upper edge `p0 + m`.
    pub fn high(&self) -> f64 {
        self.center + self.margin
    }
}

/// Where an interval lies relative to the band.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Entirely inside: equivalence shown (PASS).
    Inside,
    /// Entirely outside: deviation shown (FAIL).
    Outside,
    /// Overlaps an edge: not enough evidence yet.
    Undecided,
}

/// Applies the rule: `Inside` when `p0 − m ≤ low` and `high ≤ p0 + m`; `Outside` when
/// `high < p0 − m` or `low > p0 + m`; `Undecided` otherwise.
pub fn decide(interval: Interval, band: Band) -> Decision {
    if interval.low >= band.low() && interval.high <= band.high() {
        Decision::Inside
    } else if interval.high < band.low() || interval.low > band.high() {
        Decision::Outside
    } else {
        Decision::Undecided
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const BAND: Band = Band {
        center: 0.1,
        margin: 0.02,
    };

    fn iv(low: f64, high: f64) -> Interval {
        Interval { low, high }
    }

    #[test]
    fn inside_outside_across() {
        assert_eq!(decide(iv(0.09, 0.11), BAND), Decision::Inside);
        assert_eq!(decide(iv(0.08, 0.12), BAND), Decision::Inside);
        assert_eq!(decide(iv(0.121, 0.2), BAND), Decision::Outside);
        assert_eq!(decide(iv(0.0, 0.079), BAND), Decision::Outside);
        assert_eq!(decide(iv(0.11, 0.13), BAND), Decision::Undecided);
        assert_eq!(decide(iv(0.0, 1.0), BAND), Decision::Undecided);
    }

    #[test]
    fn band_below_zero_only_needs_the_upper_edge() {
        let band = Band {
            center: 0.01,
            margin: 0.02,
        };
        assert_eq!(decide(iv(0.0, 0.029), band), Decision::Inside);
        assert_eq!(decide(iv(0.031, 0.05), band), Decision::Outside);
    }

    proptest! {
        #[test]
        fn never_both_inside_and_outside(a in 0.0f64..1.0, b in 0.0f64..1.0, c in 0.0f64..1.0, m in 0.001f64..0.5) {
            let (low, high) = if a <= b { (a, b) } else { (b, a) };
            let band = Band { center: c, margin: m };
            let d = decide(iv(low, high), band);
            let contains_center = low <= c && c <= high;
            // An interval that holds p0 can never FAIL.
            if contains_center { prop_assert_ne!(d, Decision::Outside); }
            // An interval wider than the band can never PASS.
            if high - low > 2.0 * m { prop_assert_ne!(d, Decision::Inside); }
        }
    }
}
