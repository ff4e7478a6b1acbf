//! Operating characteristics of health: how often it PASSes a canary equal to stable
//! and how often it stops (or FAILs) a worse one, at each weight, by simulation of the
//! sample aggregates (counts and histograms, no HTTP) fed to the real [`evaluate`].
//!
//! Model of one run at weights `s/c` and budget `N`: canary requests
//! `~ Bin(N, c/(s+c))`; of those a share `edge` fail at the edge without `x-variant`
//! (counted as unattributed 502); 5xx among the attributed responses `~ Bin(n, p)`;
//! latencies lognormal (median `m`, log-sd [`SIGMA`]), the canary's scaled by a factor
//! and shifted by a constant, binned on the sampler's buckets (ratio
//! [`HISTOGRAM_BUCKET_RATIO`] from 0.05 ms, `sample::accumulator`), drawn as one multinomial ([`crate::stats::sampling`]).
//! The whole budget is sampled (`verify` may stop earlier once health has its
//! planned sample; see [`super::plan`]).

use rand::SeedableRng;
use rand::rngs::StdRng;
use statrs::distribution::{ContinuousCDF, LogNormal};

use super::{Applicability, HealthConfig, applicability, evaluate};
use crate::checks::split::DEFAULT_MAX_REQUESTS;
use crate::result::{
    HISTOGRAM_BUCKET_RATIO, HISTOGRAM_FIRST_BUCKET_US, HistogramBucket, SampleSummary, Verdict,
};
use crate::stats::sampling::{binomial, multinomial};

/// Runs per table cell.
pub const OC_RUNS: u64 = 2_000;
/// Seed of the table.
pub const OC_SEED: u64 = 20_261_201;
/// Log-scale standard deviation of the simulated latencies (p95 = median · e^(1.645σ)).
pub const SIGMA: f64 = 0.5;
/// Stable error rate of the healthy scenario.
pub const HEALTHY_ERROR_RATE: f64 = 0.001;
/// Rows of the table: (stable, canary) weights.
pub const WEIGHTS: [(i64, i64); 8] = [
    (100, 0),
    (99, 1),
    (98, 2),
    (95, 5),
    (90, 10),
    (50, 50),
    (1, 99),
    (0, 100),
];

/// Truth of a simulated deployment.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Scenario {
    /// Stable 5xx probability.
    pub stable_error: f64,
    /// Canary 5xx probability (attributed responses).
    pub canary_error: f64,
    /// Share of canary requests failing at the edge without `x-variant`.
    pub canary_edge_error: f64,
    /// Stable median latency (ms).
    pub median_ms: f64,
    /// Canary latency = factor × stable-distributed latency + shift.
    pub canary_factor: f64,
    /// Added canary latency (ms).
    pub canary_shift_ms: f64,
}

impl Scenario {
    /// Canary equal to stable at [`HEALTHY_ERROR_RATE`], median `median_ms`.
    pub const fn healthy(median_ms: f64) -> Scenario {
        Scenario {
            stable_error: HEALTHY_ERROR_RATE,
            canary_error: HEALTHY_ERROR_RATE,
            canary_edge_error: 0.0,
            median_ms,
            canary_factor: 1.0,
            canary_shift_ms: 0.0,
        }
    }

    /// Whether the canary is stable's equal (a column judged by P(PASS)).
    pub fn is_healthy(&self) -> bool {
        self.canary_error == self.stable_error
            && self.canary_edge_error == 0.0
            && self.canary_factor == 1.0
            && self.canary_shift_ms == 0.0
    }
}

/// Verdict counts of one cell.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Tally {
    /// Runs.
    pub runs: u64,
    /// PASS verdicts.
    pub pass: u64,
    /// FAIL verdicts.
    pub fail: u64,
    /// NOT_APPLICABLE verdicts.
    pub not_applicable: u64,
    /// INCONCLUSIVE verdicts.
    pub inconclusive: u64,
}

impl Tally {
    /// Share of runs with `count`.
    pub fn rate(&self, count: u64) -> f64 {
        count as f64 / self.runs.max(1) as f64
    }
}

/// Buckets simulated: up to 0.05 ms · r^800 ≈ 1,700 s, past any latency simulated.
const EDGES: i32 = 800;

/// The sampler's bucket bounds (ms): 0.05 · r^k, r = [`HISTOGRAM_BUCKET_RATIO`].
fn edges() -> Vec<f64> {
    let first_ms = HISTOGRAM_FIRST_BUCKET_US as f64 / 1000.0;
    (0..EDGES)
        .map(|k| first_ms * HISTOGRAM_BUCKET_RATIO.powi(k))
        .collect()
}

fn bucket_probs(median_ms: f64, factor: f64, shift_ms: f64, edges: &[f64]) -> Vec<f64> {
    let Ok(d) = LogNormal::new((median_ms * factor).ln(), SIGMA) else {
        return vec![0.0; edges.len()];
    };
    let cdf = |x: f64| {
        if x <= shift_ms {
            0.0
        } else {
            d.cdf(x - shift_ms)
        }
    };
    let mut prev = 0.0;
    edges
        .iter()
        .map(|&e| {
            let c = cdf(e);
            let p = c - prev;
            prev = c;
            p
        })
        .collect()
}

fn histogram(rng: &mut StdRng, n: u64, probs: &[f64], edges: &[f64]) -> Vec<HistogramBucket> {
    multinomial(rng, n, probs)
        .into_iter()
        .zip(edges)
        .filter(|(count, _)| *count > 0)
        .map(|(count, &upper_ms)| HistogramBucket { upper_ms, count })
        .collect()
}

/// One simulated sample of `budget` requests at `weights`.
pub fn simulate_sample(
    rng: &mut StdRng,
    weights: (i64, i64),
    budget: u64,
    sc: &Scenario,
) -> SampleSummary {
    let total = (weights.0.max(0) + weights.1.max(0)).max(1) as f64;
    let canary_requests = binomial(rng, budget, weights.1.max(0) as f64 / total);
    let edge = binomial(rng, canary_requests, sc.canary_edge_error);
    let mut s = with_responses(rng, budget - canary_requests, canary_requests - edge, sc);
    s.requests = budget;
    if edge > 0 {
        s.unattributed.insert("502".into(), edge);
    }
    s
}

/// One simulated sample with exactly `stable` and `canary` attributed responses (as
/// `verify` gathers them when it samples on to health's per-variant plan).
pub fn with_responses(rng: &mut StdRng, stable: u64, canary: u64, sc: &Scenario) -> SampleSummary {
    let e = edges();
    let mut s = SampleSummary {
        requests: stable + canary,
        ..SampleSummary::default()
    };
    s.canary.responses = canary;
    s.stable.responses = stable;
    s.stable.server_errors = binomial(rng, s.stable.responses, sc.stable_error);
    s.canary.server_errors = binomial(rng, s.canary.responses, sc.canary_error);
    let sp = bucket_probs(sc.median_ms, 1.0, 0.0, &e);
    let cp = bucket_probs(sc.median_ms, sc.canary_factor, sc.canary_shift_ms, &e);
    s.stable.histogram = histogram(rng, s.stable.responses, &sp, &e);
    s.canary.histogram = histogram(rng, s.canary.responses, &cp, &e);
    s
}

/// Verdict counts over `runs` simulated samples.
pub fn simulate(
    weights: (i64, i64),
    budget: u64,
    alpha: f64,
    sc: &Scenario,
    runs: u64,
    seed: u64,
) -> Tally {
    let mut rng = StdRng::seed_from_u64(seed);
    let cfg = HealthConfig::default_with_alpha(alpha).at(weights, budget);
    let mut t = Tally {
        runs,
        ..Tally::default()
    };
    for _ in 0..runs {
        match evaluate(&simulate_sample(&mut rng, weights, budget, sc), &cfg).verdict {
            Verdict::Pass => t.pass += 1,
            Verdict::Fail => t.fail += 1,
            Verdict::NotApplicable => t.not_applicable += 1,
            _ => t.inconclusive += 1,
        }
    }
    t
}

/// The columns of the table after the plan: (header, scenario).
pub fn scenarios() -> [(&'static str, Scenario); 6] {
    let h = Scenario::healthy(20.0);
    [
        ("canary = stable (0.1 % 5xx, median 20 ms)", h),
        (
            "3 % 5xx vs 0.1 %",
            Scenario {
                canary_error: 0.03,
                ..h
            },
        ),
        (
            "+50 ms (20 → 70 ms)",
            Scenario {
                canary_shift_ms: 50.0,
                ..h
            },
        ),
        (
            "2× median (20 → 40 ms)",
            Scenario {
                canary_factor: 2.0,
                ..h
            },
        ),
        (
            "2× median (100 → 200 ms)",
            Scenario {
                canary_factor: 2.0,
                ..Scenario::healthy(100.0)
            },
        ),
        (
            "canary = stable (0.1 % 5xx, median 150 ms)",
            Scenario::healthy(150.0),
        ),
    ]
}

/// One row: weights, pre-sampling applicability (p = 0), plan at 0.1 %, tallies.
#[derive(Debug, Clone)]
pub struct Row {
    /// (stable, canary) weights.
    pub weights: (i64, i64),
    /// Applicability before sampling (stable error rate 0).
    pub before: Applicability,
    /// Applicability at [`HEALTHY_ERROR_RATE`].
    pub at_healthy_rate: Applicability,
    /// One tally per [`scenarios`] column.
    pub tallies: Vec<Tally>,
}

/// Every row at `budget` and `alpha`, `runs` per cell. Each cell has its own seed, so
/// the rows are simulated on threads of their own (pure computation, no I/O) and the
/// table is the same on any number of cores.
pub fn rows(budget: u64, alpha: f64, runs: u64) -> Vec<Row> {
    let tol = super::DEFAULT_ERROR_TOLERANCE;
    let row = |i: usize, w: (i64, i64)| Row {
        weights: w,
        before: applicability(w, budget, alpha, tol, 0.0),
        at_healthy_rate: applicability(w, budget, alpha, tol, HEALTHY_ERROR_RATE),
        tallies: scenarios()
            .iter()
            .enumerate()
            .map(|(j, (_, sc))| {
                simulate(
                    w,
                    budget,
                    alpha,
                    sc,
                    runs,
                    OC_SEED + 16 * i as u64 + j as u64,
                )
            })
            .collect(),
    };
    std::thread::scope(|scope| {
        let rows: Vec<_> = WEIGHTS
            .iter()
            .enumerate()
            .map(|(i, &w)| scope.spawn(move || row(i, w)))
            .collect();
        rows.into_iter()
            .map(|r| r.join().expect("a simulation thread panicked"))
            .collect()
    })
}

fn plan_cell(a: Applicability) -> String {
    match a {
        Applicability::Applicable { needed } => format!("yes ({needed})"),
        Applicability::OneVariant => "no: one variant".into(),
        Applicability::BudgetTooSmall { needed: Some(n) } => format!("no: needs {n}"),
        Applicability::BudgetTooSmall { needed: None } => "no: needs > 10^9".into(),
    }
}

/// The table in Markdown at the default budget and α = 0.01, [`OC_RUNS`] per cell.
pub fn table_markdown() -> String {
    let (budget, alpha) = (DEFAULT_MAX_REQUESTS, 0.01);
    table_markdown_from(&rows(budget, alpha, OC_RUNS), budget, alpha)
}

/// The table of already simulated `rows`.
pub fn table_markdown_from(rows: &[Row], budget: u64, alpha: f64) -> String {
    let runs = rows
        .first()
        .and_then(|r| r.tallies.first())
        .map_or(0, |t| t.runs);
    let mut out = format!(
        "Health at budget {budget}, α = {alpha}, {runs} simulated runs per cell (seed \
         {OC_SEED}); latencies lognormal, σ = {SIGMA}. Applicable: the budget gives the \
         planned sample (requests in brackets) with a stable error rate of 0 (decided \
         before sampling) and of 0.1 %. Healthy: P(PASS) / P(NOT_APPLICABLE). Worse \
         canaries: P(not PASS) / P(FAIL).\n\n| weights | applicable (0 %) | applicable \
         (0.1 %) |"
    );
    for (name, _) in scenarios() {
        out += &format!(" {name} |");
    }
    out += &format!("\n|{}\n", "---|".repeat(3 + scenarios().len()));
    for r in rows {
        out += &format!(
            "| {}/{} | {} | {} |",
            r.weights.0,
            r.weights.1,
            plan_cell(r.before),
            plan_cell(r.at_healthy_rate)
        );
        for (t, (_, sc)) in r.tallies.iter().zip(scenarios()) {
            if sc.is_healthy() {
                out += &format!(" {:.4} / {:.4} |", t.rate(t.pass), t.rate(t.not_applicable));
            } else {
                out += &format!(" {:.4} / {:.4} |", 1.0 - t.rate(t.pass), t.rate(t.fail));
            }
        }
        out += "\n";
    }
    out
}
