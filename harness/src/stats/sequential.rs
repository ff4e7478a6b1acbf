//! Sequential testing: when to look at the running sample, and how much of `α` each
//! look may spend, so that stopping at the first decisive look keeps the overall error
//! rate at `α`.
//!
//! # Method: Bonferroni alpha spending over a geometric look schedule
//!
//! Looks happen at request counts `n_1 < n_2 < …` fixed in advance (they depend on the
//! configuration only, never on the data). Look `k` uses a Clopper–Pearson interval at
//! level `1 − α_k`, with `α_k = F(n_k) − F(n_{k−1})` taken from the spending function
//!
//! ```text
//! F(n) = α · ln(n / n_0) / ln(N / n_0)   for n_0 < n < N,   F(n) = 0 below, α from N on
//! ```
//!
//! (`N` the request budget, `n_0 = n_1 / r` for the schedule ratio `r`). With the
//! geometric schedule `n_{k+1} = ⌈r · n_k⌉` this spends an equal share on every look —
//! "uniform in log n", Pocock-like in shape — and, because `F` is a function of `n` and
//! not of the look index, it stays valid when the caller looks at other request
//! counts (Lan & DeMets 1983, "Discrete sequential boundaries for clinical trials",
//! Biometrika 70(3), spending-function idea). Since `Σ_k α_k ≤ F(N) = α`, Boole's
//! inequality gives simultaneous coverage: P(some interval of the run misses the true
//! share) ≤ α. Every decision of the split rule requires the current interval to
//! exclude the truth to be wrong, so the error rate of the stopped test is ≤ α no
//! matter at which look it stops. The union bound ignores the strong correlation of
//! the looks and is therefore conservative (the simulation measures it).
//!
//! Chosen over a confidence sequence (Howard, Ramdas, McAuliffe & Sekhon 2021, Ann.
//! Statist. 49(2)) because it keeps exact binomial intervals, is easy to verify, and
//! the number of looks within a 20,000-request budget is small (≈ 15).

/// The spending function `F(n)` described in the module documentation.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LogSpending {
    alpha: f64,
    n0: f64,
    n_max: f64,
}

impl LogSpending {
    /// Spending for a schedule whose first look is at `first_look` and that grows by
    /// `ratio` (> 1) per look, up to the budget `n_max`.
    pub fn new(alpha: f64, first_look: u64, ratio: f64, n_max: u64) -> Self {
        let n_max = n_max.max(1) as f64;
        let ratio = if ratio.is_finite() && ratio > 1.0 {
            ratio
        } else {
            2.0
        };
        let n0 = (first_look.max(1) as f64 / ratio).min(n_max / ratio);
        LogSpending { alpha, n0, n_max }
    }

    /// Total alpha spent by the time `n` requests have been looked at: `F(n)`.
    pub fn spent(&self, n: u64) -> f64 {
        let n = n as f64;
        if n <= self.n0 {
            0.0
        } else if n >= self.n_max {
            self.alpha
        } else {
            self.alpha * (n / self.n0).ln() / (self.n_max / self.n0).ln()
        }
    }

    /// Alpha available to a look at `to` when the previous look was at `from`.
    pub fn increment(&self, from: u64, to: u64) -> f64 {
        (self.spent(to) - self.spent(from)).max(0.0)
    }
}

/// When to look next, as a function of the requests already looked at.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum LookPlan {
    /// First look at `first`, then each look `ratio` times the previous, capped at
    /// `n_max`.
    Geometric {
        /// First look.
        first: u64,
        /// Growth per look (> 1).
        ratio: f64,
        /// Budget: the last look.
        n_max: u64,
    },
    /// Looks every `step` requests, with one look exactly at `anchor`, capped at
    /// `n_max` (used for weight 0/100, where looks cost no alpha).
    Linear {
        /// Requests between looks.
        step: u64,
        /// A request count that must be a look.
        anchor: u64,
        /// Budget: the last look.
        n_max: u64,
    },
}

impl LookPlan {
    /// The request count of the next look after `n` (never more than the budget; equal
    /// to `n` only when the budget is exhausted).
    pub fn next_after(&self, n: u64) -> u64 {
        match *self {
            LookPlan::Geometric {
                first,
                ratio,
                n_max,
            } => {
                let next = if n < first {
                    first
                } else {
                    ((n as f64 * ratio).ceil() as u64).max(n + 1)
                };
                next.min(n_max).max(n.min(n_max))
            }
            LookPlan::Linear {
                step,
                anchor,
                n_max,
            } => {
                let step = step.max(1);
                let next = if n < anchor {
                    (n + step).min(anchor)
                } else {
                    n + step
                };
                next.min(n_max).max(n.min(n_max))
            }
        }
    }

    /// The budget.
    pub fn n_max(&self) -> u64 {
        match *self {
            LookPlan::Geometric { n_max, .. } | LookPlan::Linear { n_max, .. } => n_max,
        }
    }

    /// All look positions from the start to the budget.
    pub fn looks(&self) -> Vec<u64> {
        let mut out = Vec::new();
        let mut n = 0;
        loop {
            let next = self.next_after(n);
            if next <= n {
                break;
            }
            out.push(next);
            n = next;
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn geometric_schedule_spends_equally_per_look() {
        let plan = LookPlan::Geometric {
            first: 1000,
            ratio: 1.25,
            n_max: 20_000,
        };
        let looks = plan.looks();
        assert_eq!(looks[0], 1000);
        assert_eq!(looks[1], 1250);
        assert_eq!(*looks.last().unwrap(), 20_000);
        let spending = LogSpending::new(0.01, 1000, 1.25, 20_000);
        let first = spending.increment(0, looks[0]);
        let second = spending.increment(looks[0], looks[1]);
        assert!((first - second).abs() < 1e-12, "{first} {second}");
        let total: f64 = std::iter::once(0)
            .chain(looks.iter().copied())
            .collect::<Vec<_>>()
            .windows(2)
            .map(|w| spending.increment(w[0], w[1]))
            .sum();
        assert!((total - 0.01).abs() < 1e-12, "{total}");
    }

    #[test]
    fn linear_schedule_hits_its_anchor() {
        let plan = LookPlan::Linear {
            step: 29,
            anchor: 228,
            n_max: 300,
        };
        let looks = plan.looks();
        assert!(looks.contains(&228), "{looks:?}");
        assert_eq!(looks[0], 29);
        assert_eq!(*looks.last().unwrap(), 300);
    }

    proptest! {
        #[test]
        fn any_schedule_spends_at_most_alpha(
            alpha in 0.0001f64..0.5,
            first in 1u64..5_000,
            ratio in 1.01f64..3.0,
            n_max in 1u64..100_000,
            mut points in proptest::collection::vec(0u64..200_000, 0..40),
        ) {
            let spending = LogSpending::new(alpha, first, ratio, n_max);
            points.sort_unstable();
            points.dedup();
            let mut prev = 0;
            let mut total = 0.0;
            for p in points {
                let inc = spending.increment(prev, p);
                prop_assert!(inc >= 0.0);
                total += inc;
                prev = p;
            }
            prop_assert!(total <= alpha * (1.0 + 1e-12), "{total} > {alpha}");
            prop_assert!((spending.spent(n_max) - alpha).abs() < 1e-15);
        }

        #[test]
        fn looks_increase_to_the_budget(first in 1u64..5_000, ratio in 1.01f64..3.0, n_max in 1u64..50_000) {
            let plan = LookPlan::Geometric { first, ratio, n_max };
            let looks = plan.looks();
            prop_assert!(looks.windows(2).all(|w| w[0] < w[1]));
            prop_assert_eq!(*looks.last().unwrap(), n_max);
        }
    }
}
