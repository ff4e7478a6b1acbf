//! The split verdict while the weights move (`checks::split::converge`) and the
//! README's operating-characteristics table: part of the `stats_simulation` module of the `core` test binary.

use super::*;

use harness_core::oc::sim::{Schedule, simulate as simulate_schedule};
use harness_core::oc::split::{OC_ALPHA, OC_RUNS, split_markdown, split_rows};

/// One-sided allowance: an estimate from `runs` runs falls more than this below (or
/// above) a true rate `rate` with probability < 1e-4 (z = 3.72, normal approximation).
fn one_sided(rate: f64, runs: u64) -> f64 {
    3.72 * (rate * (1.0 - rate) / runs as f64).sqrt()
}

/// The README's operating-characteristics table is what the generator prints, and every
/// cell meets its target: exact cells exactly, simulated cells within the one-sided
/// allowance (wrong outcome < 1e-4 per cell for a method exactly at its target). The
/// band and zero-weight rules may change; rerun the generator to refresh the README.
#[test]
fn oc_table_matches_the_readme_and_meets_its_targets() {
    let rows = split_rows(OC_RUNS).expect("the table's configurations are valid");
    let md = split_markdown(&rows, OC_RUNS);
    println!("{md}");
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../README.md"))
        .expect("README.md");
    assert!(
        readme.contains(&md),
        "README's split table is stale: rerun `cargo run -p harness-core --release --example \
         oc_table` and paste its output under \"Operating characteristics\""
    );
    for r in &rows {
        let w = format!("{}/{}", r.weights.0, r.weights.1);
        assert!(
            r.configured_pass >= DETECTION,
            "{w}: P(PASS | configured) {}",
            r.configured_pass
        );
        assert!(
            r.outside_pass <= OC_ALPHA,
            "{w}: P(PASS | just outside) {}",
            r.outside_pass
        );
        if let Some(leak) = r.leak_pass {
            assert!(leak <= OC_ALPHA, "{w}: P(PASS | leak) {leak}");
        }
        if let Some(s) = r.starved.filter(|s| s.outside_band) {
            assert!(s.fail >= DETECTION, "{w}: P(FAIL | starved) {}", s.fail);
        }
        let target = r.step_in_target;
        let step = r.step_in.pass_rate();
        assert!(
            step >= target - one_sided(target, r.step_in.runs),
            "{w}: P(PASS | step in the first 5 s) {step} < target {target}"
        );
    }
}

/// 100/0 → 90/10 with the first 1,000 requests (5 s at 200/s) still at 0 %: the
/// monitor leaves the burn-in out and PASSes (the monitor that pooled them FAILed 77 %
/// of such runs with a 3 s burn-in).
#[test]
fn step_into_the_band_in_the_first_5_s_passes() {
    let cfg = SplitConfig::new(90, 10);
    let t = simulate_schedule(&cfg, &Schedule::step(1_000, 0.0, 0.1), 200.0, RUNS, 31).unwrap();
    println!(
        "90/10 after 1,000 requests at 0 %: PASS {:.4} FAIL {:.4} mean requests {:.0}",
        t.pass_rate(),
        t.fail_rate(),
        t.mean_requests()
    );
    assert!(
        t.pass_rate() >= DETECTION - one_sided(DETECTION, RUNS),
        "PASS rate {}",
        t.pass_rate()
    );
}

/// A share drifting from 5 % to 15 % across the whole budget at 90/10 passes through
/// the band (8–12 %) but never settles in it: PASS must stay rare, at most α within the
/// allowance (the monitor that pooled all data PASSed 88 % of such runs).
#[test]
fn drift_across_the_band_rarely_passes() {
    let cfg = SplitConfig::new(90, 10);
    let drift = Schedule::drift(0.05, 0.15, cfg.max_requests, 200);
    let t = simulate_schedule(&cfg, &drift, 200.0, RUNS, 32).unwrap();
    println!(
        "90/10 drifting 5 % -> 15 %: PASS {:.4} FAIL {:.4} mean requests {:.0}",
        t.pass_rate(),
        t.fail_rate(),
        t.mean_requests()
    );
    assert!(
        t.pass_rate() <= OC_ALPHA + one_sided(OC_ALPHA, RUNS),
        "PASS rate {}",
        t.pass_rate()
    );
}
