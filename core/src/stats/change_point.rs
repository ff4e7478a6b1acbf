//! Did the canary share move during sampling? A test of "one share throughout" against
//! "one share up to some point, another after it", on the counts between checkpoints.
//!
//! The listener weights are read once, before sampling, but an ALB applies a weight
//! change node by node over seconds, and a deployment pipeline may change the weights
//! while the harness samples. Pooling responses from before and after such a step
//! mixes two shares, and the split test would judge a share nobody configured. This
//! module finds the step; `checks::split` leaves the data before it out.
//!
//! # Model and statistic
//!
//! The responses are cut into consecutive segments `i = 1..k` (checkpoints of the
//! sampler), with `n_i` attributed responses and `x_i` canary hits. Homogeneity `H0`:
//! every response is canary with one probability `p`, independently. One change
//! (at most one change, "AMOC"): the probability is `p1` up to a segment boundary `τ`
//! and `p2 ≠ p1` after it. With `S_τ, N_τ` the hits and responses up to `τ` and `X, N`
//! the totals, the generalised likelihood-ratio statistic of a change at `τ` is
//!
//! ```text
//! Λ_τ = 2 [ ℓ(S_τ, N_τ) + ℓ(X − S_τ, N − N_τ) − ℓ(X, N) ],   ℓ(x, n) = x ln(x/n) + (n − x) ln(1 − x/n)
//! ```
//!
//! (Hinkley & Hinkley 1970, "Inference about the change-point in a sequence of binomial
//! variables", Biometrika 57(3); Worsley 1983, "The power of likelihood ratio and
//! cumulative sum tests for a change in a binomial probability", Biometrika 70(2)),
//! and `τ̂ = argmax Λ_τ` is the maximum-likelihood change point. [`scan`] returns `τ̂`
//! with the shares before and after it.
//!
//! Where exactly the share changed is less certain than whether it did. The
//! likelihood-ratio confidence set of the change point (Siegmund 1988, "Confidence
//! sets in change-point problems", International Statistical Review 56(1)) holds the
//! boundaries whose statistic is within [`CHANGE_SET_DROP`] of the maximum; the last
//! of them, [`Change::last_plausible`], is where data certainly from after the change
//! may start.
//!
//! # Calibration: exact conditional p-value, Boole's inequality over the scans
//!
//! Under `H0` the responses are exchangeable, so given the total `X` the hits up to `τ`
//! follow the hypergeometric law `S_τ ~ H(N, X, N_τ)` whatever `p` is — the
//! conditioning that makes the binomial change-point test exact (Worsley 1983, §2;
//! Worsley 1986, "Confidence regions and tests for a change-point in a sequence of
//! exponential family random variables", Biometrika 73(1)). The two-sided conditional
//! p-value at `τ̂` is `π = min(1, 2 · min(P(S ≤ s), P(S ≥ s)))`, computed exactly by
//! [`hypergeometric_tail`]. For every fixed boundary `τ`, `P(π_τ ≤ c | X) ≤ c`; and
//! `π_τ̂ ≤ c` implies `π_τ ≤ c` for some `τ`. A run that scans at most `B`
//! (look, boundary) pairs and declares a change when `π_τ̂ ≤ γ / B` therefore raises a
//! false alarm on homogeneous data with probability at most `γ`
//! ([`CHANGE_FALSE_ALARM`]) by Boole's inequality, for every `p` and every sample size,
//! with no approximation. The bound is conservative (the scans are positively
//! correlated); the simulations in the tests measure the actual rate.
//!
//! Why [`hypergeometric_tail`] is written out rather than statrs' `Hypergeometric`
//! `cdf`/`sf`: those sum every term of the tail, each from three log-gamma calls,
//! and return a tail through the mode by summing it directly; the scan evaluates this
//! tail for every boundary at every look, so it sums from `s` outward by the ratio of
//! consecutive terms, stops once they no longer count, and takes a tail through the
//! mode as one minus the far one. The log-probability it starts from is statrs'.

use statrs::function::factorial::ln_binomial;

/// Largest probability that the monitor declares a change in a run whose share never
/// moved (the `γ` of the module doc, split over all scans of the run by Boole's
/// inequality). A false alarm restarts the sequential test on the later data, so it
/// costs requests, not a wrong verdict; at `1e-4` it moves a verdict probability by at
/// most that much.
pub const CHANGE_FALSE_ALARM: f64 = 1e-4;

/// Width of the change point's likelihood-ratio confidence set on the `Λ` scale: a
/// boundary belongs to it when `Λ_τ ≥ Λ_τ̂ − CHANGE_SET_DROP`. `2 ln 10⁴`: a boundary
/// whose likelihood is 10⁴ times below the best (for a fixed alternative, the
/// likelihood ratio exceeds 10⁴ with probability at most 10⁻⁴ by Markov's inequality,
/// its mean being 1).
pub const CHANGE_SET_DROP: f64 = 18.420_680_743_952_367;

/// Terms of a hypergeometric tail below this fraction of the running sum end the sum
/// (the terms decrease geometrically once past the mode).
const TAIL_TOLERANCE: f64 = 1e-17;

/// The counts between two checkpoints.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Segment {
    /// Attributed responses.
    pub n: u64,
    /// Canary hits among them.
    pub hits: u64,
}

/// The most likely change point of a sequence of segments and its exact p-value.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Change {
    /// Segments before the change (the change lies between segment `boundary − 1` and
    /// segment `boundary`, counting from 0).
    pub boundary: usize,
    /// The likelihood-ratio statistic `Λ_τ̂`.
    pub statistic: f64,
    /// The last boundary of the confidence set (module doc), `≥ boundary`.
    pub last_plausible: usize,
    /// Two-sided conditional p-value at `τ̂` (module doc).
    pub p_value: f64,
    /// Responses and hits before the change.
    pub before: Segment,
    /// Responses and hits after the change.
    pub after: Segment,
}

impl Change {
    /// Observed canary share before the change.
    pub fn share_before(&self) -> f64 {
        share(self.before)
    }

    /// Observed canary share after the change.
    pub fn share_after(&self) -> f64 {
        share(self.after)
    }
}

fn share(s: Segment) -> f64 {
    if s.n == 0 {
        0.0
    } else {
        s.hits as f64 / s.n as f64
    }
}

/// `x ln(x/n) + (n − x) ln(1 − x/n)`, the binomial log-likelihood at its maximum
/// (`0 · ln 0 = 0`).
fn max_log_likelihood(x: u64, n: u64) -> f64 {
    if n == 0 {
        return 0.0;
    }
    let (x, n) = (x as f64, n as f64);
    let term = |a: f64| if a > 0.0 { a * (a / n).ln() } else { 0.0 };
    term(x) + term(n - x)
}

/// The maximum-likelihood change point of `segments` and its exact conditional
/// p-value, or `None` when there is no boundary between two non-empty parts or the
/// data cannot show a change (no hits at all, or only hits).
pub fn scan(segments: &[Segment]) -> Option<Change> {
    let total = segments.iter().fold(Segment::default(), |a, s| Segment {
        n: a.n + s.n,
        hits: a.hits + s.hits,
    });
    if total.hits == 0 || total.hits == total.n {
        return None;
    }
    let whole = max_log_likelihood(total.hits, total.n);
    let mut before = Segment::default();
    // (boundary, Λ, counts before it) for every boundary between non-empty parts.
    let mut stats: Vec<(usize, f64, Segment)> = Vec::with_capacity(segments.len());
    for (i, s) in segments
        .iter()
        .enumerate()
        .take(segments.len().saturating_sub(1))
    {
        before.n += s.n;
        before.hits += s.hits;
        if before.n == 0 || before.n == total.n {
            continue;
        }
        let lr = 2.0
            * (max_log_likelihood(before.hits, before.n)
                + max_log_likelihood(total.hits - before.hits, total.n - before.n)
                - whole);
        stats.push((i + 1, lr.max(0.0), before));
    }
    let &(boundary, statistic, before) = stats
        .iter()
        .reduce(|best, x| if x.1 > best.1 { x } else { best })?;
    let last_plausible = stats
        .iter()
        .filter(|x| x.1 >= statistic - CHANGE_SET_DROP)
        .map(|x| x.0)
        .max()
        .unwrap_or(boundary);
    let lower = hypergeometric_tail(total.n, total.hits, before.n, before.hits, false);
    let upper = hypergeometric_tail(total.n, total.hits, before.n, before.hits, true);
    Some(Change {
        boundary,
        statistic,
        last_plausible,
        p_value: (2.0 * lower.min(upper)).min(1.0),
        before,
        after: Segment {
            n: total.n - before.n,
            hits: total.hits - before.hits,
        },
    })
}

/// The per-scan level that keeps the false-alarm probability of a run with at most
/// `scans` (look, boundary) pairs at `gamma` (Boole's inequality, module doc).
pub fn scan_level(gamma: f64, scans: u64) -> f64 {
    gamma / scans.max(1) as f64
}

/// Exact tail of the hypergeometric law `H(population, successes, draws)`:
/// `P(S ≥ s)` when `upper`, else `P(S ≤ s)`.
///
/// The tail on the far side of the mode is summed outward from `s` with the ratio of
/// consecutive probabilities (they decrease away from the mode, so the relative sum
/// stays bounded and the loop ends once the terms no longer count), starting from the
/// exact log-probability at `s`; the tail through the mode is one minus the other.
pub fn hypergeometric_tail(
    population: u64,
    successes: u64,
    draws: u64,
    s: u64,
    upper: bool,
) -> f64 {
    let h = Hypergeometric::new(population, successes, draws);
    if upper && s <= h.lo || !upper && s >= h.hi {
        return 1.0;
    }
    if upper && s > h.hi || !upper && s < h.lo {
        return 0.0;
    }
    let mode = h.mode();
    if upper && s >= mode || !upper && s <= mode {
        h.far_tail(s, upper)
    } else if upper {
        1.0 - h.far_tail(s - 1, false)
    } else {
        1.0 - h.far_tail(s + 1, true)
    }
    .clamp(0.0, 1.0)
}

/// `H(population, successes, draws)` with its support `lo..=hi`.
struct Hypergeometric {
    population: u64,
    successes: u64,
    draws: u64,
    lo: u64,
    hi: u64,
}

impl Hypergeometric {
    fn new(population: u64, successes: u64, draws: u64) -> Self {
        let (k, n) = (successes.min(population), draws.min(population));
        Hypergeometric {
            population,
            successes: k,
            draws: n,
            lo: (n + k).saturating_sub(population),
            hi: n.min(k),
        }
    }

    fn mode(&self) -> u64 {
        let m =
            (self.draws as u128 + 1) * (self.successes as u128 + 1) / (self.population as u128 + 2);
        (m as u64).clamp(self.lo, self.hi)
    }

    fn ln_pmf(&self, s: u64) -> f64 {
        let (big_n, k, n) = (self.population, self.successes, self.draws);
        ln_binomial(k, s) + ln_binomial(big_n - k, n - s) - ln_binomial(big_n, n)
    }

    /// The tail from `s` away from the mode (`s` in the support, on that side).
    fn far_tail(&self, s: u64, upper: bool) -> f64 {
        let (nf, kf, bf) = (
            self.draws as f64,
            self.successes as f64,
            self.population as f64,
        );
        let (mut term, mut sum, mut j) = (1.0f64, 1.0f64, s);
        loop {
            let jf = j as f64;
            if upper {
                if j >= self.hi {
                    break;
                }
                term *= (kf - jf) * (nf - jf) / ((jf + 1.0) * (bf - kf - nf + jf + 1.0));
                j += 1;
            } else {
                if j <= self.lo {
                    break;
                }
                term *= jf * (bf - kf - nf + jf) / ((kf - jf + 1.0) * (nf - jf + 1.0));
                j -= 1;
            }
            sum += term;
            if term < TAIL_TOLERANCE * sum {
                break;
            }
        }
        (self.ln_pmf(s) + sum.ln()).exp()
    }
}

#[cfg(test)]
mod tests;
