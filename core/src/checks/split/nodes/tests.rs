//! The node rule on hand-built summaries (exact), and seeded simulations of the real
//! monitor on several nodes: the false-alarm rate of the homogeneity test, the power
//! against one stale node, and what happens when nodes differ inside the band.

use rand::SeedableRng;
use rand::rngs::StdRng;

use super::super::{SplitConfig, SplitMonitor};
use super::NODE_ALPHA;
use crate::result::{CheckResult, Evidence, NodeCounts, SampleSummary, SplitEvidence, Verdict};
use crate::stats::homogeneity::{Row, chi_square};
use crate::stats::sampling::binomial;

fn addr(i: usize) -> String {
    format!("127.0.0.{}:8443", i + 1)
}

/// A summary whose nodes served `(n, canary)` each; pooled counts are their sums.
fn summary(nodes: &[(u64, u64)]) -> SampleSummary {
    let mut s = SampleSummary::default();
    for (i, &(n, canary)) in nodes.iter().enumerate() {
        s.nodes.insert(
            addr(i),
            NodeCounts {
                stable: n - canary,
                canary,
                unattributed: 0,
            },
        );
        s.stable.responses += n - canary;
        s.canary.responses += canary;
        s.requests += n;
    }
    s
}

/// One look at `nodes`, then the verdict.
fn judge(stable: i64, canary: i64, nodes: &[(u64, u64)]) -> CheckResult {
    let s = summary(nodes);
    let mut m = SplitMonitor::new(SplitConfig::new(stable, canary)).unwrap();
    m.observe(&s);
    m.finish(&s)
}

fn evidence(r: &CheckResult) -> &SplitEvidence {
    match &r.evidence {
        Evidence::Split(e) => e,
        other => panic!("unexpected evidence {other:?}"),
    }
}

#[test]
fn a_node_at_half_fails_and_is_named_first() {
    let r = judge(90, 10, &[(2000, 200), (2000, 1000)]);
    assert_eq!(r.verdict, Verdict::Fail, "{}", r.summary);
    assert!(
        r.summary.starts_with(
            "node 127.0.0.2:8443 routes 50.00% to the canary (1000 of 2000 responses; \
             configured 10.00%, other nodes 10.00%)"
        ),
        "{}",
        r.summary
    );
    let e = evidence(&r);
    assert_eq!(e.nodes.len(), 2);
    assert_eq!((e.nodes[1].n, e.nodes[1].canary_hits), (2000, 1000));
    let h = e.node_homogeneity.as_ref().unwrap();
    assert!(h.rejected && h.p_value.unwrap() < 1e-100, "{h:?}");
}

/// One node at 0 % and five at 12 % pool to exactly 10 %: the pooled interval is
/// inside the band (it would PASS), the stale node fails the check.
#[test]
fn a_stale_node_hidden_in_a_healthy_pool_fails() {
    let mut nodes = vec![(2000, 0)];
    nodes.extend([(2000, 240); 5]);
    let pooled = judge(90, 10, &[(12_000, 1200)]);
    assert_eq!(pooled.verdict, Verdict::Pass, "{}", pooled.summary);
    let r = judge(90, 10, &nodes);
    assert_eq!(r.verdict, Verdict::Fail, "{}", r.summary);
    assert!(
        r.summary
            .starts_with("node 127.0.0.1:8443 routes 0.00% to the canary"),
        "{}",
        r.summary
    );
    assert!(r.summary.contains("other nodes 12.00%"), "{}", r.summary);
}

#[test]
fn equal_nodes_pass_and_one_node_changes_nothing() {
    let r = judge(90, 10, &[(5000, 500), (5000, 505)]);
    assert_eq!(r.verdict, Verdict::Pass, "{}", r.summary);
    assert!(r.warnings.is_empty(), "{:?}", r.warnings);
    let h = evidence(&r).node_homogeneity.clone().unwrap();
    assert!(!h.rejected && h.p_value.unwrap() > 0.5, "{h:?}");

    let one = judge(90, 10, &[(10_000, 1005)]);
    let mut bare = summary(&[(10_000, 1005)]);
    bare.nodes.clear();
    let mut m = SplitMonitor::new(SplitConfig::new(90, 10)).unwrap();
    m.observe(&bare);
    let none = m.finish(&bare);
    assert_eq!((one.verdict, &one.summary), (none.verdict, &none.summary));
    assert_eq!(evidence(&one).nodes.len(), 1, "the one node is shown");
    assert!(evidence(&one).node_homogeneity.is_none());
    assert!(evidence(&none).nodes.is_empty());
}

#[test]
fn too_few_node_counts_hold_back_a_pass() {
    // The second node's expected canary count is 20 × 0.1 = 2 < 5.
    let r = judge(90, 10, &[(10_000, 1000), (20, 2)]);
    assert_eq!(r.verdict, Verdict::Inconclusive, "{}", r.summary);
    assert!(
        r.summary
            .starts_with("node counts too small to compare nodes yet"),
        "{}",
        r.summary
    );
}

#[test]
fn a_differing_node_at_the_band_edge_holds_back_a_pass() {
    // 14.5 % on 1,000 vs 10 % on 10,000: p ≈ 1e-5, the node's interval straddles 12 %.
    let r = judge(90, 10, &[(10_000, 1000), (1000, 145)]);
    assert_eq!(r.verdict, Verdict::Inconclusive, "{}", r.summary);
    assert!(
        r.summary.contains("node 127.0.0.2:8443 routes 14.50%"),
        "{}",
        r.summary
    );
}

#[test]
fn a_leak_names_the_node() {
    let r = judge(100, 0, &[(3000, 0), (3000, 3)]);
    assert_eq!(r.verdict, Verdict::Fail, "{}", r.summary);
    assert!(
        r.summary
            .contains("; node 127.0.0.2:8443 routes 0.10% to the canary"),
        "{}",
        r.summary
    );
}

/// Nodes with equal shares, served in equal parts, simulated batch by batch.
fn run(monitor: &SplitMonitor, shares: &[f64], rng: &mut StdRng) -> CheckResult {
    let mut m = monitor.clone();
    let mut s = summary(&vec![(0, 0); shares.len()]);
    loop {
        let batch = m.batch_size();
        if batch == 0 {
            break;
        }
        let k = shares.len() as u64;
        for (i, p) in shares.iter().enumerate() {
            let n = batch / k + u64::from((i as u64) < batch % k);
            let hits = binomial(rng, n, *p);
            let c = s.nodes.get_mut(&addr(i)).unwrap();
            c.canary += hits;
            c.stable += n - hits;
            s.canary.responses += hits;
            s.stable.responses += n - hits;
        }
        s.requests += batch;
        if m.observe(&s) {
            break;
        }
    }
    m.finish(&s)
}

/// Monte-Carlo allowance as in `tests/core/stats_simulation.rs`: a method whose true
/// rate is `r` exceeds `r + 3σ` over `runs` with probability ≈ 0.13 %.
fn allowance(rate: f64, runs: u64) -> f64 {
    3.0 * (rate * (1.0 - rate) / runs as f64).sqrt()
}

/// The chi-square test alone on homogeneous nodes (3 nodes × 3,000 responses at
/// 10 %): its false-alarm rate is at most NODE_ALPHA (+3σ). Measured 0.00085 (17 of
/// 20,000); a test at 0.01 would show ≈ 0.01 and fail the bound 0.00167.
#[test]
fn homogeneity_false_alarm_is_at_most_its_level() {
    const RUNS: u64 = 20_000;
    let mut rng = StdRng::seed_from_u64(15);
    let rejected = (0..RUNS)
        .filter(|_| {
            let rows: Vec<Row> = (0..3)
                .map(|_| Row {
                    n: 3000,
                    canary: binomial(&mut rng, 3000, 0.1),
                })
                .collect();
            chi_square(&rows).unwrap().p_value <= NODE_ALPHA
        })
        .count() as u64;
    let rate = rejected as f64 / RUNS as f64;
    println!("homogeneity false alarm {rate} ({rejected} of {RUNS})");
    assert!(rate <= NODE_ALPHA + allowance(NODE_ALPHA, RUNS), "{rate}");
}

/// The monitor on two healthy nodes at 90/10, default budget: no more false FAILs than
/// the pooled bound α/2 (+3σ), PASS nearly always. Measured: PASS 1.000, FAIL
/// 0.000, node warnings 0.000 over 2,000 runs.
#[test]
fn healthy_nodes_pass() {
    const RUNS: u64 = 2_000;
    let monitor = SplitMonitor::new(SplitConfig::new(90, 10)).unwrap();
    let mut rng = StdRng::seed_from_u64(16);
    let (mut pass, mut fail, mut warned) = (0, 0, 0);
    for _ in 0..RUNS {
        let r = run(&monitor, &[0.1, 0.1], &mut rng);
        pass += u64::from(r.verdict == Verdict::Pass);
        fail += u64::from(r.verdict == Verdict::Fail);
        warned += u64::from(r.warnings.iter().any(|w| w.contains("nodes route")));
    }
    let rate = |x: u64| x as f64 / RUNS as f64;
    println!(
        "healthy nodes: PASS {} FAIL {} node warnings {}",
        rate(pass),
        rate(fail),
        rate(warned)
    );
    assert!(rate(fail) <= 0.005 + allowance(0.005, RUNS));
    assert!(rate(pass) >= 0.97, "PASS {}", rate(pass));
}

/// Power against one stale node: six nodes, one at 0 % and five at 12 % (pooled 10 %,
/// inside the band), 90/10, default budget: FAIL naming the stale node in every run.
/// Measured 1.000 over 1,000 runs; the requirement 0.99 is the split's detection
/// target (`tests/core/stats_simulation.rs`).
#[test]
fn a_stale_node_is_found_at_the_default_budget() {
    const RUNS: u64 = 1_000;
    let monitor = SplitMonitor::new(SplitConfig::new(90, 10)).unwrap();
    let mut rng = StdRng::seed_from_u64(17);
    let named = (0..RUNS)
        .filter(|_| {
            let r = run(&monitor, &[0.0, 0.12, 0.12, 0.12, 0.12, 0.12], &mut rng);
            r.verdict == Verdict::Fail && r.summary.starts_with("node 127.0.0.1:8443 routes")
        })
        .count() as u64;
    let rate = named as f64 / RUNS as f64;
    println!("stale node named in {rate} of runs");
    assert!(rate >= 0.99, "{rate}");
}

/// Nodes that differ but both lie inside the band (9 % and 11 % at 90/10, band
/// 8–12 %): never a FAIL (each node's share is acceptable); a PASS, sometimes with the
/// warning that the nodes differ, or INCONCLUSIVE when a node's interval still
/// overlaps an edge at the budget. Measured over 1,000 runs: PASS 0.930 (with
/// the warning 0.001), INCONCLUSIVE 0.070, FAIL 0. The pooled PASS usually
/// comes before the nodes' 2-point difference is shown (X² grows with n), so a
/// warning is rare; the INCONCLUSIVE runs are those where it was shown first and a
/// node's interval still crossed an edge at the budget. A FAIL would need a node's
/// interval entirely outside the band, ≥ 1 point beyond its true share at the
/// interval's level: ≈ 1e-9 per look.
#[test]
fn nodes_differing_inside_the_band_never_fail() {
    const RUNS: u64 = 1_000;
    let monitor = SplitMonitor::new(SplitConfig::new(90, 10)).unwrap();
    let mut rng = StdRng::seed_from_u64(18);
    let (mut pass, mut warned, mut fail) = (0, 0, 0);
    for _ in 0..RUNS {
        let r = run(&monitor, &[0.09, 0.11], &mut rng);
        pass += u64::from(r.verdict == Verdict::Pass);
        fail += u64::from(r.verdict == Verdict::Fail);
        warned += u64::from(r.warnings.iter().any(|w| w.contains("nodes route")));
    }
    let rate = |x: u64| x as f64 / RUNS as f64;
    println!(
        "nodes at 9%/11%: PASS {} (with node warning {}) FAIL {} INCONCLUSIVE {}",
        rate(pass),
        rate(warned),
        rate(fail),
        1.0 - rate(pass) - rate(fail)
    );
    assert_eq!(fail, 0);
    assert!(rate(pass) >= 0.5, "PASS {}", rate(pass));
}
