//! One runner's part of a verification split over several runners (`--shard I/N`):
//! which part it is, and what a later `harness merge` needs to pool it with the
//! others and recompute the verdicts from the pooled evidence.
//!
//! A shard sends a fixed share of the planned sample — `⌊n/N⌋` requests, one more for
//! the first `n mod N` shards, so the shares add up to the planned `n` exactly — and
//! never stops early: pooling runs that each stopped when their own sequential test
//! decided is not a valid test (each stop was chosen by the data, so the pooled count
//! is biased towards the stopping boundary), while a pool of fixed shares is one
//! fixed-n sample. The shard's own verdicts are the fixed-n tests on its own counts.

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// Which shard a run is: `index` of `count`, 1-based (`--shard 2/3`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Shard {
    /// 1-based position among the shards.
    pub index: u32,
    /// Number of shards.
    pub count: u32,
}

impl Shard {
    /// Parses `I/N` with `1 ≤ I ≤ N`; anything else is a one-line `--shard` error.
    pub fn parse(text: &str) -> Result<Shard> {
        let bad = |why: &str| {
            Error::Config(format!(
                "--shard {text:?}: {why} (expected I/N with 1 <= I <= N, e.g. 2/3)"
            ))
        };
        let (i, n) = text.trim().split_once('/').ok_or_else(|| bad("no '/'"))?;
        let num = |s: &str| s.trim().parse::<u32>().map_err(|_| bad("not two integers"));
        let (index, count) = (num(i)?, num(n)?);
        if count == 0 {
            return Err(bad("N must be at least 1"));
        }
        if index == 0 || index > count {
            return Err(bad("I must lie in 1..=N"));
        }
        Ok(Shard { index, count })
    }

    /// This shard's share of `planned` requests: `⌊planned/N⌋`, plus one for the first
    /// `planned mod N` shards. A share of 0 (more shards than planned requests) is a
    /// usage error: the shard would judge nothing.
    pub fn share(&self, planned: u64) -> Result<u64> {
        let n = u64::from(self.count);
        let share = planned / n + u64::from(u64::from(self.index) <= planned % n);
        if share == 0 {
            return Err(Error::Config(format!(
                "--shard {self}: {planned} planned requests (--max-requests) leave nothing \
                 for shard {} of {}",
                self.index, self.count
            )));
        }
        Ok(share)
    }
}

impl std::fmt::Display for Shard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

/// What a shard records in `report.json` settings, so that `harness merge` can check
/// that the runs belong together and recompute the verdicts on the pooled evidence.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ShardSettings {
    /// 1-based position among the shards.
    pub index: u32,
    /// Number of shards.
    pub count: u32,
    /// Requests planned over all shards (`--max-requests`).
    pub planned_requests: u64,
    /// This shard's fixed share of them ([`Shard::share`]).
    pub requests: u64,
    /// Listener weights (stable, canary) read before sampling, when read.
    #[serde(default)]
    pub weights: Option<[i64; 2]>,
    /// Leak margin at weight 0 or 100.
    pub leak_margin: f64,
}

impl ShardSettings {
    /// The shard as `I/N`.
    pub fn shard(&self) -> Shard {
        Shard {
            index: self.index,
            count: self.count,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_rejects() {
        assert_eq!(Shard::parse("2/3").unwrap(), Shard { index: 2, count: 3 });
        assert_eq!(Shard::parse(" 1/1 ").unwrap().to_string(), "1/1");
        for bad in [
            "0/3", "4/3", "1/0", "0/0", "x", "1/x", "-1/3", "1/2/3", "", "/",
        ] {
            let e = Shard::parse(bad).unwrap_err().to_string();
            assert!(e.contains("--shard") && !e.contains('\n'), "{bad}: {e}");
        }
    }

    #[test]
    fn shares_add_up_to_the_plan() {
        for planned in [1u64, 2, 7, 100, 20_001] {
            for count in 1..=7u32 {
                let shares: Vec<u64> = (1..=count)
                    .map(|index| Shard { index, count }.share(planned))
                    .filter_map(|s| s.ok())
                    .collect();
                assert_eq!(
                    shares.iter().sum::<u64>(),
                    planned,
                    "{planned} over {count}"
                );
                // The remainder goes to the first shards: non-increasing, differ by ≤ 1.
                assert!(shares.windows(2).all(|w| w[0] >= w[1] && w[0] - w[1] <= 1));
            }
        }
        assert_eq!(Shard { index: 1, count: 3 }.share(10).unwrap(), 4);
        assert_eq!(Shard { index: 3, count: 3 }.share(10).unwrap(), 3);
        assert!(Shard { index: 3, count: 3 }.share(2).is_err());
    }
}
