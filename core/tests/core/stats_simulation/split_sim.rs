//! Simulated sequential split runs, shared by `tests/core/stats_simulation.rs` and the
//! `requests_to_verdict` benchmark example. Fast: one exact binomial draw per batch
//! (inverse CDF of statrs' Binomial), not one draw per request.

#![allow(dead_code)]

use harness_core::checks::split::{SplitConfig, SplitMonitor};
use harness_core::result::{Evidence, SampleSummary, Verdict};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use statrs::distribution::{Binomial, DiscreteCDF};

/// What one simulated run ended with.
#[derive(Debug, Clone, Copy)]
pub struct RunOutcome {
    /// Final verdict.
    pub verdict: Verdict,
    /// Requests sent until the monitor stopped.
    pub requests: u64,
    /// Whether some look's interval excluded the true share.
    pub missed_truth: bool,
}

/// Exact Binomial(n, p) draw by inversion.
pub fn binomial(n: u64, p: f64, rng: &mut StdRng) -> u64 {
    if n == 0 || p <= 0.0 {
        return 0;
    }
    if p >= 1.0 {
        return n;
    }
    let u: f64 = rng.random();
    Binomial::new(p, n).unwrap().inverse_cdf(u).min(n)
}

/// One sequential run with the true canary share `truth`.
pub fn run(config: &SplitConfig, truth: f64, rng: &mut StdRng) -> RunOutcome {
    let mut monitor = SplitMonitor::new(config.clone()).unwrap();
    let mut s = SampleSummary::default();
    loop {
        let batch = monitor.batch_size();
        if batch == 0 {
            break;
        }
        let hits = binomial(batch, truth, rng);
        s.requests += batch;
        s.canary.responses += hits;
        s.stable.responses += batch - hits;
        if monitor.observe(&s) {
            break;
        }
    }
    let result = monitor.finish(&s);
    let missed_truth = match &result.evidence {
        Evidence::Split(e) => e.path.iter().any(|p| truth < p.low || truth > p.high),
        _ => false,
    };
    RunOutcome {
        verdict: result.verdict,
        requests: s.requests,
        missed_truth,
    }
}

/// Aggregate of many runs.
#[derive(Debug, Clone, Copy, Default)]
pub struct Tally {
    /// Runs.
    pub runs: u64,
    /// PASS verdicts.
    pub pass: u64,
    /// FAIL verdicts.
    pub fail: u64,
    /// INCONCLUSIVE verdicts.
    pub inconclusive: u64,
    /// Runs in which some interval missed the truth.
    pub missed: u64,
    /// Sum of requests to verdict.
    pub requests: u64,
}

impl Tally {
    /// Share of runs ending in PASS.
    pub fn pass_rate(&self) -> f64 {
        self.pass as f64 / self.runs as f64
    }
    /// Share of runs ending in FAIL.
    pub fn fail_rate(&self) -> f64 {
        self.fail as f64 / self.runs as f64
    }
    /// Share of runs in which an interval missed the truth.
    pub fn miss_rate(&self) -> f64 {
        self.missed as f64 / self.runs as f64
    }
    /// Mean requests to verdict.
    pub fn mean_requests(&self) -> f64 {
        self.requests as f64 / self.runs as f64
    }
}

/// `runs` seeded runs of one scenario.
pub fn simulate(config: &SplitConfig, truth: f64, runs: u64, seed: u64) -> Tally {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut t = Tally {
        runs,
        ..Tally::default()
    };
    for _ in 0..runs {
        let o = run(config, truth, &mut rng);
        match o.verdict {
            Verdict::Pass => t.pass += 1,
            Verdict::Fail => t.fail += 1,
            Verdict::Inconclusive => t.inconclusive += 1,
            other => panic!("the split monitor gave {other}, which it never should"),
        }
        t.missed += u64::from(o.missed_truth);
        t.requests += o.requests;
    }
    t
}
