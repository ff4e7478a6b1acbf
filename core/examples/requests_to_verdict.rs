//! Benchmark (not a test): requests to a verdict of the sequential split test against
//! the one-shot fixed-n design, for every listener split 99/1 … 1/99, healthy and
//! shifted, and the leak test's sample at 100/0 and 0/100.
//!
//! The sequential figures are exact (the group-sequential recursion of
//! `stats::group_sequential` on the monitor's own look plan and calibrated level; the
//! monitor computes the healthy row itself when it is built) and, for 90/10, 50/50,
//! 99/1 and 100/0, cross-checked by simulating the monitor. The fixed-n design is the
//! exact one-shot size at the same α and band and at [`FIXED_N_POWER`] (the sequential
//! test's own power requirement), so the ratio compares designs at matched power. The
//! shifted truth lies 1.5 effective margins beyond the band edge towards 50 %.
//!
//! Run: `cargo run --release -p harness-core --example requests_to_verdict [runs]`
//! (default 1000 simulated runs per cross-checked row).

#[path = "../tests/core/stats_simulation/split_sim.rs"]
mod split_sim;

use harness_core::checks::split::{SplitConfig, SplitMonitor};
use harness_core::stats::group_sequential::{Operating, operating, rules};
use harness_core::stats::sample_size::FIXED_N_POWER;

/// Splits (stable/canary) also simulated, to cross-check the exact figures.
const SIMULATED: [i64; 3] = [10, 50, 1];

fn main() {
    let runs: u64 = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(1_000);
    println!(
        "{:<6} {:>6} {:>7} {:>8} {:>9} {:>8} {:>8} {:>9} {:>8} {:>8} {:>9}",
        "split",
        "band±",
        "fixed-n",
        "P(PASS)",
        "E[n] ok",
        "ratio",
        "shift",
        "E[n] sh",
        "P(FAIL)",
        "ratio",
        "sim ok/sh"
    );
    let (mut healthy, mut shifted) = (Vec::new(), Vec::new());
    for canary in 1..=99i64 {
        let stable = 100 - canary;
        let cfg = SplitConfig::new(stable, canary);
        let m = match SplitMonitor::new(cfg.clone()) {
            Ok(m) => m,
            Err(e) => {
                println!("{stable}/{canary}: {e}");
                continue;
            }
        };
        let band = m.band();
        let fixed = m.fixed_n() as f64;
        let ok = m.healthy_operating();
        let toward_middle = if band.center <= 0.5 { 1.0 } else { -1.0 };
        let shift = band.center + toward_middle * 2.5 * band.margin;
        let sh = exact(&m, shift);
        healthy.push(ok.expected_n / fixed);
        shifted.push(sh.expected_n / fixed);
        let sim = if SIMULATED.contains(&canary) {
            let a = split_sim::simulate(&cfg, band.center, runs, 1_000 + canary as u64);
            let b = split_sim::simulate(&cfg, shift, runs, 2_000 + canary as u64);
            format!("{:.0}/{:.0}", a.mean_requests(), b.mean_requests())
        } else {
            String::new()
        };
        println!(
            "{:<6} {:>5.2}% {:>7.0} {:>8.5} {:>9.0} {:>8.3} {:>7.2}% {:>9.0} {:>8.5} {:>8.3} {:>9}",
            format!("{stable}/{canary}"),
            100.0 * band.margin,
            fixed,
            ok.pass,
            ok.expected_n,
            ok.expected_n / fixed,
            100.0 * shift,
            sh.expected_n,
            sh.fail,
            sh.expected_n / fixed,
            sim
        );
    }
    let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
    let all: Vec<f64> = healthy.iter().chain(&shifted).copied().collect();
    println!(
        "mean ratio sequential/fixed-n (fixed-n power {FIXED_N_POWER}, weights 1-99): all \
         {:.3}, healthy {:.3}, shifted {:.3}",
        mean(&all),
        mean(&healthy),
        mean(&shifted)
    );
    for (stable, canary) in [(100, 0), (0, 100)] {
        let cfg = SplitConfig::new(stable, canary);
        let m = SplitMonitor::new(cfg.clone()).expect("default leak test fits the budget");
        let leak: f64 = 0.005;
        let truth = if canary == 0 { leak } else { 1.0 - leak };
        let caught = 1.0 - (1.0 - leak).powf(m.leak_n() as f64);
        let sim = split_sim::simulate(&cfg, truth, runs, 3_000 + canary as u64);
        println!(
            "leak test {stable}/{canary}: n = {} responses with no hit (leak margin {}, alpha \
             {}); a 0.5% leak is caught with probability {caught:.10} (simulated: {:.4}, mean \
             {:.0} requests)",
            m.leak_n(),
            cfg.leak_margin,
            cfg.alpha,
            sim.fail_rate(),
            sim.mean_requests()
        );
    }
}

/// Exact PASS/FAIL probabilities and expected requests of an interior design.
fn exact(monitor: &SplitMonitor, truth: f64) -> Operating {
    let level = monitor.nominal_level().expect("interior weights");
    operating(
        &rules(&monitor.planned_looks(), monitor.band(), level),
        truth,
    )
}
