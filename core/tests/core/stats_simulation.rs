//! Simulation proof of the sequential split test: seeded runs of the real
//! `SplitMonitor` on binomial traffic, counting verdicts.
//!
//! Monte-Carlo allowance: with `R` runs, a method whose true error rate is exactly `α`
//! shows a measured rate above `α + 3·sqrt(α(1−α)/R)` with probability ≈ 0.13 %
//! (normal approximation to the binomial count). Asserting `rate ≤ α + 3σ` therefore
//! does not flake for a correct method, but fails for one whose true rate is clearly
//! above `α` (e.g. a naive test that reuses `α` at every look: ≈ 3–5 % here).

mod split_sim;

use harness_core::checks::split::SplitConfig;
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
    // A false PASS is an error the method allows at rate α (at 100/0 a 3 % leak
    // passes with probability 0.97^4603 ≈ 1e-61): bound it like the false FAIL rate.
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
    // 50/50 has the widest intervals: within the 20,000-request budget 99.09 % of
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
// band edge; for 99/1 the band is [0.5 %, 1.5 %] (effective margin) and the truth 5 %;
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
    let limit = ALPHA / 2.0 + allowance(ALPHA / 2.0, RUNS);
    // The band's upper edge with the effective margin (±0.5 points at 99/1).
    let at = SplitMonitor::new(cfg.clone()).unwrap().band().high();
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

// ---------------------------------------------------------------------------------
// Small weights and the leak test (the promotion steps 100/0 → 99/1 → 98/2 → … → 0/100).
//
// Each scenario is decided twice. (1) Exactly: the group-sequential recursion on the
// monitor's own design gives P(PASS) and P(FAIL) with no sampling error, and those are
// held to the requirement itself (no allowance). (2) By simulation of the real
// monitor (2,000 seeded runs): the simulated counts must agree with the exact
// probabilities, i.e. lie inside the central range of Bin(2,000, exact) that holds
// all but 1e-4 of its mass (5e-5 per tail), so a correct monitor fails this with
// probability < 1e-4 per assertion, while a monitor that deviated from its design
// (wrong band, wrong looks, wrong level) would be caught.

use harness_core::checks::split::SplitMonitor;
use harness_core::stats::group_sequential::{Operating, operating, rules};
use statrs::distribution::{Binomial, DiscreteCDF};

/// Probability left in each tail of the agreement range.
const AGREEMENT_TAIL: f64 = 5e-5;

/// Exact verdict probabilities of the monitor's design at `truth`.
fn exact(cfg: &SplitConfig, truth: f64) -> Operating {
    let m = SplitMonitor::new(cfg.clone()).unwrap();
    match m.nominal_level() {
        Some(level) => operating(&rules(&m.planned_looks(), m.band(), level), truth),
        None => {
            // Leak test: PASS iff no hit on the zero side in the leak sample.
            let leak = if m.band().center == 0.0 {
                truth
            } else {
                1.0 - truth
            };
            let pass = (1.0 - leak).powf(m.leak_n() as f64);
            Operating {
                pass,
                fail: 1.0 - pass,
                expected_n: f64::NAN,
            }
        }
    }
}

/// Whether `count` of `runs` is a plausible draw from Bin(runs, p).
fn agrees(count: u64, runs: u64, p: f64) -> bool {
    let p = p.clamp(0.0, 1.0);
    if p == 0.0 || p == 1.0 {
        return count == (p * runs as f64) as u64;
    }
    let d = Binomial::new(p, runs).unwrap();
    let below = d.cdf(count);
    let above = if count == 0 { 1.0 } else { d.sf(count - 1) };
    below >= AGREEMENT_TAIL && above >= AGREEMENT_TAIL
}

/// Simulates `stable/canary` at `truth`, checks agreement with the exact figures and
/// returns them.
fn scenario(stable: i64, canary: i64, truth: f64, seed: u64) -> Operating {
    let cfg = SplitConfig::new(stable, canary);
    let ex = exact(&cfg, truth);
    let t = simulate(&cfg, truth, RUNS, seed);
    report(&format!("{stable}/{canary}"), truth, &t);
    println!(
        "        exact: PASS {:.5}  FAIL {:.5}  mean requests {:.0}",
        ex.pass, ex.fail, ex.expected_n
    );
    assert!(
        agrees(t.pass, RUNS, ex.pass),
        "{stable}/{canary} at {truth}: {} PASS of {RUNS} vs exact {}",
        t.pass,
        ex.pass
    );
    assert!(
        agrees(t.fail, RUNS, ex.fail),
        "{stable}/{canary} at {truth}: {} FAIL of {RUNS} vs exact {}",
        t.fail,
        ex.fail
    );
    ex
}

/// Healthy: PASS ≥ 0.99 within the default budget, FAIL ≤ α/2 (exact).
fn small_healthy(stable: i64, canary: i64, seed: u64) {
    let p0 = canary as f64 / (stable + canary) as f64;
    let ex = scenario(stable, canary, p0, seed);
    assert!(ex.pass >= 0.99, "{ex:?}");
    assert!(ex.fail <= ALPHA / 2.0, "{ex:?}");
}

/// Both band edges: P(FAIL) ≤ α/2 at the edge, P(PASS) ≤ α/2 just beyond (exact).
fn small_edges(stable: i64, canary: i64, seed: u64) {
    let band = SplitMonitor::new(SplitConfig::new(stable, canary))
        .unwrap()
        .band();
    for (i, (at, beyond)) in [
        (band.low(), band.low() - 1e-9),
        (band.high(), band.high() + 1e-9),
    ]
    .into_iter()
    .enumerate()
    {
        let ex = scenario(stable, canary, at, seed + 10 * i as u64);
        assert!(
            ex.fail <= ALPHA / 2.0,
            "false FAIL at the edge {at}: {ex:?}"
        );
        let ex = scenario(stable, canary, beyond, seed + 10 * i as u64 + 1);
        assert!(ex.pass <= ALPHA / 2.0, "false PASS beyond {beyond}: {ex:?}");
    }
}

/// A starved or leaking side: FAIL ≥ 0.99 and PASS ≤ α/2 (exact).
fn small_starved(stable: i64, canary: i64, truth: f64, seed: u64) {
    let ex = scenario(stable, canary, truth, seed);
    assert!(ex.fail >= 0.99, "{ex:?}");
    assert!(ex.pass <= ALPHA / 2.0, "{ex:?}");
}

#[test]
fn small_weight_99_1() {
    small_healthy(99, 1, 31);
    small_edges(99, 1, 32);
    // The twin's case: canary starved to 0 % (PASSed under the old ±2 points band).
    small_starved(99, 1, 0.0, 33);
}

#[test]
fn small_weight_98_2() {
    small_healthy(98, 2, 41);
    small_edges(98, 2, 42);
    // Canary at a quarter of its share.
    small_starved(98, 2, 0.005, 43);
}

#[test]
fn small_weight_1_99() {
    small_healthy(1, 99, 51);
    small_edges(1, 99, 52);
    // Stable starved: every response from the canary.
    small_starved(1, 99, 1.0, 53);
}

#[test]
fn leak_test_catches_a_half_percent_leak() {
    // 100/0 and 0/100 with a 0.5 % leak: P(PASS) = 0.995^4603 ≈ 1e-10.
    small_starved(100, 0, 0.005, 61);
    small_starved(0, 100, 0.995, 62);
    // No leak: PASS always, after exactly the leak sample.
    let ex = scenario(100, 0, 0.0, 63);
    assert_eq!(ex.pass, 1.0);
}

/// The split verdict while the weights move, and the operating-characteristics table.
mod moving_sim;
