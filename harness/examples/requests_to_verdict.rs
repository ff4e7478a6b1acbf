//! Benchmark (not a test): average requests to a verdict of the sequential split test
//! against the fixed-n one-shot design (`fixed_n_required`, sized for 90 % power to
//! PASS a healthy split), for 90/10, 50/50, 99/1 and 100/0, healthy and shifted.
//!
//! Run: `cargo run -p harness --example requests_to_verdict [runs]` (default 1000).

#[path = "../tests/support/split_sim.rs"]
mod split_sim;

use harness::checks::split::SplitConfig;
use harness::stats::fixed_n_tost;
use harness::stats::sample_size::FIXED_N_POWER;

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
        "{:<8} {:<8} {:>7} {:>11} {:>8} {:>7} {:>7} {:>7}",
        "split", "truth", "fixed-n", "sequential", "ratio", "PASS", "FAIL", "INCONC"
    );
    let mut ratios = Vec::new();
    for (i, &(stable, canary, shift)) in scenarios.iter().enumerate() {
        let cfg = SplitConfig::new(stable, canary);
        let p0 = canary as f64 / (stable + canary) as f64;
        let fixed = fixed_n_tost(p0, cfg.margin, cfg.alpha, FIXED_N_POWER) as f64;
        for (j, truth) in [p0, shift].into_iter().enumerate() {
            let t = split_sim::simulate(&cfg, truth, runs, 1_000 + (i * 2 + j) as u64);
            let ratio = t.mean_requests() / fixed;
            ratios.push(ratio);
            println!(
                "{:<8} {:<8} {:>7.0} {:>11.0} {:>8.3} {:>7.3} {:>7.3} {:>7.3}",
                format!("{stable}/{canary}"),
                format!("{:.1}%", 100.0 * truth),
                fixed,
                t.mean_requests(),
                ratio,
                t.pass_rate(),
                t.fail_rate(),
                t.inconclusive as f64 / t.runs as f64
            );
        }
    }
    let healthy: Vec<f64> = ratios.iter().step_by(2).copied().collect();
    let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
    println!(
        "mean ratio sequential/fixed-n: all {:.3}, healthy {:.3}, shifted {:.3} ({runs} runs each)",
        mean(&ratios),
        mean(&healthy),
        mean(
            &ratios
                .iter()
                .skip(1)
                .step_by(2)
                .copied()
                .collect::<Vec<_>>()
        )
    );
}
