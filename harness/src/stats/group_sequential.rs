//! Exact group-sequential calibration of the split test: one nominal level for the
//! Clopper–Pearson interval of every look, chosen by exact binomial computation so
//! that the whole sequence of looks errs no more often than one `(1 − α)` interval.
//!
//! # Method: repeated confidence intervals at a calibrated constant nominal level
//!
//! The looks happen at request counts `n_1 < … < n_K` fixed in advance by the
//! configuration (a geometric schedule up to the budget). Every look computes the
//! two-sided Clopper–Pearson interval at the same nominal level `1 − α'` and applies
//! the split rule: PASS when it lies inside the band `[L, H] = [p0 − m, p0 + m]`, FAIL
//! when it lies wholly outside, otherwise the next look. This is Pocock's constant
//! nominal level (Pocock 1977, "Group sequential methods in the design and analysis of
//! clinical trials", Biometrika 64(2)) applied to repeated confidence intervals
//! (Jennison & Turnbull 1989, JRSS B 51(3); *Group Sequential Methods with
//! Applications to Clinical Trials*, 2000, ch. 9), with the boundary computed exactly
//! for binomial data (ibid. ch. 12 and 19) instead of from the normal approximation.
//!
//! By the duality of Clopper–Pearson intervals and exact binomial tests, the interval
//! at `x` hits of `n` satisfies `low ≥ L` iff `P(Bin(n, L) ≥ x) ≤ α'/2` and
//! `high ≤ H` iff `P(Bin(n, H) ≤ x) ≤ α'/2`, so every look stops on a range of `x`
//! (PASS) or on two tails (FAIL), and the distribution of the running count among the
//! runs that have not stopped is carried from look to look by convolution with the
//! binomial increment (Armitage, McPherson & Rowe 1969, JRSS A 132(2), "Repeated
//! significance tests on accumulating data", recursion). That gives, with no
//! simulation, the exact probability of each verdict and the expected number of
//! requests for any true share.
//!
//! Both error types are decided at the band edges: a wrong PASS needs the true share
//! outside `[L, H]`, and its probability is largest just outside an edge; a wrong FAIL
//! needs the truth inside, and its probability is largest at an edge (the count is
//! stochastically monotone in the true share). `α'` is the largest nominal level (to
//! [`CALIBRATION_STEPS`] halvings of a log-scale bracket) for which, at each edge
//! inside `(0, 1)`, both `P(PASS)` and `P(FAIL)` are at most `α/2` — the guarantee a
//! single `(1 − α)` interval gives on each side. The bracket starts at the Bonferroni
//! level `α/K` (valid whatever the correlation of the looks) and at `α`; the
//! calibrated level lies between and is far nearer `α/K` than `α` only when the looks
//! are few and far apart. Looks are highly correlated (consecutive counts share most
//! of their requests), which is what the union bound throws away and this recovers.

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

use statrs::distribution::{Binomial, Discrete, DiscreteCDF};

use super::equivalence::Band;

/// Bisection steps on `ln α'` when calibrating (bracket `[ln(α/K), ln α]`: 2^-14 of
/// its width is far below any effect on the error rate).
pub const CALIBRATION_STEPS: u32 = 14;
/// Probability mass below which a tail of the carried distribution is dropped.
const NEGLIGIBLE_MASS: f64 = 1e-16;
/// Standard deviations of a binomial increment kept on each side of its mean.
const INCREMENT_SDS: f64 = 12.0;

/// Which counts stop a look, for one look at `n` responses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LookRule {
    /// Responses at the look.
    pub n: u64,
    /// PASS for `pass.0 ≤ x ≤ pass.1` (empty when `pass.0 > pass.1`).
    pub pass: (u64, u64),
    /// FAIL for `x ≥ fail_above` (`n + 1` when impossible).
    pub fail_above: u64,
    /// FAIL for `x < fail_below` (0 when impossible).
    pub fail_below: u64,
}

/// `P(Bin(n, p) ≥ x)`.
fn upper_tail(dist: &Binomial, x: u64) -> f64 {
    if x == 0 { 1.0 } else { dist.sf(x - 1) }
}

/// Smallest `x` in `0..=n + 1` with `pred(x)`, for a predicate false then true.
fn first_true(n: u64, pred: impl Fn(u64) -> bool) -> u64 {
    let (mut lo, mut hi) = (0, n + 1);
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        if pred(mid) { hi = mid } else { lo = mid + 1 }
    }
    lo
}

impl LookRule {
    /// The stopping counts of the split rule with `(1 − nominal)` Clopper–Pearson
    /// intervals at `n` responses (through the test duality in the module doc).
    pub fn new(n: u64, band: Band, nominal: f64) -> Self {
        let a = nominal / 2.0;
        let (low, high) = (band.low(), band.high());
        let at = |p: f64| Binomial::new(p, n).ok();
        let (lo_dist, hi_dist) = (
            (low > 0.0 && low < 1.0).then(|| at(low)).flatten(),
            (high > 0.0 && high < 1.0).then(|| at(high)).flatten(),
        );
        // low(x) ≥ L  ⟺  P(Bin(n, L) ≥ x) ≤ a   (always true when L ≤ 0).
        let pass_from = match &lo_dist {
            Some(d) => first_true(n, |x| upper_tail(d, x) <= a),
            None if low <= 0.0 => 0,
            None => n + 1,
        };
        // high(x) ≤ H  ⟺  P(Bin(n, H) ≤ x) ≤ a   (always true when H ≥ 1).
        let pass_to = match &hi_dist {
            Some(d) => first_true(n, |x| x > n || d.cdf(x) > a).checked_sub(1),
            None if high >= 1.0 => Some(n),
            None => None,
        };
        // low(x) > H  ⟺  P(Bin(n, H) ≥ x) < a.
        let fail_above = match &hi_dist {
            Some(d) => first_true(n, |x| x > n || upper_tail(d, x) < a),
            None => n + 1,
        };
        // high(x) < L  ⟺  P(Bin(n, L) ≤ x) < a.
        let fail_below = match &lo_dist {
            Some(d) => first_true(n, |x| x > n || d.cdf(x) >= a),
            None => 0,
        };
        let pass = match pass_to {
            Some(to) => (pass_from, to),
            None => (1, 0),
        };
        LookRule {
            n,
            pass,
            fail_above,
            fail_below,
        }
    }
}

/// Exact operating characteristics of a schedule for one true share.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Operating {
    /// Probability of a PASS verdict.
    pub pass: f64,
    /// Probability of a FAIL verdict.
    pub fail: f64,
    /// Expected responses until the verdict (the budget when none is reached).
    pub expected_n: f64,
}

/// The binomial increment `Bin(dn, p)` on the window where it has mass.
fn increment(dn: u64, p: f64) -> (u64, Vec<f64>) {
    let Ok(dist) = Binomial::new(p.clamp(0.0, 1.0), dn) else {
        return (0, vec![1.0]);
    };
    let mean = dn as f64 * p;
    let sd = (mean * (1.0 - p)).sqrt();
    let from = (mean - INCREMENT_SDS * sd - 2.0).floor().max(0.0) as u64;
    let to = ((mean + INCREMENT_SDS * sd + 2.0).ceil() as u64).min(dn);
    (from, (from..=to).map(|k| dist.pmf(k)).collect())
}

/// Exact probability of PASS and FAIL and the expected sample size when the true share
/// is `truth` and the looks use `rules` (Armitage–McPherson–Rowe recursion).
pub fn operating(rules: &[LookRule], truth: f64) -> Operating {
    // mass[i] = P(count = offset + i and no verdict yet).
    let (mut offset, mut mass) = (0u64, vec![1.0f64]);
    let (mut prev, mut pass, mut fail, mut expected) = (0u64, 0.0, 0.0, 0.0);
    for rule in rules {
        let (inc_from, inc) = increment(rule.n.saturating_sub(prev), truth);
        let mut next = vec![0.0; mass.len() + inc.len() - 1];
        for (i, &m) in mass.iter().enumerate() {
            if m == 0.0 {
                continue;
            }
            for (j, &q) in inc.iter().enumerate() {
                next[i + j] += m * q;
            }
        }
        offset += inc_from;
        let mut stopped = 0.0;
        for (i, m) in next.iter_mut().enumerate() {
            let x = offset + i as u64;
            let passes = rule.pass.0 <= x && x <= rule.pass.1;
            let fails = x >= rule.fail_above || x < rule.fail_below;
            if passes {
                pass += *m;
            } else if fails {
                fail += *m;
            } else {
                continue;
            }
            stopped += *m;
            *m = 0.0;
        }
        expected += stopped * rule.n as f64;
        // Trim the negligible tails so the vector stays a few standard deviations wide.
        let first = next.iter().position(|&m| m > NEGLIGIBLE_MASS);
        let last = next.iter().rposition(|&m| m > NEGLIGIBLE_MASS);
        match (first, last) {
            (Some(a), Some(b)) => {
                offset += a as u64;
                mass = next[a..=b].to_vec();
            }
            _ => {
                mass = vec![0.0];
            }
        }
        prev = rule.n;
    }
    let open: f64 = mass.iter().sum();
    expected += open * prev as f64;
    Operating {
        pass: pass.clamp(0.0, 1.0),
        fail: fail.clamp(0.0, 1.0),
        expected_n: expected,
    }
}

/// The stopping rules of every look at nominal level `nominal`.
pub fn rules(looks: &[u64], band: Band, nominal: f64) -> Vec<LookRule> {
    looks
        .iter()
        .map(|&n| LookRule::new(n, band, nominal))
        .collect()
}

/// The largest error probability of either kind at the band edges inside `(0, 1)`.
pub fn edge_error(looks: &[u64], band: Band, nominal: f64) -> f64 {
    let rules = rules(looks, band, nominal);
    [band.low(), band.high()]
        .into_iter()
        .filter(|&e| e > 0.0 && e < 1.0)
        .map(|e| {
            let op = operating(&rules, e);
            op.pass.max(op.fail)
        })
        .fold(0.0, f64::max)
}

type Key = (u64, u64, u64, Vec<u64>);

/// The calibrated nominal level `α'` for `looks` (module doc): the largest level
/// whose edge errors stay at or below `alpha / 2`. Memoised per (band, alpha, looks):
/// a verify run computes it once; simulations reuse it.
pub fn calibrate(looks: &[u64], band: Band, alpha: f64) -> f64 {
    static CACHE: OnceLock<Mutex<HashMap<Key, f64>>> = OnceLock::new();
    let key = (
        band.center.to_bits(),
        band.margin.to_bits(),
        alpha.to_bits(),
        looks.to_vec(),
    );
    let cache = CACHE.get_or_init(Mutex::default);
    if let Some(&a) = cache.lock().unwrap_or_else(|p| p.into_inner()).get(&key) {
        return a;
    }
    let target = alpha / 2.0;
    let ok = |a: f64| edge_error(looks, band, a) <= target;
    let k = looks.len().max(1) as f64;
    let nominal = if ok(alpha) {
        alpha
    } else {
        // ln(α/K) is valid by Boole's inequality (each side of each look errs ≤ α'/2).
        let (mut lo, mut hi) = ((alpha / k).ln(), alpha.ln());
        for _ in 0..CALIBRATION_STEPS {
            let mid = 0.5 * (lo + hi);
            if ok(mid.exp()) { lo = mid } else { hi = mid }
        }
        lo.exp()
    };
    cache
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .insert(key, nominal);
    nominal
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::binomial::clopper_pearson;
    use crate::stats::equivalence::{Decision, decide};
    use proptest::prelude::*;

    const BAND: Band = Band {
        center: 0.1,
        margin: 0.02,
    };

    #[test]
    fn rules_agree_with_the_interval_rule() {
        for n in [50u64, 333, 1000, 4321] {
            for nominal in [0.01, 0.0013, 0.0002] {
                let r = LookRule::new(n, BAND, nominal);
                for x in 0..=n {
                    let by_rule = if r.pass.0 <= x && x <= r.pass.1 {
                        Decision::Inside
                    } else if x >= r.fail_above || x < r.fail_below {
                        Decision::Outside
                    } else {
                        Decision::Undecided
                    };
                    let by_interval = decide(clopper_pearson(x, n, nominal), BAND);
                    assert_eq!(by_rule, by_interval, "n={n} x={x} a={nominal}");
                }
            }
        }
    }

    #[test]
    fn one_look_is_the_exact_fixed_sample_test() {
        // One look: P(PASS) equals the binomial mass of the pass range.
        let n = 4000;
        let rule = LookRule::new(n, BAND, 0.01);
        let op = operating(&[rule], 0.1);
        let d = Binomial::new(0.1, n).unwrap();
        let direct = d.cdf(rule.pass.1) - d.cdf(rule.pass.0 - 1);
        assert!((op.pass - direct).abs() < 1e-9, "{} vs {direct}", op.pass);
        assert!((op.expected_n - n as f64).abs() < 1e-6);
    }

    #[test]
    fn calibration_beats_bonferroni_and_holds_the_edges() {
        let looks: Vec<u64> = (0..20).map(|k| 1000 + 250 * k).collect();
        let alpha = 0.01;
        let a = calibrate(&looks, BAND, alpha);
        let bonferroni = alpha / looks.len() as f64;
        assert!(
            a > 2.0 * bonferroni,
            "calibrated {a} vs Bonferroni {bonferroni}"
        );
        assert!(a < alpha);
        assert!(edge_error(&looks, BAND, a) <= alpha / 2.0);
        // The next step up the bracket would break the guarantee (calibration is tight).
        assert!(edge_error(&looks, BAND, a * 1.05) > alpha / 2.0 * 0.95);
    }

    #[test]
    fn healthy_truth_passes_and_shifted_truth_fails() {
        let looks: Vec<u64> = (1..=30).map(|k| 500 * k).collect();
        let a = calibrate(&looks, BAND, 0.01);
        let rules = rules(&looks, BAND, a);
        let healthy = operating(&rules, 0.1);
        assert!(healthy.pass > 0.99, "{healthy:?}");
        let shifted = operating(&rules, 0.15);
        assert!(shifted.fail > 0.99, "{shifted:?}");
        assert!(shifted.expected_n < healthy.expected_n);
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(24))]
        #[test]
        fn probabilities_are_probabilities(truth in 0.0f64..1.0, first in 20u64..400) {
            let looks: Vec<u64> = (1..=6).map(|k| first * k).collect();
            let op = operating(&rules(&looks, BAND, 0.002), truth);
            prop_assert!(op.pass >= 0.0 && op.fail >= 0.0);
            prop_assert!(op.pass + op.fail <= 1.0 + 1e-9);
            prop_assert!(op.expected_n >= first as f64 - 1e-6);
            prop_assert!(op.expected_n <= (6 * first) as f64 + 1e-6);
        }
    }
}
