//! The table of every twin test that asserts a verdict of a statistical check, with
//! its operating point and the chance of a wrong verdict computed from the check's
//! design (`support/twin_oc.rs`). No twin is started: the figures are exact
//! calculations, and each must be below 1e-4. The twin tests recompute their own rows
//! before driving the twin; this table keeps them side by side.

use crate::support::{node_oc, twin_oc};

use node_oc::{edge_nodes, node_rule_not_pass, stale_node_not_named};
use twin_oc::*;

const DEFAULT: (f64, u64) = (0.01, 20_000);
const TWIN: (f64, u64) = (TWIN_ALPHA, TWIN_BUDGET);
/// `support/verify_world.rs`: α 0.05, margin 0.05, 3,000 requests.
const WORLD: (f64, u64, f64) = (0.05, 3_000, 0.05);

#[test]
fn every_twin_test_is_wrong_with_probability_below_1e_4() {
    let cov = TWIN_COVERAGE;
    let k = edge_nodes();
    let rows: Vec<(&str, f64)> = vec![
        (
            "faults healthy 90/10 split, node rule",
            node_rule_not_pass((90, 10), TWIN.0, TWIN.1, k),
        ),
        (
            "faults healthy 90/10 health",
            health_not_pass((90, 10), TWIN.0, TWIN.1, cov),
        ),
        (
            "faults weight-drift 90/10 edge 70/30 split",
            split_not_fail((90, 10), DEFAULT.0, DEFAULT.1, None, 0.3),
        ),
        (
            "faults canary-starved 99/1 edge 100/0 split",
            split_not_fail((99, 1), DEFAULT.0, DEFAULT.1, None, 0.0),
        ),
        (
            "faults node-stale 50/50, last node 90/10 split named",
            stale_node_not_named((50, 50), DEFAULT.0, DEFAULT.1, k, (0.5, 0.1)),
        ),
        (
            "faults canary-errors 90/10 health",
            canary_errors_not_fail((90, 10), DEFAULT.0, DEFAULT.1),
        ),
        (
            "faults canary-slow 90/10 health",
            canary_slow_not_fail((90, 10), DEFAULT.0, DEFAULT.1, cov),
        ),
        (
            "promotion 90/10 split, node rule",
            node_rule_not_pass((90, 10), TWIN.0, TWIN.1, k),
        ),
        (
            "promotion 50/50 split, node rule",
            node_rule_not_pass((50, 50), TWIN.0, TWIN.1, k),
        ),
        (
            "promotion 99/1 split, node rule",
            node_rule_not_pass((99, 1), TWIN.0, TWIN.1, k),
        ),
        (
            "promotion 90/10 health",
            health_not_pass((90, 10), TWIN.0, TWIN.1, cov),
        ),
        (
            "promotion 50/50 health",
            health_not_pass((50, 50), TWIN.0, TWIN.1, cov),
        ),
        (
            "promotion 99/1 health NA",
            health_na_99_1_miss(TWIN.0, TWIN.1),
        ),
        (
            "promotion 99/1 starved split",
            split_not_fail((99, 1), TWIN.0, TWIN.1, None, 0.0),
        ),
        (
            "flow canary-errors 90/10 health",
            canary_errors_not_fail((90, 10), TWIN.0, TWIN.1),
        ),
        (
            // split::healthy_split_passes; split::listener control, stickiness.
            "verify_world healthy 90/10 split",
            split_not_pass((90, 10), WORLD.0, WORLD.1, Some(WORLD.2)),
        ),
        (
            "split::listener /api/x 50/50 split (6,000 requests)",
            split_not_pass((50, 50), WORLD.0, 6_000, Some(WORLD.2)),
        ),
        (
            "split::listener default rule 90/10, real 50/50 split",
            split_not_fail((90, 10), WORLD.0, 6_000, Some(WORLD.2), 0.5),
        ),
        (
            // split::weights_disagree_fails.
            "verify_world real 50/50 judged 90/10 split",
            split_not_fail((90, 10), WORLD.0, WORLD.1, Some(WORLD.2), 0.5),
        ),
    ];
    // Order statistics of one sample against another, by simulation: X_(3:5) > Y_(2:5)
    // of uniforms, 200,000 draws (4.5 σ: wrong with probability < 1e-5).
    let exact = order_stat_exceeds(3, 5, 2, 5);
    let mut rng = <rand::rngs::StdRng as rand::SeedableRng>::seed_from_u64(7);
    let mut draw = |k: usize| {
        let mut v: Vec<f64> = (0..5).map(|_| rand::Rng::random::<f64>(&mut rng)).collect();
        v.sort_by(f64::total_cmp);
        v[k]
    };
    let runs = 200_000;
    let hits = (0..runs).filter(|_| draw(2) > draw(1)).count() as f64 / runs as f64;
    let sd = (exact * (1.0 - exact) / runs as f64).sqrt();
    assert!(
        (hits - exact).abs() < 4.5 * sd,
        "simulated {hits}, integral {exact}"
    );
    // Both looks' homogeneity rejected, by simulation of the Brownian model (level
    // 0.05 so that the chance is large enough to count; 200,000 draws, 4.5 σ).
    for (df, share) in [(1usize, 0.25), (2, 0.6)] {
        let level = 0.05;
        let exact = node_oc::both_rejected(df as f64, share, level);
        let c = <statrs::distribution::ChiSquared as statrs::distribution::ContinuousCDF<
            f64,
            f64,
        >>::inverse_cdf(
            &statrs::distribution::ChiSquared::new(df as f64).unwrap(),
            1.0 - level,
        );
        let mut normal = || {
            let (u, v): (f64, f64) = (rand::Rng::random(&mut rng), rand::Rng::random(&mut rng));
            (-2.0 * (1.0 - u).ln()).sqrt() * (std::f64::consts::TAU * v).cos()
        };
        let hits = (0..runs)
            .filter(|_| {
                let (mut at_s, mut at_1) = (0.0, 0.0);
                for _ in 0..df {
                    let w_s = share.sqrt() * normal();
                    let w_1 = w_s + (1.0 - share).sqrt() * normal();
                    at_s += w_s * w_s;
                    at_1 += w_1 * w_1;
                }
                at_s / share >= c && at_1 >= c
            })
            .count() as f64
            / runs as f64;
        let sd = (exact * (1.0 - exact) / runs as f64).sqrt();
        println!("both rejected, {df} df, share {share}: {exact:.5} (simulated {hits:.5})");
        assert!(
            (hits - exact).abs() < 4.5 * sd,
            "simulated {hits}, integral {exact}"
        );
    }
    let mut wrong = Vec::new();
    for (name, p) in &rows {
        println!("{name:<56} P(wrong) = {p:.2e}");
        if *p >= TARGET {
            wrong.push(format!("{name}: {p:e}"));
        }
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
}
