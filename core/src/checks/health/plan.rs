//! How many requests health needs, and whether the budget can give them at the
//! configured weights. Without a plan the gate either waits for a sample that cannot
//! come (99/1: ~200 canary responses in 20,000 requests) or judges too small a sample.
//!
//! # The model
//! Canary equal to stable: both variants fail with the same probability `p`, with
//! independent binomial counts, and have the same latency distribution; no edge
//! errors. The error sub-test PASSes when Newcombe's upper bound at `z = Φ⁻¹(1 − α/3)`
//! is below the tolerance `δ`; its probability
//!
//! ```text
//! P_pass(n_s, n_c) = Σ_x Σ_y Bin(x; n_c, p) · Bin(y; n_s, p) · 1[U(x, n_c, y, n_s) < δ]
//! ```
//!
//! is summed over the binomial supports (on a grid of at most [`GRID`] points per
//! variant, weighted by the pmf, once the support is wider than that). The plan is the
//! smallest request count `N` (doubling, then bisection to 0.2 %) whose expected responses
//! `n_c = ⌊N·c⌋`, `n_s = ⌊N·(1 − c)⌋` (`c` the configured canary share) give
//! `P_pass ≥` [`PLAN_POWER`] and at least [`min_latency_responses`] on each side (the
//! p95 upper bound exists only from `ln(α/6) / ln 0.95` responses on). The latency
//! sub-tests' own power depends on the spread of the latencies, unknown before
//! sampling: the operating-characteristic table ([`super::oc`]) measures it.
//!
//! `P_pass` is not monotone in `n` (discreteness), so the search finds a crossing,
//! not always the very first `N`.
//!
//! # Which error rate
//! Before sampling, `p = 0` (the least any plan needs): when even that exceeds the
//! budget, health is NOT_APPLICABLE at these weights and `verify` does not wait. After
//! each batch, `verify` re-plans with the stable error rate observed so far (an
//! internal pilot: Wittes & Brittain 1990, Statistics in Medicine 9(1), 65–72) and
//! samples on until each variant has its planned responses (the split of requests is
//! random; at 0 errors the plan is a sharp threshold on the canary's count). The
//! plan never looks at the canary's errors or latencies, so stopping on it does not
//! inflate the error rates of the one final evaluation.

use statrs::distribution::{Binomial, Discrete};

use crate::stats::newcombe::wilson;
use crate::stats::{quantile, z_quantile};

/// Probability with which a canary equal to stable must PASS at the planned sample.
pub const PLAN_POWER: f64 = 0.99;
/// Number of sub-tests that share α (Bonferroni): errors, median shift, p95 shift.
pub const SUB_TESTS: f64 = 3.0;
/// Largest request count a plan reports (beyond it: "more than this").
pub const MAX_PLAN_REQUESTS: u64 = 1_000_000_000;
/// Most support points summed per variant in [`pass_probability`].
pub const GRID: u64 = 400;

/// Fewest responses per variant for the p95 upper bound to exist at level
/// `1 − α/6`: the upper rank exists iff `0.95ⁿ ≤ α/6`, i.e. `n ≥ ln(α/6) / ln 0.95`
/// (125 at α = 0.01).
pub fn min_latency_responses(alpha: f64) -> u64 {
    let a = alpha / (2.0 * SUB_TESTS);
    let n = (a.ln() / 0.95f64.ln()).ceil().max(1.0) as u64;
    // Guard the rounding of the closed form against the exact rank search.
    (n.saturating_sub(1)..=n + 1)
        .find(|&k| quantile::upper_rank(k, 0.95, a).is_some())
        .unwrap_or(n)
}

/// `(count, weight)` points covering `Bin(n, p)`: the whole support near the mean
/// (± 8σ + 10), thinned to at most [`GRID`] points with pmf-mass weights.
fn grid(n: u64, p: f64) -> Vec<(u64, f64)> {
    let Ok(b) = Binomial::new(p.clamp(0.0, 1.0), n) else {
        return vec![(0, 1.0)];
    };
    let mean = n as f64 * p;
    let sd = (mean * (1.0 - p)).sqrt();
    let lo = (mean - 8.0 * sd - 10.0).max(0.0) as u64;
    let hi = ((mean + 8.0 * sd + 10.0) as u64).min(n);
    let step = ((hi - lo + 1) / GRID).max(1);
    let mut pts: Vec<(u64, f64)> = Vec::new();
    let mut k = lo;
    while k <= hi {
        let end = (k + step - 1).min(hi);
        let w: f64 = (k..=end).map(|j| b.pmf(j)).sum();
        pts.push(((k + end) / 2, w));
        k = end + 1;
    }
    pts
}

/// Probability that the error sub-test PASSes when both variants fail with
/// probability `p` (the model above).
pub fn pass_probability(n_stable: u64, n_canary: u64, p: f64, alpha: f64, tolerance: f64) -> f64 {
    if n_stable == 0 || n_canary == 0 || tolerance <= 0.0 {
        return 0.0;
    }
    let z = z_quantile(1.0 - alpha / SUB_TESTS);
    // U = (p̂_c − p̂_s) + sqrt((u_c − p̂_c)² + (p̂_s − l_s)²): precompute each side's terms.
    let side = |n: u64, upper: bool| -> Vec<(f64, f64, f64)> {
        grid(n, p)
            .into_iter()
            .map(|(k, w)| {
                let share = k as f64 / n as f64;
                let (l, u) = wilson(k, n, z);
                let gap = if upper { u - share } else { share - l };
                (share, gap * gap, w)
            })
            .collect()
    };
    let ys = side(n_stable, false);
    side(n_canary, true)
        .iter()
        .map(|&(pc, a, wx)| {
            wx * ys
                .iter()
                .filter(|&&(ps, b, _)| pc - ps + (a + b).sqrt() < tolerance)
                .map(|&(_, _, wy)| wy)
                .sum::<f64>()
        })
        .sum()
}

/// Expected `(stable, canary)` responses of `requests` at canary share `share`.
pub fn split(requests: u64, share: f64) -> (u64, u64) {
    let c = (requests as f64 * share).floor() as u64;
    (((requests as f64) * (1.0 - share)).floor() as u64, c)
}

/// Smallest request count (see the module doc) at canary share `share` in (0, 1) for
/// which a canary equal to stable at error rate `p` PASSes with probability at least
/// [`PLAN_POWER`]; `None` when no count up to [`MAX_PLAN_REQUESTS`] does.
pub fn required_requests(share: f64, alpha: f64, tolerance: f64, p: f64) -> Option<u64> {
    let valid = share > 0.0 && share < 1.0 && alpha > 0.0 && alpha < 1.0;
    if !valid || tolerance <= 0.0 {
        return None;
    }
    let min_lat = min_latency_responses(alpha);
    let z = z_quantile(1.0 - alpha / SUB_TESTS);
    // Even with no error at all U = z²/(n_c + z²), so n_c > z²(1 − δ)/δ: a floor that is
    // monotone in N, found exactly; with p = 0 it is the plan.
    let min_canary = ((z * z * (1.0 - tolerance) / tolerance).floor() as u64 + 1).max(min_lat);
    let floor_ok = |n: u64| {
        let (s, c) = split(n, share);
        s >= min_lat && c >= min_canary
    };
    if !floor_ok(MAX_PLAN_REQUESTS) {
        return None;
    }
    let (mut lo, mut hi) = (0, MAX_PLAN_REQUESTS);
    while lo + 1 < hi {
        let mid = lo + (hi - lo) / 2;
        if floor_ok(mid) { hi = mid } else { lo = mid }
    }
    let enough = |n: u64| {
        let (s, c) = split(n, share);
        floor_ok(n) && pass_probability(s, c, p, alpha, tolerance) >= PLAN_POWER
    };
    if enough(hi) {
        return Some(hi);
    }
    // Doubling, then bisection to 0.2 % of the answer.
    lo = hi;
    while !enough(hi) {
        if hi >= MAX_PLAN_REQUESTS {
            return None;
        }
        lo = hi;
        hi = (hi * 2).min(MAX_PLAN_REQUESTS);
    }
    while hi - lo > (lo / 500).max(1) {
        let mid = lo + (hi - lo) / 2;
        if enough(mid) { hi = mid } else { lo = mid }
    }
    Some(hi)
}

/// Per-variant `(stable, canary)` responses of [`required_requests`].
pub fn required_responses(share: f64, alpha: f64, tolerance: f64, p: f64) -> Option<(u64, u64)> {
    required_requests(share, alpha, tolerance, p).map(|n| split(n, share))
}

/// Whether health can be decided at these weights within the budget.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Applicability {
    /// The budget gives the planned sample (`needed` requests).
    Applicable {
        /// Planned requests.
        needed: u64,
    },
    /// Only one variant receives traffic (weight 0 on the other side).
    OneVariant,
    /// The budget cannot give the sample; `needed` is what it would take (`None`:
    /// more than [`MAX_PLAN_REQUESTS`]).
    BudgetTooSmall {
        /// Requests the plan needs.
        needed: Option<u64>,
    },
}

/// Applicability from the configured weights (raw listener integers), the request
/// budget, α, the error tolerance and an assumed stable error rate `p` (0 before
/// sampling, the observed stable rate afterwards; see the module doc).
pub fn applicability(
    weights: (i64, i64),
    budget: u64,
    alpha: f64,
    tolerance: f64,
    p: f64,
) -> Applicability {
    let (s, c) = weights;
    if s <= 0 || c <= 0 {
        return Applicability::OneVariant;
    }
    let share = c as f64 / (s + c) as f64;
    match required_requests(share, alpha, tolerance, p) {
        Some(needed) if needed <= budget => Applicability::Applicable { needed },
        needed => Applicability::BudgetTooSmall { needed },
    }
}

/// Stable error rate quoted beside the pre-sampling plan in `verify --plan` (0.1 %).
pub const REFERENCE_ERROR_RATE: f64 = 0.001;

/// The health line of `verify --plan`: the requests it needs before sampling (`None`
/// where it is NOT_APPLICABLE) and a note with the plan at [`REFERENCE_ERROR_RATE`].
pub fn describe(
    weights: (i64, i64),
    budget: u64,
    alpha: f64,
    tolerance: f64,
) -> (Option<u64>, String) {
    let (s, c) = weights;
    let count = crate::checks::split::thousands;
    let fmt = |n: Option<u64>| n.map_or("more than 10^9".into(), count);
    match applicability(weights, budget, alpha, tolerance, 0.0) {
        Applicability::OneVariant => (
            None,
            format!("not applicable: weight {s}/{c}, only one variant receives traffic"),
        ),
        Applicability::BudgetTooSmall { needed } => (
            None,
            format!(
                "not applicable at weight {s}/{c}: PASS needs {} requests even with no errors \
                 (budget {}); a canary shown beyond tolerance still FAILs",
                fmt(needed),
                count(budget)
            ),
        ),
        Applicability::Applicable { needed } => {
            let share = c as f64 / (s + c) as f64;
            let reference = required_requests(share, alpha, tolerance, REFERENCE_ERROR_RATE);
            (
                Some(needed),
                format!(
                    "weight {s}/{c}: P(PASS | canary = stable) ≥ {PLAN_POWER} from {} requests \
                     with no errors, {} at {:.1} % stable errors (re-planned on the observed rate)",
                    count(needed),
                    fmt(reference),
                    100.0 * REFERENCE_ERROR_RATE
                ),
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::newcombe::newcombe;

    #[test]
    fn pass_probability_known_cases() {
        // p = 0: every count is 0, U = z²/(n_c + z²) (Wilson at 0/n_c; stable adds 0).
        // z = Φ⁻¹(1 − 0.01/3) = 2.7131, z² = 7.361: U < 0.01 ⇔ n_c > 728.7.
        assert_eq!(pass_probability(10_000, 729, 0.0, 0.01, 0.01), 1.0);
        assert_eq!(pass_probability(10_000, 728, 0.0, 0.01, 0.01), 0.0);
        assert_eq!(pass_probability(10_000, 5_000, 0.001, 0.01, 0.0), 0.0);
        // More responses, more power (at fixed p).
        let a = pass_probability(9_000, 1_000, 0.001, 0.01, 0.01);
        let b = pass_probability(18_000, 2_000, 0.001, 0.01, 0.01);
        assert!(a < b && b > 0.99, "{a} {b}");
        // Hand check at n_c = 1000: x_c ≤ 1 always passes, x_c = 2 passes only with
        // y ≥ 9 or so (U = 0.00993 at y = 9 by hand), x_c ≥ 3 never: so
        // P(x_c ≤ 1) = 0.7358 < P < P(x_c ≤ 2) = 0.9197.
        assert!(0.7358 < a && a < 0.9197, "{a}");
        // The grid is the full double sum here (supports narrower than GRID).
        let (bs, bc) = (
            Binomial::new(0.001, 9_000).unwrap(),
            Binomial::new(0.001, 1_000).unwrap(),
        );
        let z = z_quantile(1.0 - 0.01 / 3.0);
        let full: f64 = (0..=60u64)
            .flat_map(|x| (0..=80u64).map(move |y| (x, y)))
            .filter(|&(x, y)| newcombe(x, 1_000, y, 9_000, z).1 < 0.01)
            .map(|(x, y)| bc.pmf(x) * bs.pmf(y))
            .sum();
        assert!((a - full).abs() < 1e-9, "{a} {full}");
    }

    #[test]
    fn plan_at_zero_errors_is_the_zero_count_bound() {
        // 50/50 at p = 0: n_c ≥ 729 → N = 1458.
        assert_eq!(required_requests(0.5, 0.01, 0.01, 0.0), Some(1_458));
        assert_eq!(required_responses(0.5, 0.01, 0.01, 0.0), Some((729, 729)));
        // 99/1: n_c = ⌊0.01 N⌋ ≥ 729 → N = 72,900.
        assert_eq!(required_requests(0.01, 0.01, 0.01, 0.0), Some(72_900));
        assert_eq!(min_latency_responses(0.01), 125);
        assert_eq!(required_requests(0.0, 0.01, 0.01, 0.0), None);
        assert_eq!(required_requests(0.5, 0.01, 0.0, 0.0), None);
    }

    #[test]
    fn applicability_at_every_weight() {
        let app = |s, c, p| applicability((s, c), 20_000, 0.01, 0.01, p);
        assert_eq!(app(100, 0, 0.0), Applicability::OneVariant);
        assert_eq!(app(0, 100, 0.0), Applicability::OneVariant);
        assert_eq!(
            app(99, 1, 0.0),
            Applicability::BudgetTooSmall {
                needed: Some(72_900)
            }
        );
        assert!(matches!(
            app(98, 2, 0.0),
            Applicability::BudgetTooSmall { .. }
        ));
        for (s, c) in [(95, 5), (90, 10), (50, 50), (1, 99)] {
            assert!(
                matches!(app(s, c, 0.0), Applicability::Applicable { .. }),
                "{s}/{c}"
            );
        }
        // A higher stable error rate needs more: 95/5 at 0.1 % no longer fits 20,000.
        assert!(matches!(
            app(95, 5, 0.001),
            Applicability::BudgetTooSmall { .. }
        ));
        assert!(matches!(
            app(90, 10, 0.001),
            Applicability::Applicable { .. }
        ));
    }

    #[test]
    fn plan_lines() {
        let (n, note) = describe((90, 10), 20_000, 0.01, 0.01);
        assert_eq!(n, Some(7_290));
        assert!(note.contains("7,290") && note.contains("0.1 %"), "{note}");
        let (n, note) = describe((99, 1), 20_000, 0.01, 0.01);
        assert_eq!(n, None);
        assert!(note.contains("72,900") && note.contains("20,000"), "{note}");
        let (n, note) = describe((0, 100), 20_000, 0.01, 0.01);
        assert!(n.is_none() && note.contains("one variant"), "{note}");
    }
}
