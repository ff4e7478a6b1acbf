//! Sample-ratio mismatch (SRM): the A/B-testing industry's sanity check that observed
//! group sizes match the configured split.
//!
//! Pearson's chi-square goodness-of-fit test with one degree of freedom:
//! `χ² = Σ (O − E)² / E` over {stable, canary} with `E = n · share`, p-value
//! `P(χ²₁ ≥ χ²)`. Fabijan et al. (2019), "Diagnosing Sample Ratio Mismatch in Online
//! Controlled Experiments", KDD, recommend flagging at p < 0.0005.

use statrs::distribution::{ChiSquared, ContinuousCDF};

/// p-value below which a sample-ratio mismatch warning is raised.
pub const SRM_P_THRESHOLD: f64 = 0.0005;

/// Chi-square goodness-of-fit p-value of `(stable, canary)` counts against the
/// configured canary share `p0`.
///
/// When `p0` is 0 or 1 the expected count of one side is 0 and the statistic is
/// undefined; the p-value is then 1 when that side has no hits and 0 when it has any
/// (a hit is impossible under the configuration). No responses → 1 (no evidence).
pub fn srm_p_value(stable: u64, canary: u64, p0: f64) -> f64 {
    let n = (stable + canary) as f64;
    if n == 0.0 || !(0.0..=1.0).contains(&p0) {
        return 1.0;
    }
    if p0 == 0.0 {
        return if canary == 0 { 1.0 } else { 0.0 };
    }
    if p0 == 1.0 {
        return if stable == 0 { 1.0 } else { 0.0 };
    }
    let (e_c, e_s) = (n * p0, n * (1.0 - p0));
    let chi2 = (canary as f64 - e_c).powi(2) / e_c + (stable as f64 - e_s).powi(2) / e_s;
    match ChiSquared::new(1.0) {
        Ok(d) => d.sf(chi2).clamp(0.0, 1.0),
        Err(_) => 1.0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn known_values() {
        // 50/50 with 5,100 vs 4,900: chi2 = 4.0, p = 0.0455 (two-sided z = 2).
        let p = srm_p_value(5_100, 4_900, 0.5);
        assert!((p - 0.045_500_26).abs() < 1e-6, "{p}");
        // Exact match: p = 1.
        assert!((srm_p_value(900, 100, 0.1) - 1.0).abs() < 1e-12);
        // 90/10 configured, 1,000 of 9,000 canary (11.1%): chi2 = 12.35, p = 0.000442,
        // below the SRM threshold.
        let p = srm_p_value(8_000, 1_000, 0.1);
        assert!((p - 0.000_442_008).abs() < 1e-8, "{p}");
        assert!(p < SRM_P_THRESHOLD);
        assert_eq!(srm_p_value(100, 0, 0.0), 1.0);
        assert_eq!(srm_p_value(100, 1, 0.0), 0.0);
        assert_eq!(srm_p_value(0, 0, 0.3), 1.0);
    }

    proptest! {
        #[test]
        fn p_value_in_unit(s in 0u64..100_000, c in 0u64..100_000, p0 in 0.0f64..=1.0) {
            let p = srm_p_value(s, c, p0);
            prop_assert!((0.0..=1.0).contains(&p));
        }
    }
}
