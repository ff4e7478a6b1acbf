//! How many responses a one-shot (fixed-n) design needs, reported next to the
//! sequential test's actual usage.
//!
//! * Interior share (TOST normal approximation; Chow, Shao & Wang 2008, *Sample Size
//!   Calculations in Clinical Research*, §4.2, one-sample equivalence): for the rule
//!   "the `(1 − α)` interval lies inside `p0 ± m`" to PASS with probability `power`
//!   when the true share is `p0`,
//!   `n = ⌈(z_{1−α/2} + z_{1−β/2})² · p0 (1 − p0) / m²⌉`, `β = 1 − power`. When one
//!   edge of the band lies beyond `[0, 1]` only one one-sided test can fail and
//!   `z_{1−β}` replaces `z_{1−β/2}`.
//! * Weight 0 or 100: with no hits the exact upper bound `1 − α^(1/n)` is ≤ `m` from
//!   `n = ⌈ln α / ln(1 − m)⌉` on (≈ 3/m at α = 0.05).

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

use statrs::distribution::{Binomial, DiscreteCDF};

use super::equivalence::Band;
use super::group_sequential::LookRule;
use super::z_quantile;

/// Power the fixed-n comparison design is sized for: the probability of reaching
/// the correct verdict that the sequential test is held to (its simulations require
/// ≥ 99 % detection of a shifted split and reach PASS in ≥ 99 % of healthy runs
/// within the default budget). Sample sizes are only comparable at equal error rates
/// and equal power (Jennison & Turnbull 2000, §1.3 and ch. 2).
pub const FIXED_N_POWER: f64 = 0.99;

/// Responses a one-shot design needs to PASS a healthy split with probability `power`.
/// Returns 0 for invalid inputs; for `p0` of 0 or 1 it is [`zero_weight_n`].
pub fn fixed_n_tost(p0: f64, margin: f64, alpha: f64, power: f64) -> u64 {
    let valid = |x: f64| x.is_finite() && x > 0.0 && x < 1.0;
    if !(valid(margin) && valid(alpha) && valid(power) && (0.0..=1.0).contains(&p0)) {
        return 0;
    }
    if p0 == 0.0 || p0 == 1.0 {
        return zero_weight_n(margin, alpha);
    }
    let beta = 1.0 - power;
    let two_sided = p0 - margin > 0.0 && p0 + margin < 1.0;
    let z_beta = if two_sided {
        z_quantile(1.0 - beta / 2.0)
    } else {
        z_quantile(1.0 - beta)
    };
    let z = z_quantile(1.0 - alpha / 2.0) + z_beta;
    (z * z * p0 * (1.0 - p0) / (margin * margin)).ceil() as u64
}

/// Responses with no hit needed for the exact `(1 − alpha)` upper bound to reach
/// `margin`: `⌈ln α / ln(1 − m)⌉`.
pub fn zero_weight_n(margin: f64, alpha: f64) -> u64 {
    if !(margin > 0.0 && margin < 1.0 && alpha > 0.0 && alpha < 1.0) {
        return 0;
    }
    // Guard against 228.0000001 rounding up to 229 through floating-point noise.
    let n = alpha.ln() / (-margin).ln_1p();
    (n - 1e-9).ceil().max(1.0) as u64
}

/// What a one-shot design is sized to conclude.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Goal {
    /// The `(1 − α)` Clopper–Pearson interval lies inside the band (PASS).
    Inside,
    /// The interval lies entirely outside the band (FAIL).
    Outside,
}

/// Exact probability that a one-shot test on `n` responses with true share `truth`
/// reaches `goal`: the binomial mass of the counts `x` whose interval
/// `clopper_pearson(x, n, alpha)` satisfies it (the bounds are monotone in `x`, so
/// those counts form one range, or two tails for [`Goal::Outside`]; they are found
/// through the test duality of [`LookRule`]).
pub fn exact_power(n: u64, truth: f64, band: Band, alpha: f64, goal: Goal) -> f64 {
    let Ok(dist) = Binomial::new(truth.clamp(0.0, 1.0), n) else {
        return 0.0;
    };
    let cdf = |x: u64| if x == 0 { 0.0 } else { dist.cdf(x - 1) };
    // Counts `x` with `x < k` have probability `cdf(k)`.
    let rule = LookRule::new(n, band, alpha);
    let p = match goal {
        Goal::Inside if rule.pass.0 <= rule.pass.1 => cdf(rule.pass.1 + 1) - cdf(rule.pass.0),
        Goal::Inside => 0.0,
        Goal::Outside => (1.0 - cdf(rule.fail_above)) + cdf(rule.fail_below),
    };
    p.clamp(0.0, 1.0)
}

/// Smallest `n` (up to `limit`) at which a one-shot test reaches `goal` with at least
/// `power`, by exact binomial computation ([`exact_power`]); galloping then bisection,
/// so where the power saw-tooths in `n` the answer can be a few responses off. `None`
/// when `limit` does not suffice.
pub fn fixed_n_exact(
    truth: f64,
    band: Band,
    alpha: f64,
    power: f64,
    goal: Goal,
    limit: u64,
) -> Option<u64> {
    type Key = (u64, u64, u64, u64, u64, Goal, u64);
    static CACHE: OnceLock<Mutex<HashMap<Key, Option<u64>>>> = OnceLock::new();
    let key = (
        truth.to_bits(),
        band.center.to_bits(),
        band.margin.to_bits(),
        alpha.to_bits(),
        power.to_bits(),
        goal,
        limit,
    );
    let cache = CACHE.get_or_init(Mutex::default);
    if let Some(&n) = cache.lock().unwrap_or_else(|p| p.into_inner()).get(&key) {
        return n;
    }
    let n = smallest_sufficient(limit, |n| exact_power(n, truth, band, alpha, goal) >= power);
    cache
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .insert(key, n);
    n
}

/// Smallest `n` ≤ `limit` with `ok(n)` for a predicate that is (roughly) false then
/// true: galloping from 8, then bisection.
fn smallest_sufficient(limit: u64, ok: impl Fn(u64) -> bool) -> Option<u64> {
    let mut hi = 8u64;
    while !ok(hi) {
        if hi >= limit {
            return None;
        }
        hi = (hi * 2).min(limit);
    }
    let mut lo = hi / 2;
    while lo + 1 < hi {
        let mid = lo + (hi - lo) / 2;
        if ok(mid) { hi = mid } else { lo = mid }
    }
    Some(hi)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::binomial::zero_hits_upper_bound;
    use proptest::prelude::*;

    #[test]
    fn known_sizes() {
        // (2.5758 + 1.6449)² · 0.09 / 0.0004 = 4008.2 → 4009.
        assert_eq!(fixed_n_tost(0.1, 0.02, 0.01, 0.9), 4009);
        // 50/50: (4.2207)² · 0.25 / 0.0004 = 11134.
        let n = fixed_n_tost(0.5, 0.02, 0.01, 0.9);
        assert!((11_130..=11_140).contains(&n), "{n}");
        // 99/1: lower edge below 0 → z_{0.9} = 1.2816: (3.8573)² · 0.0099 / 0.0004 = 368.3.
        assert_eq!(fixed_n_tost(0.01, 0.02, 0.01, 0.9), 369);
        // Weight 0: ln(0.01)/ln(0.98) = 227.9 → 228; rule of three at 95 %: ≈ 3/m.
        assert_eq!(zero_weight_n(0.02, 0.01), 228);
        assert_eq!(fixed_n_tost(0.0, 0.02, 0.01, 0.9), 228);
        assert_eq!(zero_weight_n(0.01, 0.05), 299);
        assert_eq!(fixed_n_tost(0.1, 0.0, 0.01, 0.9), 0);
    }

    #[test]
    fn exact_sizes_agree_with_the_normal_approximation_where_it_holds() {
        let band = Band {
            center: 0.5,
            margin: 0.02,
        };
        let exact = fixed_n_exact(0.5, band, 0.01, 0.9, Goal::Inside, 1_000_000).unwrap();
        let approx = fixed_n_tost(0.5, 0.02, 0.01, 0.9);
        assert!(
            (exact as f64 / approx as f64 - 1.0).abs() < 0.05,
            "{exact} vs {approx}"
        );
        assert!(exact_power(exact, 0.5, band, 0.01, Goal::Inside) >= 0.9);
        // Weight 0: the exact answer is the zero-hit requirement.
        let band = Band {
            center: 0.0,
            margin: 0.02,
        };
        let n = fixed_n_exact(0.0, band, 0.02, 0.9, Goal::Inside, 10_000).unwrap();
        assert!((n as i64 - 228).abs() <= 1, "{n}");
        // FAIL power: 15 % against 10 % ± 2 % is detected with few responses.
        let band = Band {
            center: 0.1,
            margin: 0.02,
        };
        let n = fixed_n_exact(0.15, band, 0.01, 0.9, Goal::Outside, 100_000).unwrap();
        assert!((1_500..3_000).contains(&n), "{n}");
        assert!(exact_power(n, 0.1, band, 0.01, Goal::Outside) < 0.01);
    }

    proptest! {
        #[test]
        fn zero_weight_n_is_the_smallest_sufficient(m in 0.001f64..0.5, alpha in 0.0001f64..0.5) {
            let n = zero_weight_n(m, alpha);
            prop_assert!(zero_hits_upper_bound(n, alpha) <= m * (1.0 + 1e-9));
            if n > 1 {
                prop_assert!(zero_hits_upper_bound(n - 1, alpha) > m);
            }
        }

        #[test]
        fn tighter_margin_needs_more(p0 in 0.05f64..0.95, m in 0.005f64..0.04) {
            prop_assert!(fixed_n_tost(p0, m / 2.0, 0.01, 0.9) >= fixed_n_tost(p0, m, 0.01, 0.9));
        }
    }
}
