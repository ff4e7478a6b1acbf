//! Per-node evidence end to end: two real TLS fronts on 127.0.0.1 and 127.0.0.2 with
//! the same port stand for two ALB nodes of one name; `--resolve` pins the name to
//! both (`HOST:PORT:127.0.0.1,127.0.0.2`); the real sampler spreads its connections
//! over them and counts per node; the real split monitor judges the nodes.

use std::time::Duration;

use harness::checks::split::{SplitConfig, SplitMonitor};
use harness::endpoint::Endpoint;
use harness::result::{CheckResult, Evidence, SampleSummary, SplitEvidence, Verdict};
use harness::sample::{RequestSpec, SamplerConfig, sample};

use crate::support::verify_world::*;

/// Binds 127.0.0.1 and 127.0.0.2 on one free port (127.0.0.1:0 first, then the same
/// port on 127.0.0.2; another port when that one is taken there).
async fn two_listeners() -> (TcpListener, TcpListener, u16) {
    for _ in 0..50 {
        let one = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = one.local_addr().unwrap().port();
        if let Ok(two) = TcpListener::bind(("127.0.0.2", port)).await {
            return (one, two, port);
        }
    }
    panic!("no port free on both 127.0.0.1 and 127.0.0.2 in 50 tries");
}

struct Nodes {
    endpoint: Endpoint,
    port: u16,
    _dir: tempfile::TempDir,
}

/// Two nodes of [`HOST`], forwarding each connection with their own weights.
async fn nodes(first: (u32, u32), second: (u32, u32)) -> Nodes {
    let dir = tempfile::tempdir().unwrap();
    let (acceptor, ca_file) = tls_acceptor(dir.path());
    let stable = backend(Some(("stable", "v1"))).await;
    let canary = backend(Some(("canary", "v2"))).await;
    let (one, two, port) = two_listeners().await;
    serve(one, acceptor.clone(), stable, canary, first);
    serve(two, acceptor, stable, canary, second);
    let endpoint = Endpoint::new(
        &format!("https://{HOST}:{port}/"),
        None,
        &[format!("{HOST}:{port}:127.0.0.1,127.0.0.2")],
        Some(&ca_file),
    )
    .unwrap();
    Nodes {
        endpoint,
        port,
        _dir: dir,
    }
}

/// Samples with the split monitor deciding when to stop, as `verify` does; fresh
/// connections, so each request is one weighted pick of its node.
async fn judge(nodes: &Nodes, config: SplitConfig) -> (SampleSummary, CheckResult) {
    let mut monitor = SplitMonitor::new(config.clone()).unwrap();
    let cfg = SamplerConfig {
        endpoint: nodes.endpoint.clone(),
        request: RequestSpec::default(),
        max_requests: config.max_requests,
        concurrency: 16,
        rps: None,
        timeout: Duration::from_secs(10),
        fresh_connections: true,
        batch_size: monitor.batch_size(),
        quiet: true,
    };
    let summary = sample(&cfg, |s| {
        (!monitor.observe(s)).then(|| monitor.batch_size())
    })
    .await
    .unwrap();
    let result = monitor.finish(&summary);
    (summary, result)
}

fn evidence(r: &CheckResult) -> &SplitEvidence {
    match &r.evidence {
        Evidence::Split(e) => e,
        other => panic!("unexpected evidence {other:?}"),
    }
}

/// Both nodes' counts are reported and add up to the pooled ones.
fn assert_counts(summary: &SampleSummary, port: u16) {
    let keys: Vec<String> = summary.nodes.keys().cloned().collect();
    assert_eq!(
        keys,
        [format!("127.0.0.1:{port}"), format!("127.0.0.2:{port}")],
        "{summary:?}"
    );
    let sum =
        |f: fn(&harness::result::NodeCounts) -> u64| summary.nodes.values().map(f).sum::<u64>();
    assert_eq!(sum(|c| c.stable), summary.stable.responses);
    assert_eq!(sum(|c| c.canary), summary.canary.responses);
    assert!(summary.nodes.values().all(|c| c.attributed() > 0));
}

/// Node 127.0.0.1 keeps stale weights (all stable, 0 %) while 127.0.0.2 routes 15 %:
/// the pooled share ≈ 7.5 % lies inside the band 10 % ± 5 %, so only the nodes show
/// the fault. FAIL naming 127.0.0.1.
///
/// Chance of another verdict < 1e-4: node 1's interval (0 of m, at α'/2 with
/// α' ≥ α/K ≈ 0.005) lies below 5 % once m ≥ ≈ 140, and with ≈ 140 responses per
/// node the chi-square statistic is ≈ 20 (p ≈ 1e-5 ≤ NODE_ALPHA); a pooled PASS needs
/// the pooled interval's lower bound above 5 % with the truth at 7.5 %, ≳ 1,500
/// responses, where X² ≈ 100 (p < 1e-20): the homogeneity test is rejected long
/// before. A pooled FAIL (interval outside [5 %, 15 %] with the truth inside) has
/// probability ≤ α/2 at the band edge and far less at 7.5 %, and the node FAIL comes
/// first anyway. Node 1 is the most deviant (0.10 from 10 % vs 0.05).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stale_node_fails_and_is_named() {
    let n = nodes((1, 0), (85, 15)).await;
    let config = SplitConfig {
        alpha: 0.05,
        margin: 0.05,
        max_requests: 3000,
        ..SplitConfig::new(90, 10)
    };
    let (summary, result) = judge(&n, config).await;
    assert_counts(&summary, n.port);
    assert_eq!(result.verdict, Verdict::Fail, "{}", result.summary);
    let name = format!("node 127.0.0.1:{} routes 0.00% to the canary", n.port);
    assert!(result.summary.starts_with(&name), "{}", result.summary);
    let e = evidence(&result);
    assert_eq!(e.nodes.len(), 2);
    assert!(e.node_homogeneity.as_ref().is_some_and(|h| h.rejected));
}

/// Weight 100/0 on both nodes: no canary can answer (the fronts never pick it), so
/// PASS is certain once the leak sample (⌈ln 0.05 / ln 0.99⌉ = 299 responses) is
/// reached, with both nodes in the evidence. Then node 127.0.0.2 leaks 20 %: FAIL
/// naming it. Half the slots dial it first, so it serves about half of the 299; the
/// chance of no hit in its first 100 responses is 0.8^100 = 2e-10 (< 1e-4).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn weight_zero_passes_on_two_nodes_and_a_leaking_node_is_named() {
    let config = SplitConfig {
        alpha: 0.05,
        leak_margin: 0.01,
        max_requests: 3000,
        ..SplitConfig::new(100, 0)
    };
    let healthy = nodes((1, 0), (1, 0)).await;
    let (summary, result) = judge(&healthy, config.clone()).await;
    assert_counts(&summary, healthy.port);
    assert_eq!(result.verdict, Verdict::Pass, "{}", result.summary);
    assert_eq!(evidence(&result).nodes.len(), 2);

    let leaking = nodes((1, 0), (4, 1)).await;
    let (_, result) = judge(&leaking, config).await;
    assert_eq!(result.verdict, Verdict::Fail, "{}", result.summary);
    let name = format!("; node 127.0.0.2:{} routes", leaking.port);
    assert!(result.summary.contains(&name), "{}", result.summary);
}
