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
//! [`CALIBRATION_TOLERANCE`] on `ln α'`) for which, at each edge
//! inside `(0, 1)`, both `P(PASS)` and `P(FAIL)` are at most `α/2` — the guarantee a
//! single `(1 − α)` interval gives on each side. The bracket starts at the Bonferroni
//! level `α/K` (valid whatever the correlation of the looks) and at `α`; the
//! calibrated level lies between and is far nearer `α/K` than `α` only when the looks
//! are few and far apart. Looks are highly correlated (consecutive counts share most
//! of their requests), which is what the union bound throws away and this recovers.
//!
//! The root is found by the Illinois variant of regula falsi (Dowell & Jarratt 1971,
//! BIT 11) on `ln(edge error) − ln(α/2)` against `ln α'`, which is close to linear
//! (the edge error is roughly proportional to a power of `α'`), so a handful of exact
//! recursions replace the dozen-plus of plain bisection; the bracket always keeps a
//! level known to be valid as its lower end (at first the Bonferroni level), and
//! bisection takes over when interpolation stalls on the steps of this discrete
//! function.
//!
//! Written out because statrs has no group-sequential design; the binomial
//! probabilities of each step are statrs'.

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

use statrs::distribution::{Binomial, Discrete, DiscreteCDF};

use super::equivalence::Band;

/// Width of the final bracket on `ln α'` when calibrating: `α'` within 1 % of the
/// largest valid level (the edge errors move by about as much, i.e. ≤ 1 % of `α/2`).
pub const CALIBRATION_TOLERANCE: f64 = 0.01;
/// Interpolation steps before the calibration falls back to bisection.
const REGULA_FALSI_STEPS: u32 = 4;
/// Assumed slope of `ln(edge error)` against `ln α'` before two points are known; a
/// little below the typical ≈ 0.9 so the first probe lands on the valid side.
const SLOPE_GUESS: f64 = 0.8;
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

/// The Armitage–McPherson–Rowe recursion between looks, one look at a time, so that a
/// caller can read the operating characteristics after every look (for a budget that
/// ended there) or stop early.
#[derive(Debug, Clone)]
pub struct Recursion {
    truth: f64,
    /// `mass[i] = P(count = offset + i and no verdict yet)`.
    offset: u64,
    mass: Vec<f64>,
    prev: u64,
    pass: f64,
    fail: f64,
    /// `Σ P(stop at look k) · n_k` over the looks so far.
    stopped_n: f64,
}

impl Recursion {
    /// Before the first look, with true share `truth`.
    pub fn new(truth: f64) -> Self {
        Recursion {
            truth,
            offset: 0,
            mass: vec![1.0],
            prev: 0,
            pass: 0.0,
            fail: 0.0,
            stopped_n: 0.0,
        }
    }

    /// The operating characteristics of a schedule whose budget ends at the last look
    /// applied (the open runs end INCONCLUSIVE there).
    pub fn current(&self) -> Operating {
        let open: f64 = self.mass.iter().sum();
        Operating {
            pass: self.pass.clamp(0.0, 1.0),
            fail: self.fail.clamp(0.0, 1.0),
            expected_n: self.stopped_n + open * self.prev as f64,
        }
    }

    /// Applies one look (at `rule.n > ` the previous look) and returns [`Self::current`].
    pub fn look(&mut self, rule: &LookRule) -> Operating {
        let (inc_from, inc) = increment(rule.n.saturating_sub(self.prev), self.truth);
        let mut next = vec![0.0; self.mass.len() + inc.len() - 1];
        for (i, &m) in self.mass.iter().enumerate() {
            if m == 0.0 {
                continue;
            }
            for (out, &q) in next[i..i + inc.len()].iter_mut().zip(&inc) {
                *out += m * q;
            }
        }
        self.offset += inc_from;
        let mut stopped = 0.0;
        for (i, m) in next.iter_mut().enumerate() {
            let x = self.offset + i as u64;
            if rule.pass.0 <= x && x <= rule.pass.1 {
                self.pass += *m;
            } else if x >= rule.fail_above || x < rule.fail_below {
                self.fail += *m;
            } else {
                continue;
            }
            stopped += *m;
            *m = 0.0;
        }
        self.stopped_n += stopped * rule.n as f64;
        // Trim the negligible tails so the vector stays a few standard deviations wide.
        let first = next.iter().position(|&m| m > NEGLIGIBLE_MASS);
        let last = next.iter().rposition(|&m| m > NEGLIGIBLE_MASS);
        match (first, last) {
            (Some(a), Some(b)) => {
                self.offset += a as u64;
                self.mass = next[a..=b].to_vec();
            }
            _ => self.mass = vec![0.0],
        }
        self.prev = rule.n;
        self.current()
    }
}

/// Exact probability of PASS and FAIL and the expected sample size when the true share
/// is `truth` and the looks use `rules` ([`Recursion`] over all of them).
pub fn operating(rules: &[LookRule], truth: f64) -> Operating {
    let mut r = Recursion::new(truth);
    for rule in rules {
        r.look(rule);
    }
    r.current()
}

/// The stopping rules of every look at nominal level `nominal`.
pub fn rules(looks: &[u64], band: Band, nominal: f64) -> Vec<LookRule> {
    looks
        .iter()
        .map(|&n| LookRule::new(n, band, nominal))
        .collect()
}

/// The largest error probability of either kind at the band edges inside `(0, 1)`.
/// The two edges are independent recursions and run on two threads.
pub fn edge_error(looks: &[u64], band: Band, nominal: f64) -> f64 {
    let rules = rules(looks, band, nominal);
    let error_at = |e: f64| {
        if e > 0.0 && e < 1.0 {
            let op = operating(&rules, e);
            op.pass.max(op.fail)
        } else {
            0.0
        }
    };
    std::thread::scope(|scope| {
        let high = scope.spawn(|| error_at(band.high()));
        let low = error_at(band.low());
        // A panic in the recursion is a bug; surface it on this thread.
        let high = high.join().unwrap_or_else(|p| std::panic::resume_unwind(p));
        low.max(high)
    })
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
    // ln(edge error / target): ≤ 0 exactly when the level is valid.
    let excess = |ln_a: f64| (edge_error(looks, band, ln_a.exp()).max(1e-300) / target).ln();
    let k = looks.len().max(1) as f64;
    let at_alpha = excess(alpha.ln());
    let nominal = if at_alpha <= 0.0 {
        alpha
    } else {
        // ln(α/K) is valid by Boole's inequality (each side of each look errs ≤ α'/2).
        largest_valid((alpha / k).ln(), (alpha.ln(), at_alpha), excess).exp()
    };
    cache
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .insert(key, nominal);
    nominal
}

/// The largest `x` in `[lo, hi.0]` (to [`CALIBRATION_TOLERANCE`]) with `f(x) ≤ 0`, for
/// `f` non-decreasing with `f(lo) ≤ 0 < f(hi)`. While `f` is known at the upper end
/// only, the probe assumes slope [`SLOPE_GUESS`]; then Illinois regula falsi;
/// bisection after [`REGULA_FALSI_STEPS`] (the function is a step function near its
/// root, where interpolation stalls). Returns the lower end of the final bracket.
fn largest_valid(lo: f64, hi: (f64, f64), f: impl Fn(f64) -> f64) -> f64 {
    let (mut a, mut fa) = (lo, None::<f64>);
    let (mut b, mut fb) = hi;
    // Which end moved last: +1 the upper, −1 the lower (Illinois halves the other's f).
    let mut last = 0i8;
    let mut steps = 0;
    while b - a > CALIBRATION_TOLERANCE {
        let width = b - a;
        let guess = match fa {
            _ if steps >= REGULA_FALSI_STEPS => None,
            None => Some(b - fb / SLOPE_GUESS),
            Some(fa) if fa < 0.0 => Some(b - fb * width / (fb - fa)),
            Some(_) => None,
        };
        // Keep the probe inside the bracket so that it always shrinks.
        let x = guess.map_or(0.5 * (a + b), |x| {
            x.clamp(a + 0.01 * width, b - 0.01 * width)
        });
        steps += 1;
        let fx = f(x);
        if fx <= 0.0 {
            (a, fa) = (x, Some(fx));
            if last == -1 {
                fb *= 0.5;
            }
            last = -1;
        } else {
            (b, fb) = (x, fx);
            if last == 1 {
                fa = fa.map(|v| 0.5 * v);
            }
            last = 1;
        }
    }
    a
}

#[cfg(test)]
mod tests;
