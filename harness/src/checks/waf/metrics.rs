//! Block rates per category and placement, with exact intervals (pure).
//!
//! The rate of a cell is `blocked / (blocked + passed)`: unresolved responses are
//! excluded from both and reported on their own (they are evidence of neither).
//! Intervals are Clopper–Pearson, from [`crate::stats::binomial`].

use std::collections::BTreeMap;

use super::classify::WafOutcome;
use crate::result::WafCell;

/// Two-sided (1 − `alpha`) Clopper–Pearson interval as `(low, high)`.
/// `n = 0` gives the vacuous interval `[0, 1]`.
pub fn clopper_pearson(x: u64, n: u64, alpha: f64) -> (f64, f64) {
    let i = crate::stats::binomial::clopper_pearson(x, n, alpha);
    (i.low, i.high)
}

/// Counts of one group of requests.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tally {
    /// Requests sent.
    pub sent: u64,
    /// Blocked by the WAF.
    pub blocked: u64,
    /// Answered by the app.
    pub passed: u64,
    /// Neither.
    pub unresolved: u64,
}

impl Tally {
    /// Adds one outcome.
    pub fn add(&mut self, o: WafOutcome) {
        self.sent += 1;
        match o {
            WafOutcome::Blocked => self.blocked += 1,
            WafOutcome::Passed => self.passed += 1,
            WafOutcome::Unresolved => self.unresolved += 1,
        }
    }

    /// Resolved requests (the denominator of the block rate).
    pub fn resolved(&self) -> u64 {
        self.blocked + self.passed
    }

    /// Block rate among resolved requests (0 when none resolved).
    pub fn rate(&self) -> f64 {
        if self.resolved() == 0 {
            0.0
        } else {
            self.blocked as f64 / self.resolved() as f64
        }
    }

    /// The cell for the evidence.
    pub fn cell(&self, category: &str, placement: &str, alpha: f64) -> WafCell {
        let (ci_low, ci_high) = clopper_pearson(self.blocked, self.resolved(), alpha);
        WafCell {
            category: category.to_string(),
            placement: placement.to_string(),
            sent: self.sent,
            blocked: self.blocked,
            passed: self.passed,
            unresolved: self.unresolved,
            ci_low,
            ci_high,
        }
    }
}

/// Groups outcomes by (category, placement) and by category (placement `"*"`).
pub fn cells<'a, I>(outcomes: I, alpha: f64) -> (Vec<WafCell>, Vec<WafCell>)
where
    I: IntoIterator<Item = (&'a str, &'a str, WafOutcome)>,
{
    let mut by_cell: BTreeMap<(&str, &str), Tally> = BTreeMap::new();
    let mut by_cat: BTreeMap<&str, Tally> = BTreeMap::new();
    for (cat, pl, o) in outcomes {
        by_cell.entry((cat, pl)).or_default().add(o);
        by_cat.entry(cat).or_default().add(o);
    }
    (
        by_cell
            .iter()
            .map(|((c, p), t)| t.cell(c, p, alpha))
            .collect(),
        by_cat.iter().map(|(c, t)| t.cell(c, "*", alpha)).collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use rand::{Rng, SeedableRng};

    #[test]
    fn known_values() {
        // x = 0: upper = 1 − (α/2)^(1/n) (the exact "rule of three" form).
        let (lo, hi) = clopper_pearson(0, 10, 0.05);
        assert_eq!(lo, 0.0);
        assert!((hi - (1.0 - 0.025f64.powf(0.1))).abs() < 1e-9, "{hi}");
        // x = n: lower = (α/2)^(1/n).
        let (lo, hi) = clopper_pearson(10, 10, 0.05);
        assert!((lo - 0.025f64.powf(0.1)).abs() < 1e-9, "{lo}");
        assert_eq!(hi, 1.0);
        // Textbook value: 5 of 10 at 95% is [0.1871, 0.8129].
        let (lo, hi) = clopper_pearson(5, 10, 0.05);
        assert!(
            (lo - 0.1871).abs() < 1e-4 && (hi - 0.8129).abs() < 1e-4,
            "{lo} {hi}"
        );
        assert_eq!(clopper_pearson(0, 0, 0.05), (0.0, 1.0));
    }

    #[test]
    fn coverage_by_simulation() {
        // The exact interval covers the true rate at least 1 − α of the time.
        let mut rng = rand::rngs::StdRng::seed_from_u64(7);
        for &(p, n) in &[(0.95, 60u64), (0.7, 40), (0.99, 200)] {
            let reps = 2000;
            let mut covered = 0;
            for _ in 0..reps {
                let x = (0..n).filter(|_| rng.random::<f64>() < p).count() as u64;
                let (lo, hi) = clopper_pearson(x, n, 0.05);
                if lo <= p && p <= hi {
                    covered += 1;
                }
            }
            let cov = f64::from(covered) / f64::from(reps);
            assert!(cov >= 0.94, "p={p} n={n} coverage {cov}");
        }
    }

    #[test]
    fn groups_by_cell_and_category() {
        let data = [
            ("sqli", "query", WafOutcome::Blocked),
            ("sqli", "query", WafOutcome::Passed),
            ("sqli", "json", WafOutcome::Blocked),
            ("xss", "query", WafOutcome::Unresolved),
        ];
        let (cells, cats) = cells(data.iter().copied(), 0.05);
        assert_eq!(cells.len(), 3);
        let sq = &cells[1];
        assert_eq!(
            (sq.category.as_str(), sq.placement.as_str()),
            ("sqli", "query")
        );
        assert_eq!((sq.sent, sq.blocked, sq.passed), (2, 1, 1));
        assert_eq!(cats[0].blocked, 2);
        assert_eq!(cats[1].unresolved, 1);
        assert_eq!((cats[1].ci_low, cats[1].ci_high), (0.0, 1.0));
    }

    proptest! {
        #[test]
        fn interval_contains_estimate(n in 1u64..500, x in 0u64..500, a in 0.001f64..0.2) {
            let x = x % (n + 1);
            let (lo, hi) = clopper_pearson(x, n, a);
            let p = x as f64 / n as f64;
            prop_assert!(0.0 <= lo && lo <= p + 1e-12 && p <= hi + 1e-12 && hi <= 1.0);
        }
    }
}
