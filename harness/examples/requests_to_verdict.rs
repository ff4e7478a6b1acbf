//! Benchmark (not a test): requests to a verdict of the sequential split test against
//! the one-shot fixed-n design, for 90/10, 50/50, 99/1 and 100/0, healthy and shifted.
//!
//! The sequential figures are exact (the group-sequential recursion of
//! `stats::group_sequential` on the monitor's own look plan and calibrated level)
//! and cross-checked by simulating the monitor itself. The fixed-n design is the
//! exact one-shot size at the same α and at [`FIXED_N_POWER`] (the sequential test's
//! own power), and, for reference, at 90 % power.
//!
//! Run: `cargo run --release -p harness --example requests_to_verdict [runs]`
//! (default 1000 simulated runs per row).

#[path = "../tests/support/split_sim.rs"]
mod split_sim;

use harness::checks::split::{SplitConfig, SplitMonitor};
use harness::stats::group_sequential::{Operating, operating, rules};
use harness::stats::sample_size::{FIXED_N_POWER, Goal, fixed_n_exact};

fn main() {
    let runs: u64 = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(1_000);
    // (stable, canary, shifted truth)
    let scenarios = [
        (90, 10, 0.15),
        (50, 50, 0.55),
        (99, 1, 0.05),
        (100, 0, 0.03),
    ];
    println!(
        "{:<7} {:<6} {:>7} {:>7} {:>9} {:>9} {:>6} {:>6} {:>9} {:>7}",
        "split",
        "truth",
        "n@99%",
        "n@90%",
        "seq exact",
        "seq sim",
        "PASS",
        "FAIL",
        "ratio@99",
        "@90"
    );
    let (mut r99, mut r90) = (Vec::new(), Vec::new());
    for (i, &(stable, canary, shift)) in scenarios.iter().enumerate() {
        let cfg = SplitConfig::new(stable, canary);
        let monitor = SplitMonitor::new(cfg.clone()).expect("valid scenario");
        let band = monitor.band();
        let p0 = band.center;
        let fixed99 = monitor.fixed_n() as f64;
        let fixed90 = if p0 == 0.0 || p0 == 1.0 {
            fixed99
        } else {
            fixed_n_exact(p0, band, cfg.alpha, 0.9, Goal::Inside, 100_000_000)
                .map_or(f64::NAN, |n| n as f64)
        };
        for (j, truth) in [p0, shift].into_iter().enumerate() {
            let exact = exact_operating(&monitor, truth);
            let sim = split_sim::simulate(&cfg, truth, runs, 1_000 + (i * 2 + j) as u64);
            let (a, b) = (exact.expected_n / fixed99, exact.expected_n / fixed90);
            r99.push(a);
            r90.push(b);
            println!(
                "{:<7} {:<6} {:>7.0} {:>7.0} {:>9.0} {:>9.0} {:>6.3} {:>6.3} {:>9.3} {:>7.3}",
                format!("{stable}/{canary}"),
                format!("{:.1}%", 100.0 * truth),
                fixed99,
                fixed90,
                exact.expected_n,
                sim.mean_requests(),
                exact.pass,
                exact.fail,
                a,
                b
            );
        }
    }
    let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
    let halves = |v: &[f64]| -> (Vec<f64>, Vec<f64>) {
        (
            v.iter().step_by(2).copied().collect(),
            v.iter().skip(1).step_by(2).copied().collect(),
        )
    };
    for (label, v) in [(format!("{FIXED_N_POWER}"), &r99), ("0.9".into(), &r90)] {
        let (healthy, shifted) = halves(v);
        println!(
            "mean ratio sequential/fixed-n (fixed-n power {label}): all {:.3}, healthy {:.3}, \
             shifted {:.3}",
            mean(v),
            mean(&healthy),
            mean(&shifted)
        );
    }
    println!("(seq exact: exact expected requests; seq sim: mean of {runs} simulated runs)");
}

/// Exact PASS/FAIL probabilities and expected requests of the monitor's design.
fn exact_operating(monitor: &SplitMonitor, truth: f64) -> Operating {
    let looks = monitor.planned_looks();
    match monitor.nominal_level() {
        Some(level) => operating(&rules(&looks, monitor.band(), level), truth),
        None => zero_weight_operating(monitor, &looks, truth),
    }
}

/// Weight 0/100: a hit on the zero side fails at the next look; PASS at the zero-hit
/// requirement. Looks are linear, so the expectation is a short sum.
fn zero_weight_operating(monitor: &SplitMonitor, looks: &[u64], truth: f64) -> Operating {
    let p0 = monitor.band().center;
    let leak = if p0 == 0.0 { truth } else { 1.0 - truth };
    let need = monitor.fixed_n();
    let (mut expected, mut prev, mut clean) = (0.0, 0u64, 1.0);
    for &n in looks {
        let survive = (1.0 - leak).powi((n - prev) as i32);
        expected += clean * (1.0 - survive) * n as f64;
        clean *= survive;
        prev = n;
        if n >= need {
            expected += clean * n as f64;
            return Operating {
                pass: clean,
                fail: 1.0 - clean,
                expected_n: expected,
            };
        }
    }
    Operating {
        pass: 0.0,
        fail: 1.0 - clean,
        expected_n: expected + clean * prev as f64,
    }
}
