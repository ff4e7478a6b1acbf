//! The split check's operating characteristics at the verify defaults: for each
//! weight pair, the probability of each verdict under the situations the check must
//! tell apart, and the requests it spends.
//!
//! Exact where the truth is one share throughout: the group-sequential recursion of
//! [`group_sequential::operating`](crate::stats::group_sequential::operating) on the monitor's own plan and calibrated level,
//! with the looks before [`SETTLE_S`] of sampling unable to stop (the settle rule of
//! `checks::split`), and closed forms for weight 0/100 (PASS needs no zero-side hit up
//! to the first look that may pass, found by running the real monitor on traffic with
//! no such hit). Simulated where the share steps: [`OC_RUNS`] runs of the real
//! `SplitMonitor` per cell ([`super::sim`]), seeded from [`OC_SEED`].

use rand::SeedableRng;
use rand::rngs::StdRng;

use super::sim::{self, Schedule, Tally};
use crate::checks::split::{SETTLE_S, SplitConfig, SplitMonitor};
use crate::error::Result;
use crate::result::Verdict;
use crate::stats::Band;
use crate::stats::group_sequential::{LookRule, operating};

/// Significance level of the table.
pub const OC_ALPHA: f64 = 0.01;
/// Request rate the table's times assume: the sampler's default rate cap
/// (`harness::config::DEFAULT_RPS`; a harness test keeps the two equal).
pub const DEFAULT_RPS: f64 = 200.0;
/// Simulated runs per simulated cell.
pub const OC_RUNS: u64 = 2_000;
/// Seed of the first simulated cell (each cell adds its own offset).
pub const OC_SEED: u64 = 20_261_201;
/// Requests that still follow the previous promotion step's weights in the step
/// scenario: the first 5 s at the default rate.
pub const STEP_IN_REQUESTS: u64 = 1_000;
/// Leak at a zero weight the table probes (0.5 % of the responses).
pub const LEAK: f64 = 0.005;
/// How far beyond the band edge the share steps at mid-run (5 points).
pub const STEP_OUT_BEYOND: f64 = 0.05;
/// The probability of the right verdict the table asks for.
pub const TARGET: f64 = 0.99;
/// Distance beyond a band edge of the "just outside" share.
const JUST_OUTSIDE: f64 = 1e-9;

/// The weight pairs of the table with the weights of the previous promotion step
/// (the traffic the step scenario starts with): promotions 100/0 → 99/1, 98/2, 95/5,
/// 90/10 → 50/50 → 1/99, 0/100, and the rollback 50/50 → 100/0.
pub const ROWS: [((i64, i64), (i64, i64)); 8] = [
    ((100, 0), (50, 50)),
    ((99, 1), (100, 0)),
    ((98, 2), (100, 0)),
    ((95, 5), (100, 0)),
    ((90, 10), (100, 0)),
    ((50, 50), (90, 10)),
    ((1, 99), (50, 50)),
    ((0, 100), (50, 50)),
];

/// The smaller side starved: its share drops to 0.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Starved {
    /// The canary share when the smaller side gets nothing (0 or 1).
    pub share: f64,
    /// Probability of FAIL (the run is deterministic: 0 or 1).
    pub fail: f64,
    /// Whether that share lies outside the band (else PASS is the band's verdict).
    pub outside_band: bool,
}

/// One row of the table.
#[derive(Debug, Clone, PartialEq)]
pub struct SplitRow {
    /// Listener weights (stable, canary).
    pub weights: (i64, i64),
    /// The band the monitor judges against.
    pub band: Band,
    /// P(PASS) when the share is the configured one (exact).
    pub configured_pass: f64,
    /// Interior weights: the smaller side starved.
    pub starved: Option<Starved>,
    /// P(PASS) just outside the band, the worse edge (exact).
    pub outside_pass: f64,
    /// Weight 0/100: P(PASS) with a [`LEAK`] on the zero side (exact).
    pub leak_pass: Option<f64>,
    /// The previous weights of the step scenario.
    pub step_from: (i64, i64),
    /// Step scenario: counts of simulated runs.
    pub step_in: Tally,
    /// The step scenario's target: 0.99, or less when even a run restarted on clean
    /// data one checkpoint after the step has a lower exact P(PASS) within the rest of
    /// the budget.
    pub step_in_target: f64,
    /// Mid-run step out of the band: where and to which share.
    pub step_out_at: u64,
    /// The share after the mid-run step.
    pub step_out_to: f64,
    /// Mid-run step out of the band: counts of simulated runs.
    pub step_out: Tally,
    /// Expected requests to verdict at the configured share (exact).
    pub mean_requests: f64,
}

fn share(weights: (i64, i64)) -> f64 {
    weights.1 as f64 / (weights.0 + weights.1) as f64
}

/// The exact P(PASS) and expected requests of the looks `looks` at level `nominal`
/// when the share is `truth`, with the looks before the settle window unable to stop.
fn exact(looks: Vec<u64>, band: Band, nominal: f64, rate: f64, truth: f64) -> (f64, f64) {
    let rules: Vec<LookRule> = looks
        .into_iter()
        .map(|n| {
            if n as f64 / rate >= SETTLE_S {
                LookRule::new(n, band, nominal)
            } else {
                LookRule {
                    n,
                    pass: (1, 0),
                    fail_above: n + 1,
                    fail_below: 0,
                }
            }
        })
        .collect();
    let op = operating(&rules, truth);
    (op.pass, op.expected_n)
}

/// One row: exact cells, then the simulated ones (seeds `seed`, `seed + 1`).
pub fn split_row(weights: (i64, i64), from: (i64, i64), runs: u64, seed: u64) -> Result<SplitRow> {
    let config = SplitConfig {
        alpha: OC_ALPHA,
        ..SplitConfig::new(weights.0, weights.1)
    };
    let rate = DEFAULT_RPS;
    let monitor = SplitMonitor::new(config.clone())?;
    let band = monitor.band();
    let p0 = band.center;
    let deterministic = |truth: f64| -> Result<sim::SimOutcome> {
        sim::run(
            &config,
            &Schedule::constant(truth),
            rate,
            &mut StdRng::seed_from_u64(seed),
        )
    };
    let (configured_pass, outside_pass, leak_pass, starved, mean_requests) =
        match monitor.nominal_level() {
            Some(nominal) => {
                let looks = monitor.planned_looks();
                let (pass, mean) = exact(looks.clone(), band, nominal, rate, p0);
                let outside = [band.low() - JUST_OUTSIDE, band.high() + JUST_OUTSIDE]
                    .into_iter()
                    .filter(|t| (0.0..=1.0).contains(t))
                    .map(|t| exact(looks.clone(), band, nominal, rate, t).0)
                    .fold(0.0, f64::max);
                let starved_share = if p0 <= 0.5 { 0.0 } else { 1.0 };
                let run = deterministic(starved_share)?;
                let starved = Starved {
                    share: starved_share,
                    fail: f64::from(u8::from(run.verdict == Verdict::Fail)),
                    outside_band: starved_share < band.low() || starved_share > band.high(),
                };
                (pass, outside, None, Some(starved), mean)
            }
            None => {
                // No zero-side hit: the run is deterministic; PASS at `n` requests.
                let run = deterministic(p0)?;
                let n = run.requests as f64;
                let pass = f64::from(u8::from(run.verdict == Verdict::Pass));
                // The leak the zero-hit requirement is built to exclude:
                // (1 − q)^zero_n = α.
                let q = 1.0 - OC_ALPHA.powf(1.0 / monitor.fixed_n() as f64);
                let clean = |leak: f64| pass * (1.0 - leak).powf(n);
                (pass, clean(q + JUST_OUTSIDE), Some(clean(LEAK)), None, n)
            }
        };
    let clean_from = STEP_IN_REQUESTS + monitor.checkpoint_interval();
    let step_in_target = match monitor.plan_from(clean_from) {
        (plan, Some(nominal)) => exact(plan.looks(), band, nominal, rate, p0).0,
        (_, None) => 1.0,
    }
    .min(TARGET);
    let old = share(from);
    let step_in = sim::simulate(
        &config,
        &Schedule::step(STEP_IN_REQUESTS, old, p0),
        rate,
        runs,
        seed,
    )?;
    let step_out_to = if p0 <= 0.5 {
        band.high() + STEP_OUT_BEYOND
    } else {
        band.low() - STEP_OUT_BEYOND
    }
    .clamp(0.0, 1.0);
    let step_out_at = (mean_requests / 2.0).round() as u64;
    let step_out = sim::simulate(
        &config,
        &Schedule::step(step_out_at, p0, step_out_to),
        rate,
        runs,
        seed + 1,
    )?;
    Ok(SplitRow {
        weights,
        band,
        configured_pass,
        starved,
        outside_pass,
        leak_pass,
        step_from: from,
        step_in,
        step_in_target,
        step_out_at,
        step_out_to,
        step_out,
        mean_requests,
    })
}

/// All rows of [`ROWS`], `runs` simulated runs per simulated cell.
pub fn split_rows(runs: u64) -> Result<Vec<SplitRow>> {
    ROWS.iter()
        .enumerate()
        .map(|(i, &(w, from))| split_row(w, from, runs, OC_SEED + 2 * i as u64))
        .collect()
}

fn pct(x: f64) -> String {
    let s = format!("{:.2}", 100.0 * x);
    s.trim_end_matches('0').trim_end_matches('.').to_string() + " %"
}

fn thousands(x: f64) -> String {
    let s = format!("{:.0}", x);
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// The Markdown section of the split table: heading, table and notes.
pub fn split_markdown(rows: &[SplitRow], runs: u64) -> String {
    let p = |x: f64| format!("{x:.4}");
    let mut md = format!(
        "### Split check\n\n\
         α = {OC_ALPHA}, default margin, budget 20,000 requests, {DEFAULT_RPS} requests/s; \
         exact unless marked (sim: {runs} simulated runs of the real monitor, seeded).\n\n\
         | weights | band | P(PASS \\| configured share) ≥ 0.99 | P(FAIL \\| smaller side starved) ≥ 0.99 \
         | P(PASS \\| just outside the band) ≤ α | P(PASS \\| 0.5 % leak at weight 0) ≤ α \
         | P(PASS \\| previous step's weights for the first 5 s) ≥ 0.99, sim \
         | P(PASS \\| share steps out of the band at mid-run), sim | mean requests to verdict |\n\
         |---|---|---|---|---|---|---|---|---|\n"
    );
    for r in rows {
        let band = format!(
            "{}–{}",
            pct(r.band.low().max(0.0)),
            pct(r.band.high().min(1.0))
        );
        let starved = match r.starved {
            Some(s) if s.outside_band => p(s.fail),
            Some(s) => format!("{} (†)", p(s.fail)),
            None => "—".into(),
        };
        let leak = r.leak_pass.map_or("—".into(), p);
        let step_in = if r.step_in_target < TARGET {
            format!("{} (‡ {})", p(r.step_in.pass_rate()), p(r.step_in_target))
        } else {
            p(r.step_in.pass_rate())
        };
        md += &format!(
            "| {}/{} | {band} | {} | {starved} | {} | {leak} | {step_in} (from {}/{}) | {} (to {} at request {}) | {} |\n",
            r.weights.0,
            r.weights.1,
            p(r.configured_pass),
            p(r.outside_pass),
            r.step_from.0,
            r.step_from.1,
            p(r.step_out.pass_rate()),
            pct(r.step_out_to),
            thousands(r.step_out_at as f64),
            thousands(r.mean_requests),
        );
    }
    md += &format!(
        "\n\"Just outside\" is {JUST_OUTSIDE:e} beyond the worse band edge; at weight 0/100 it \
         is the leak the zero-hit requirement is built to exclude, `1 − α^(1/n)`. \
         (†) the starved share lies inside the band, so the band itself calls it a PASS. \
         (‡ x) the budget caps it: a run restarted on clean data one checkpoint after the \
         step has exact P(PASS) = x within the rest of the budget. \
         Mid-run is half the mean requests to verdict; the step goes {} points beyond the \
         band edge, towards 50 %, and a run that stopped before the step PASSes. A verdict \
         needs {SETTLE_S} s of data with no detected change; the exact cells leave out \
         the change-point test, whose false alarms (≤ 1e-4 per run) restart the test and \
         can move them by at most that much.\n",
        STEP_OUT_BEYOND * 100.0
    );
    md
}

/// The split section, regenerated.
pub fn split_section(runs: u64) -> Result<String> {
    Ok(split_markdown(&split_rows(runs)?, runs))
}
