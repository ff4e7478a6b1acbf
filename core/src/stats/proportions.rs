//! Is the canary's error rate worse than stable's? One-sided comparisons of two
//! binomial proportions.
//!
//! * [`fisher_exact_greater`]: Fisher's exact test (Fisher 1935, *The Design of
//!   Experiments*; Agresti 2002, *Categorical Data Analysis*, ch. 3). Conditional on
//!   the margins, the canary error count is hypergeometric; the one-sided p-value is
//!   `P(X ≥ a)`. It tests `p_canary > p_stable` with no tolerance. Computed by statrs as
//!   the survival function of its `Hypergeometric` distribution, `sf(a − 1)`: the sum
//!   of the tail terms from `a` up, O(errors). statrs' `stats_tests::fishers_exact`
//!   (alternative "greater") gives the same p-value through the CDF of the
//!   complementary cell, summing every term from 0 — O(responses) log-gamma calls per
//!   test, which the health simulations (`checks::health::oc`) would pay thousands of
//!   times — so the distribution's tail is called directly.
//!
//! The Agresti–Caffo test is written out here because statrs has no two-proportion
//! test with a tolerance; its normal tail is statrs'.
//! * [`agresti_caffo_greater`]: Wald z test of `p_canary − p_stable > δ` on the
//!   Agresti–Caffo adjusted estimates (add one error and one success to each group;
//!   Agresti & Caffo 2000, "Simple and effective confidence intervals for proportions
//!   and differences of proportions result from adding two successes and two
//!   failures", The American Statistician 54(4)). The adjustment keeps the variance
//!   positive at 0 errors and gives near-nominal coverage at small counts.
//!   `z = (p̃_c − p̃_s − δ) / sqrt(p̃_c(1−p̃_c)/(n_c+2) + p̃_s(1−p̃_s)/(n_s+2))`,
//!   `p̃ = (x + 1) / (n + 2)`, p-value `1 − Φ(z)`.

use statrs::distribution::{DiscreteCDF, Hypergeometric};

/// Outcome of a one-sided two-proportion test.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ProportionTest {
    /// Test statistic (z, or the observed count for Fisher's test).
    pub statistic: f64,
    /// One-sided p-value for "canary worse".
    pub p_value: f64,
}

/// Fisher's exact one-sided p-value that group A (`a` of `n_a`) has a higher rate than
/// group B (`b` of `n_b`): `P(X ≥ a)` for `X ~ Hypergeometric(N = n_a + n_b,
/// K = a + b, draws = n_a)`. 1 when either group is empty (no evidence).
pub fn fisher_exact_greater(a: u64, n_a: u64, b: u64, n_b: u64) -> ProportionTest {
    let (a, b) = (a.min(n_a), b.min(n_b));
    let p_value = match Hypergeometric::new(n_a + n_b, a + b, n_a) {
        // P(X ≥ a) = P(X > a − 1); every count is ≥ 0.
        Ok(h) if n_a > 0 && n_b > 0 && a > 0 => h.sf(a - 1),
        // No evidence (an empty group), or a = 0: P(X ≥ 0) = 1. The parameters are
        // valid by construction (a + b ≤ n_a + n_b).
        _ => 1.0,
    };
    ProportionTest {
        statistic: a as f64,
        p_value: p_value.clamp(0.0, 1.0),
    }
}

/// One-sided Agresti–Caffo z test that A's rate exceeds B's by more than `tolerance`.
pub fn agresti_caffo_greater(a: u64, n_a: u64, b: u64, n_b: u64, tolerance: f64) -> ProportionTest {
    let (a, b) = (a.min(n_a), b.min(n_b));
    let pa = (a as f64 + 1.0) / (n_a as f64 + 2.0);
    let pb = (b as f64 + 1.0) / (n_b as f64 + 2.0);
    let var = pa * (1.0 - pa) / (n_a as f64 + 2.0) + pb * (1.0 - pb) / (n_b as f64 + 2.0);
    let z = (pa - pb - tolerance) / var.sqrt();
    ProportionTest {
        statistic: z,
        p_value: super::normal_sf(z).clamp(0.0, 1.0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn fisher_lady_tasting_tea() {
        // Fisher (1935), The Design of Experiments, ch. 2: the tea-tasting table [[3, 1], [1, 3]]: one-sided p = 17/70.
        let t = fisher_exact_greater(3, 4, 1, 4);
        assert!((t.p_value - 17.0 / 70.0).abs() < 1e-12, "{t:?}");
        // The extreme table [[4, 0], [0, 4]]: p = 1/70.
        let t = fisher_exact_greater(4, 4, 0, 4);
        assert!((t.p_value - 1.0 / 70.0).abs() < 1e-12, "{t:?}");
    }

    #[test]
    fn fisher_textbook_table() {
        // Hand-computed 2x2 table [[7, 3], [2, 8]] (a = 7 of 10 vs 2 of 10): P(X ≥ 7) with N = 20, K = 9, n = 10 = (C(9,7)C(11,3) + C(9,8)C(11,2) +
        // C(9,9)C(11,1)) / C(20,10) = (36·165 + 9·55 + 11) / 184756 = 6446 / 184756.
        let t = fisher_exact_greater(7, 10, 2, 10);
        assert!((t.p_value - 6446.0 / 184_756.0).abs() < 1e-12, "{t:?}");
    }

    #[test]
    fn agresti_caffo_direction_and_tolerance() {
        // 5% vs 1% on 2,000 each: clearly worse.
        let t = agresti_caffo_greater(100, 2_000, 20, 2_000, 0.0);
        assert!(t.p_value < 1e-10, "{t:?}");
        // ...but not worse by more than 5 points.
        let t = agresti_caffo_greater(100, 2_000, 20, 2_000, 0.05);
        assert!(t.p_value > 0.5, "{t:?}");
        // Hand computation: a = 0/98, b = 0/98, δ = 0 → z = 0, p = 0.5.
        let t = agresti_caffo_greater(0, 98, 0, 98, 0.0);
        assert!((t.p_value - 0.5).abs() < 1e-12, "{t:?}");
    }

    proptest! {
        #[test]
        fn p_values_in_unit(a in 0u64..500, na in 0u64..500, b in 0u64..500, nb in 0u64..500, tol in 0.0f64..0.2) {
            let f = fisher_exact_greater(a, na, b, nb).p_value;
            let z = agresti_caffo_greater(a, na, b, nb, tol).p_value;
            prop_assert!((0.0..=1.0).contains(&f), "{f}");
            prop_assert!((0.0..=1.0).contains(&z), "{z}");
        }

        #[test]
        fn more_canary_errors_never_raise_the_p_value(a in 0u64..200, b in 0u64..200, n in 200u64..400) {
            let lo = fisher_exact_greater(a, n, b, n).p_value;
            let hi = fisher_exact_greater(a + 1, n, b, n).p_value;
            prop_assert!(hi <= lo + 1e-12);
        }
    }
}
