//! Do several load-balancer nodes route the same canary share? Pearson's chi-square
//! test of homogeneity on the k×2 table (rows: nodes; columns: stable, canary).
//!
//! An ALB is several nodes, each with its own copy of the listener's weights; a node
//! that kept stale weights routes a different share, and pooled counts hide it (one
//! node at 0 % and five at 12 % pool to a healthy-looking 10 %). This test asks whether
//! the nodes' shares differ at all; `checks::split` then asks whether a differing node
//! lies outside the band.
//!
//! Formula (Agresti 2013, *Categorical Data Analysis*, 3rd ed., §3.2.1; Agresti 2007,
//! *An Introduction to Categorical Data Analysis*, 2nd ed., §2.4.3): with `n_i`
//! responses and `x_i` canary hits at node `i`, `N = Σ n_i`, `X = Σ x_i`, the expected
//! counts under homogeneity are `E_i1 = n_i·X/N` (canary) and `E_i0 = n_i·(N − X)/N`
//! (stable), and
//!
//! `X² = Σ_i Σ_j (O_ij − E_ij)² / E_ij`, referred to χ² with `k − 1` degrees of freedom;
//! `p = P(χ²_{k−1} ≥ X²)` (statrs' `ChiSquared::sf`).
//!
//! The chi-square reference distribution is a large-sample approximation; the usual
//! condition (Cochran 1954; Agresti 2013 §3.2.3) is that every expected count is at
//! least [`MIN_EXPECTED`]. Below it [`chi_square`] still returns the numbers, but
//! [`ChiSquare::comparable`] is false and the caller must not decide on them.

use statrs::distribution::{ChiSquared, ContinuousCDF};

/// Smallest expected cell count for the chi-square approximation (Cochran's rule).
pub const MIN_EXPECTED: f64 = 5.0;

/// One row of the table: `n` responses, `canary` of them from the canary.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Row {
    /// Attributed responses.
    pub n: u64,
    /// Canary hits among them.
    pub canary: u64,
}

/// The result of the homogeneity test.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ChiSquare {
    /// Pearson's X².
    pub statistic: f64,
    /// Degrees of freedom, `k − 1`.
    pub df: u64,
    /// Upper-tail p-value `P(χ²_{df} ≥ X²)`.
    pub p_value: f64,
    /// Smallest expected cell count.
    pub min_expected: f64,
}

impl ChiSquare {
    /// Whether every expected count reaches [`MIN_EXPECTED`] (the p-value is usable).
    pub fn comparable(&self) -> bool {
        self.min_expected >= MIN_EXPECTED
    }
}

/// Pearson's chi-square test of homogeneity of the canary share across `rows` (rows
/// with no responses are left out). `None` with fewer than two non-empty rows. When
/// one column is empty (no canary hit or no stable hit anywhere) every share is the
/// same: X² = 0, p = 1, and the minimum expected count is 0 (not comparable).
pub fn chi_square(rows: &[Row]) -> Option<ChiSquare> {
    let rows: Vec<Row> = rows.iter().copied().filter(|r| r.n > 0).collect();
    if rows.len() < 2 {
        return None;
    }
    let n: u64 = rows.iter().map(|r| r.n).sum();
    let x: u64 = rows.iter().map(|r| r.canary.min(r.n)).sum();
    let df = rows.len() as u64 - 1;
    let (nf, xf) = (n as f64, x as f64);
    let mut statistic = 0.0;
    let mut min_expected = f64::INFINITY;
    for r in &rows {
        let canary = r.canary.min(r.n) as f64;
        let stable = r.n as f64 - canary;
        let e_canary = r.n as f64 * xf / nf;
        let e_stable = r.n as f64 * (nf - xf) / nf;
        min_expected = min_expected.min(e_canary).min(e_stable);
        for (o, e) in [(canary, e_canary), (stable, e_stable)] {
            if e > 0.0 {
                statistic += (o - e) * (o - e) / e;
            }
        }
    }
    let p_value = ChiSquared::new(df as f64).map_or(1.0, |d| d.sf(statistic));
    Some(ChiSquare {
        statistic,
        df,
        p_value,
        min_expected,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(n: u64, canary: u64) -> Row {
        Row { n, canary }
    }

    /// By hand: nodes (100 responses, 10 canary) and (100, 30). N = 200, X = 40, so
    /// E = 20 canary / 80 stable per row; X² = 2·(10²/20 + 10²/80) = 2·(5 + 1.25) =
    /// 12.5 on 1 df. For 1 df, P(χ² ≥ x) = erfc(sqrt(x/2)), so p = erfc(√6.25) = erfc(2.5) = 4.06952e-4.
    #[test]
    fn two_by_two_against_a_hand_calculation() {
        let t = chi_square(&[row(100, 10), row(100, 30)]).unwrap();
        assert!((t.statistic - 12.5).abs() < 1e-12, "{t:?}");
        assert_eq!(t.df, 1);
        assert!((t.p_value - 4.069_52e-4).abs() < 1e-9, "{t:?}");
        assert_eq!(t.min_expected, 20.0);
        assert!(t.comparable());
    }

    /// By hand, 3×2: (50, 5), (50, 5), (100, 30). N = 200, X = 40, share 0.2.
    /// Expected canary 10, 10, 20; stable 40, 40, 80. X² = 25/10 + 25/40 + 25/10 +
    /// 25/40 + 100/20 + 100/80 = 2.5 + 0.625 + 2.5 + 0.625 + 5 + 1.25 = 12.5 on 2 df;
    /// for 2 df the tail is exp(−x/2) = exp(−6.25) = 1.9305e-3.
    #[test]
    fn three_nodes_against_a_hand_calculation() {
        let t = chi_square(&[row(50, 5), row(50, 5), row(100, 30)]).unwrap();
        assert!((t.statistic - 12.5).abs() < 1e-12, "{t:?}");
        assert_eq!(t.df, 2);
        assert!((t.p_value - (-6.25f64).exp()).abs() < 1e-12, "{t:?}");
        assert_eq!(t.min_expected, 10.0);
    }

    #[test]
    fn identical_shares_give_zero_and_small_tables_are_flagged() {
        let t = chi_square(&[row(1000, 100), row(500, 50)]).unwrap();
        assert!(t.statistic.abs() < 1e-12);
        assert!((t.p_value - 1.0).abs() < 1e-12);
        let small = chi_square(&[row(20, 1), row(20, 3)]).unwrap();
        assert!(!small.comparable(), "expected canary 2 < 5: {small:?}");
        let none = chi_square(&[row(100, 0), row(100, 0)]).unwrap();
        assert_eq!((none.statistic, none.min_expected), (0.0, 0.0));
        assert!(chi_square(&[row(100, 10)]).is_none());
        assert!(chi_square(&[row(100, 10), row(0, 0)]).is_none());
    }
}
