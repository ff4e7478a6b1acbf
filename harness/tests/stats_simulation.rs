//! Simulation proof of the sequential split test: seeded runs of the real
//! `SplitMonitor` on binomial traffic, counting verdicts.
//!
//! Monte-Carlo allowance: with `R` runs, a method whose true error rate is exactly `α`
//! shows a measured rate above `α + 3·sqrt(α(1−α)/R)` with probability ≈ 0.13 %
//! (normal approximation to the binomial count). Asserting `rate ≤ α + 3σ` therefore
//! does not flake for a correct method, but fails for one whose true rate is clearly
//! above `α` (e.g. a naive test that reuses `α` at every look: ≈ 3–5 % here).

#[path = "support/split_sim.rs"]
mod split_sim;

use harness::checks::split::SplitConfig;
use split_sim::{Tally, simulate};

const RUNS: u64 = 2_000;
const ALPHA: f64 = 0.01;
/// Required detection rate for a shifted truth within the default budget.
const DETECTION: f64 = 0.99;

fn allowance(rate: f64, runs: u64) -> f64 {
    3.0 * (rate * (1.0 - rate) / runs as f64).sqrt()
}

fn report(name: &str, truth: f64, t: &Tally) {
    println!(
        "{name:>7} truth {truth:.3}: PASS {:.4}  FAIL {:.4}  INCONCLUSIVE {:.4}  \
         interval missed truth {:.4}  mean requests {:.0}  ({} runs)",
        t.pass_rate(),
        t.fail_rate(),
        t.inconclusive as f64 / t.runs as f64,
        t.miss_rate(),
        t.mean_requests(),
        t.runs
    );
}

/// Healthy split: false FAIL ≤ α, and the intervals hold the truth at every look.
fn healthy(stable: i64, canary: i64, seed: u64, min_pass: f64) {
    let cfg = SplitConfig::new(stable, canary);
    let truth = canary as f64 / (stable + canary) as f64;
    let t = simulate(&cfg, truth, RUNS, seed);
    report(&format!("{stable}/{canary}"), truth, &t);
    let limit = ALPHA + allowance(ALPHA, RUNS);
    assert!(
        t.fail_rate() <= limit,
        "false FAIL rate {} > {limit}",
        t.fail_rate()
    );
    assert!(
        t.miss_rate() <= limit,
        "coverage miss rate {} > {limit}",
        t.miss_rate()
    );
    assert!(
        t.pass_rate() >= min_pass,
        "PASS rate {} < {min_pass}",
        t.pass_rate()
    );
}

/// Shifted truth: FAIL detected in ≥ 99 % of runs within the default budget.
fn shifted(stable: i64, canary: i64, truth: f64, seed: u64) {
    let cfg = SplitConfig::new(stable, canary);
    let t = simulate(&cfg, truth, RUNS, seed);
    report(&format!("{stable}/{canary}"), truth, &t);
    assert!(
        t.fail_rate() >= DETECTION,
        "detection {} < {DETECTION}",
        t.fail_rate()
    );
    // A false PASS is an error the method allows at rate α (e.g. 0.97^228 ≈ 0.1 % for
    // a 3 % leak at 100/0): bound it like the false FAIL rate.
    let limit = ALPHA + allowance(ALPHA, RUNS);
    assert!(
        t.pass_rate() <= limit,
        "false PASS rate {} > {limit}",
        t.pass_rate()
    );
}

#[test]
fn healthy_90_10_rarely_fails() {
    healthy(90, 10, 1, 0.99);
}

#[test]
fn healthy_50_50_rarely_fails() {
    // 50/50 has the widest intervals: within the 20,000-request budget 99.0 % of
    // healthy runs reach PASS (exact figure, `stats::group_sequential::operating`),
    // the rest stay INCONCLUSIVE (never FAIL); 0.98 leaves room for sampling noise.
    healthy(50, 50, 2, 0.98);
}

#[test]
fn healthy_99_1_rarely_fails() {
    healthy(99, 1, 3, 0.99);
}

#[test]
fn healthy_100_0_passes() {
    healthy(100, 0, 4, 0.99);
}

// Shifts (margin 2 points): 90/10 and 50/50 move 5 points, i.e. 3 points beyond the
// band edge; for 99/1 the band is [0, 3 %] and the truth 5 %, 2 points beyond its edge;
// for 100/0 a 3 % leak (any hit fails).

#[test]
fn shifted_90_10_to_85_15_fails() {
    shifted(90, 10, 0.15, 11);
}

#[test]
fn shifted_50_50_to_45_55_fails() {
    shifted(50, 50, 0.55, 12);
}

#[test]
fn shifted_99_1_to_95_5_fails() {
    shifted(99, 1, 0.05, 13);
}

#[test]
fn leak_100_0_to_97_3_fails() {
    shifted(100, 0, 0.03, 14);
}

/// At the band's upper edge the truth is inside (PASS is right, FAIL wrong); just
/// beyond it the truth is outside (FAIL is right, PASS wrong). Both error rates must
/// stay within the α/2 per side the calibration promises (module doc of
/// `stats::group_sequential`). A naive test that reused the nominal level of a single
/// interval at every look would show several times α/2 here.
fn edge(stable: i64, canary: i64, seed: u64) {
    let cfg = SplitConfig::new(stable, canary);
    let p0 = canary as f64 / (stable + canary) as f64;
    let limit = ALPHA / 2.0 + allowance(ALPHA / 2.0, RUNS);
    let at = p0 + cfg.margin;
    let t = simulate(&cfg, at, RUNS, seed);
    report(&format!("{stable}/{canary}"), at, &t);
    assert!(
        t.fail_rate() <= limit,
        "false FAIL rate at the edge {} > {limit}",
        t.fail_rate()
    );
    let beyond = at + 1e-9;
    let t = simulate(&cfg, beyond, RUNS, seed + 100);
    report(&format!("{stable}/{canary}"), beyond, &t);
    assert!(
        t.pass_rate() <= limit,
        "false PASS rate just beyond the edge {} > {limit}",
        t.pass_rate()
    );
}

#[test]
fn edge_90_10_errs_at_most_half_alpha_per_side() {
    edge(90, 10, 21);
}

#[test]
fn edge_99_1_errs_at_most_half_alpha_per_side() {
    edge(99, 1, 23);
}
