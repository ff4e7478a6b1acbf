//! The equivalence rule: does a confidence interval lie inside, outside, or across the
//! tolerance band around the configured share?
//!
//! Interval inclusion is the standard way to run two one-sided tests (TOST; Schuirmann
//! 1987, J. Pharmacokinet. Biopharm. 15(6)): a `(1 − 2a)` two-sided interval inside
//! `[p0 − m, p0 + m]` rejects both "share ≤ p0 − m" and "share ≥ p0 + m" at level `a`.
//! The harness uses the `(1 − α)` interval (each one-sided test at `α/2`, conservative),
//! because the same interval also drives the FAIL direction: an interval entirely
//! outside the band rejects "share inside the band" at level `α`.
//!
//! # The band scales with small shares
//!
//! An absolute margin `m` is the right tolerance for a share near the middle (50/50 ±
//! 2 points), but not for a small one: at 99/1 the band `1 % ± 2 %` contains 0, so a
//! canary that receives no traffic at all is "equivalent" to its configured 1 %. The
//! band must exclude both "no traffic" (share 0) and "all traffic" (share 1) whenever
//! both weights are positive. The harness therefore uses the effective margin
//!
//! ```text
//! m_eff = min(m, p0 / 2, (1 − p0) / 2)
//! ```
//!
//! which is the absolute margin `m` where the share is large enough and a relative
//! margin of ±50 % of the share (of the smaller side) where it is not: at 99/1 the band
//! is `[0.5 %, 1.5 %]`, at 98/2 it is `[1 %, 3 %]`, from 96/4 on the plain `± 2`
//! points. A margin proportional to the reference value is the standard way to state
//! equivalence for quantities whose natural scale is multiplicative: bioequivalence
//! accepts a ratio of means within `[0.80, 1.25]` (FDA Guidance for Industry,
//! "Statistical Approaches to Establishing Bioequivalence", 2001; Schuirmann 1987), and
//! Wellek, *Testing Statistical Hypotheses of Equivalence and Noninferiority* (2nd ed.,
//! CRC 2010, §1.6 and ch. 5 on the one-sample binomial problem), discusses margins
//! chosen on the scale of the parameter rather than as a fixed difference. A log-odds
//! band `|logit(p) − logit(p0)| ≤ δ` would also exclude 0 and 1, but its width in
//! points changes with `p0` everywhere, so `--margin` would no longer mean "± points"
//! at 90/10 or 50/50; the `min` keeps the documented `± m` wherever it is safe and
//! becomes a ratio band (`0.5 ≤ share / p0 ≤ 1.5`) only where `± m` would reach 0 or 1. Both edges then lie strictly inside `(0, 1)`,
//! so both one-sided tests are real tests and both are calibrated.

use super::binomial::Interval;

/// Largest margin as a share of the smaller side's configured share (see the module
/// doc): `m_eff ≤ MAX_RELATIVE_MARGIN · min(p0, 1 − p0)`, so that the band holds
/// neither 0 nor 1 when both weights are positive.
pub const MAX_RELATIVE_MARGIN: f64 = 0.5;

/// The effective margin `min(m, p0/2, (1 − p0)/2)` for an interior share; `m` itself
/// for `p0` of 0 or 1 (there the split check runs the leak test instead of a band).
pub fn effective_margin(p0: f64, margin: f64) -> f64 {
    if p0 <= 0.0 || p0 >= 1.0 {
        return margin;
    }
    margin
        .min(MAX_RELATIVE_MARGIN * p0)
        .min(MAX_RELATIVE_MARGIN * (1.0 - p0))
}

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
    /// The band around `p0` with the effective margin [`effective_margin`]`(p0, m)`.
    pub fn scaled(p0: f64, margin: f64) -> Band {
        Band {
            center: p0,
            margin: effective_margin(p0, margin),
        }
    }

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

    #[test]
    fn effective_margin_scales_with_small_shares() {
        let close = |a: f64, b: f64| (a - b).abs() < 1e-15;
        assert!(close(effective_margin(0.01, 0.02), 0.005));
        assert!(close(effective_margin(0.02, 0.02), 0.01));
        assert!(close(effective_margin(0.04, 0.02), 0.02));
        assert!(close(effective_margin(0.5, 0.02), 0.02));
        assert!(close(effective_margin(0.99, 0.02), 0.005));
        assert!(close(effective_margin(0.5, 0.01), 0.01));
        assert_eq!(effective_margin(0.0, 0.02), 0.02);
        assert_eq!(effective_margin(1.0, 0.02), 0.02);
        // A starved canary at 99/1 lies outside the band: its interval can FAIL.
        let band = Band::scaled(0.01, 0.02);
        assert_eq!(decide(iv(0.0, 0.0049), band), Decision::Outside);
    }

    proptest! {
        #[test]
        fn scaled_band_excludes_zero_and_one(p0 in 0.0005f64..0.9995, m in 0.0001f64..0.5) {
            let band = Band::scaled(p0, m);
            prop_assert!(band.low() > 0.0 && band.high() < 1.0, "{band:?}");
            prop_assert!(band.margin <= m);
        }

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
