//! When to look at the running sample. The schedule depends on the configuration
//! only, never on the data, so that the exact calibration of the looks
//! ([`super::group_sequential`]) holds for the positions actually used.
//!
//! Interior weights look geometrically (each look a fixed ratio after the previous):
//! early looks catch gross misconfigurations cheaply, later looks are dense enough in
//! relative terms that a verdict is taken soon after the evidence suffices. Weight 0
//! or 100 looks linearly, with one look exactly at the zero-hit requirement (those
//! looks cost no alpha: any hit on the zero side fails).

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
    fn geometric_schedule() {
        let plan = LookPlan::Geometric {
            first: 1000,
            ratio: 1.25,
            n_max: 20_000,
        };
        let looks = plan.looks();
        assert_eq!(looks[0], 1000);
        assert_eq!(looks[1], 1250);
        assert_eq!(*looks.last().unwrap(), 20_000);
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
        fn looks_increase_to_the_budget(first in 1u64..5_000, ratio in 1.01f64..3.0, n_max in 1u64..50_000) {
            let plan = LookPlan::Geometric { first, ratio, n_max };
            let looks = plan.looks();
            prop_assert!(looks.windows(2).all(|w| w[0] < w[1]));
            prop_assert_eq!(*looks.last().unwrap(), n_max);
        }
    }
}
