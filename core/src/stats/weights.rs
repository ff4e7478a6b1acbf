//! Listener weights to shares. ALB forward actions carry integer weights 0..=999 per
//! target group; the traffic share of a group is its weight over the sum.

/// Normalised `(stable, canary)` shares of two non-negative weights; `None` when both
/// are zero or either is negative (no defined split).
pub fn shares(stable: i64, canary: i64) -> Option<(f64, f64)> {
    if stable < 0 || canary < 0 || stable + canary == 0 {
        return None;
    }
    let total = (stable + canary) as f64;
    let canary_share = canary as f64 / total;
    Some((1.0 - canary_share, canary_share))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn examples() {
        assert_eq!(shares(90, 10), Some((0.9, 0.1)));
        assert_eq!(shares(9, 1).map(|s| s.1), Some(0.1));
        assert_eq!(shares(0, 5), Some((0.0, 1.0)));
        assert_eq!(shares(5, 0), Some((1.0, 0.0)));
        assert_eq!(shares(0, 0), None);
        assert_eq!(shares(-1, 5), None);
    }

    proptest! {
        #[test]
        fn shares_sum_to_one_and_ignore_scale(s in 0i64..=999, c in 0i64..=999, k in 1i64..=100) {
            prop_assume!(s + c > 0);
            let (a, b) = shares(s, c).unwrap();
            prop_assert!((a + b - 1.0).abs() < 1e-12);
            prop_assert!((0.0..=1.0).contains(&a) && (0.0..=1.0).contains(&b));
            let (a2, b2) = shares(s * k, c * k).unwrap();
            prop_assert!((a - a2).abs() < 1e-12 && (b - b2).abs() < 1e-12);
        }
    }
}
