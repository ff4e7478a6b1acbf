//! Simulated split runs for the operating-characteristics tables: the real
//! [`SplitMonitor`] fed the running summaries of simulated traffic whose canary share
//! follows a [`Schedule`] (steps at given request counts), sent at a fixed rate so the
//! summaries carry the elapsed time the settle rule reads. Fast: one exact binomial
//! draw (inversion of statrs' Binomial CDF) per piece of a batch, not one per request.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use statrs::distribution::{Binomial, DiscreteCDF};

use crate::checks::split::{SplitConfig, SplitMonitor};
use crate::error::Result;
use crate::result::{SampleSummary, Verdict};

/// The true canary share as a function of the request index: `pieces[i] = (from, p)`
/// holds from request `from` on, until the next piece.
#[derive(Debug, Clone, PartialEq)]
pub struct Schedule {
    pieces: Vec<(u64, f64)>,
}

impl Schedule {
    /// One share throughout.
    pub fn constant(share: f64) -> Self {
        Schedule {
            pieces: vec![(0, share)],
        }
    }

    /// `before` for the first `at` requests, `after` from then on.
    pub fn step(at: u64, before: f64, after: f64) -> Self {
        Schedule {
            pieces: vec![(0, before), (at, after)],
        }
    }

    /// A share moving linearly from `from` to `to` over `requests` requests, in
    /// `steps` equal pieces.
    pub fn drift(from: f64, to: f64, requests: u64, steps: u64) -> Self {
        let steps = steps.max(1);
        Schedule {
            pieces: (0..steps)
                .map(|i| {
                    let t = (i as f64 + 0.5) / steps as f64;
                    (requests * i / steps, from + (to - from) * t)
                })
                .collect(),
        }
    }

    /// Canary hits among requests `a..b`.
    fn hits(&self, a: u64, b: u64, rng: &mut StdRng) -> u64 {
        let mut hits = 0;
        for (i, &(from, p)) in self.pieces.iter().enumerate() {
            let to = self.pieces.get(i + 1).map_or(u64::MAX, |x| x.0);
            let (lo, hi) = (a.max(from), b.min(to));
            if lo < hi {
                hits += binomial(hi - lo, p, rng);
            }
        }
        hits
    }
}

/// Exact Binomial(n, p) draw by inversion.
fn binomial(n: u64, p: f64, rng: &mut StdRng) -> u64 {
    if n == 0 || p <= 0.0 {
        return 0;
    }
    if p >= 1.0 {
        return n;
    }
    let u: f64 = rng.random();
    Binomial::new(p, n).map_or(0, |d| d.inverse_cdf(u).min(n))
}

/// What one simulated run ended with.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SimOutcome {
    /// Final verdict.
    pub verdict: Verdict,
    /// Requests sent until the monitor stopped.
    pub requests: u64,
}

/// One run of the monitor on traffic following `schedule` at `rate` requests/s.
pub fn run(
    config: &SplitConfig,
    schedule: &Schedule,
    rate: f64,
    rng: &mut StdRng,
) -> Result<SimOutcome> {
    let mut monitor = SplitMonitor::new(config.clone())?;
    let mut s = SampleSummary::default();
    loop {
        let batch = monitor.batch_size();
        if batch == 0 {
            break;
        }
        let hits = schedule.hits(s.requests, s.requests + batch, rng);
        s.requests += batch;
        s.canary.responses += hits;
        s.stable.responses += batch - hits;
        s.duration_s = s.requests as f64 / rate;
        if monitor.observe(&s) {
            break;
        }
    }
    let result = monitor.finish(&s);
    Ok(SimOutcome {
        verdict: result.verdict,
        requests: s.requests,
    })
}

/// Verdict counts of many runs.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Tally {
    /// Runs.
    pub runs: u64,
    /// PASS verdicts.
    pub pass: u64,
    /// FAIL verdicts.
    pub fail: u64,
    /// Sum of requests to verdict.
    pub requests: u64,
}

impl Tally {
    /// Share of runs ending in PASS.
    pub fn pass_rate(&self) -> f64 {
        self.pass as f64 / self.runs.max(1) as f64
    }

    /// Share of runs ending in FAIL.
    pub fn fail_rate(&self) -> f64 {
        self.fail as f64 / self.runs.max(1) as f64
    }

    /// Mean requests to verdict.
    pub fn mean_requests(&self) -> f64 {
        self.requests as f64 / self.runs.max(1) as f64
    }
}

/// `runs` runs of one scenario from `seed`.
pub fn simulate(
    config: &SplitConfig,
    schedule: &Schedule,
    rate: f64,
    runs: u64,
    seed: u64,
) -> Result<Tally> {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut t = Tally {
        runs,
        ..Tally::default()
    };
    for _ in 0..runs {
        let o = run(config, schedule, rate, &mut rng)?;
        t.pass += u64::from(o.verdict == Verdict::Pass);
        t.fail += u64::from(o.verdict == Verdict::Fail);
        t.requests += o.requests;
    }
    Ok(t)
}
