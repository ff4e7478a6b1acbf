//! The WAF's rate rules on the twin's edge: the client rule (`rate-limit-per-ip`)
//! blocks a plain client above its limit with the declared 429 and `x-waf-rule`, and
//! never the gate, which carries the twin's token in `x-harness-gate` and is counted by
//! its own rule (`rate-limit-gate`). Once at a scaled-down limit (fast, with the window
//! ending), once at Terraform's real limits and verify's default budget (issue #12:
//! "a gate run at the default budget is not rate-limited by the twin's WAF rate rule,
//! and a plain client sending the same volume is").

use std::time::{Duration, Instant};

use harness::sample::{RequestSpec, SamplerConfig};
use harness::twin::terraform::{Declared, GateScope};
use harness::twin::{Twin, TwinSpec, Weights};

use crate::support::twin_util;

use twin_util::{assert_declared_target_group, image, node_client};

/// The WAF's client rate rule (Terraform's `rate-limit-per-ip`, limit scaled down to
/// `SCALED_LIMIT` per window through the twin's option, from 2000 per 300 s) blocks a
/// plain client above the limit with 429 and `x-waf-rule: rate-limit-per-ip`, while
/// `harness verify` (which the twin hands its gate token) sends more than the limit
/// without a single 429; once the window (`WINDOW_S`) has passed the client is served
/// again. The scaled limit is below the split check's first look (`MIN_FIRST_LOOK`
/// requests), so every verify run sends more than it. Deterministic counting:
/// ModSecurity counts every request (node 0's one nginx worker, which the client's
/// requests all reach); the only timing assumption is
/// that the client's 81 sequential loopback requests take less than `WINDOW_S − 1` s
/// (they take well under 1 s), so the chance of a wrong outcome is < 1e-4.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn waf_rate_rule_blocks_clients_not_the_gate() {
    let _machine = crate::support::serial::twin().await;
    const SCALED_LIMIT: u64 = 40;
    const WINDOW_S: u64 = 10;
    const { assert!(SCALED_LIMIT < harness::checks::split::MIN_FIRST_LOOK) };
    let spec = TwinSpec::healthy("90/10".parse::<Weights>().unwrap(), image().await);
    let opts = harness::twin::TwinOptions {
        waf_rate: harness::twin::waf_rate::RateOverrides {
            client_limit: Some(SCALED_LIMIT),
            gate_limit: None,
            window_s: Some(WINDOW_S),
        },
        ..Default::default()
    };
    let twin = Twin::start_with(spec, opts).await.unwrap();
    assert_declared_target_group(&twin).await;
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().display().to_string();
    let v = twin_util::verify_flags(&["--checks", "split", "--margin", "0.1"], &dir);
    let args = harness::twin::merge_verify_args(twin.verify_args(), &v);
    let token = args
        .gate_token
        .clone()
        .expect("the twin hands out its token")
        .0;
    let run = harness::verify::run(args).await.unwrap();
    let sample = run.sample.expect("a sample");
    eprintln!("verify: {} requests, {}", sample.requests, run.verdict);
    assert!(
        sample.requests > SCALED_LIMIT,
        "verify sent {} requests, not above the limit",
        sample.requests
    );
    assert_eq!(
        sample.unattributed.get("429"),
        None,
        "the gate was rate-limited: {:?}",
        sample.unattributed
    );
    // Each node counts on its own: each must have been sent more than the limit.
    assert_eq!(
        sample.nodes.len(),
        twin.node_addrs().len(),
        "{:?}",
        sample.nodes
    );
    for (node, c) in &sample.nodes {
        let sent = c.attributed() + c.unattributed;
        assert!(
            sent > SCALED_LIMIT,
            "node {node}: {sent} requests, not above the limit"
        );
    }

    // One node: the one whose counts the 80 requests below are checked against.
    let c = node_client(&twin, 0);
    let url = twin.url();
    for i in 1..=2 * SCALED_LIMIT {
        let r = c.get(&url).send().await.unwrap();
        let rule = r
            .headers()
            .get("x-waf-rule")
            .map(|v| v.to_str().unwrap().to_string());
        if i <= SCALED_LIMIT {
            assert_eq!(r.status(), 200, "request {i} within the limit");
            assert_eq!(rule, None);
        } else {
            assert_eq!(r.status(), 429, "request {i} above the limit");
            assert_eq!(rule.as_deref(), Some("rate-limit-per-ip"));
        }
    }
    // The same client with the token is exempt from the client limit.
    let r = c
        .get(&url)
        .header("x-harness-gate", &token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "a gate request was rate-limited");
    // A new window serves the client again.
    tokio::time::sleep(Duration::from_secs(WINDOW_S)).await;
    let r = c.get(&url).send().await.unwrap();
    assert_eq!(r.status(), 200, "the window did not end");
    twin.stop().await.unwrap();
}

/// Requests between two looks of the sampler (no early stop: every request is sent).
const BATCH: u64 = 1_000;

/// Sends exactly `n` requests with `request` (path and headers; with or without the
/// gate token) to edge node 0 alone, as fast as it answers, `concurrency` at a time:
/// the counts below are one WebACL's, which on the twin are one node's.
async fn send(
    twin: &Twin,
    request: RequestSpec,
    n: u64,
    concurrency: usize,
    timeout: Duration,
) -> harness::result::SampleSummary {
    let cfg = SamplerConfig {
        endpoint: twin.node_endpoint(0).unwrap(),
        request,
        max_requests: n,
        concurrency,
        rps: None,
        timeout,
        fresh_connections: false,
        batch_size: BATCH,
        quiet: true,
    };
    harness::sample::sample(&cfg, |_| Some(BATCH))
        .await
        .unwrap()
}

/// At Terraform's real limits (read, not copied: `var.waf_rate_limit` 2,000 and
/// `var.waf_gate_rate_limit` 100,000 requests per 300 s per IP) and verify's default
/// budget (`--max-requests` 20,000, which caps every request a verify run samples), a
/// plain client and the gate each send the full budget from the same IP, uncapped
/// (`rps: None`) so the test takes seconds instead of verify's 100 s at 200 rps.
///
/// Arithmetic: the plain client is counted by the client rule only (its scope-down
/// skips the token), so in one window it is served for requests 1..=2,000 and blocked
/// for the other 20,000 − 2,000 = 18,000, each 429 with `x-waf-rule:
/// rate-limit-per-ip`. The gate is counted by the gate rule only: 20,000 ≤ 100,000,
/// so no gate request can be blocked, however the window falls, even right after the
/// same IP was blocked for plain traffic. Counting is deterministic (ModSecurity in
/// node 0's single nginx worker counts every request, and both runs go to node 0 only;
/// no reload during the test; the edge gets no request before the test's). The one timing assumption, that the plain
/// run ends within one window (≤ 299 s, the twin's window resolution is 1 s), is
/// asserted from the measured wall time, so no outcome here is left to chance.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn at_the_default_budget_the_gate_passes_and_a_plain_client_is_blocked() {
    let _machine = crate::support::serial::twin().await;
    let declared = Declared::load_default().unwrap();
    let client_rule = declared.rate_rule("rate-limit-per-ip").unwrap().clone();
    let gate_rule = declared.rate_rule("rate-limit-gate").unwrap().clone();
    assert_eq!(client_rule.scope, GateScope::ExceptGate);
    assert_eq!(gate_rule.scope, GateScope::OnlyGate);
    let budget = harness::checks::split::DEFAULT_MAX_REQUESTS;
    assert!(
        client_rule.limit < budget && budget <= gate_rule.limit,
        "limits {} / {} against a budget of {budget}",
        client_rule.limit,
        gate_rule.limit
    );

    let spec = TwinSpec::healthy("90/10".parse::<Weights>().unwrap(), image().await);
    let twin = Twin::start(spec).await.unwrap();
    assert_eq!(
        twin.rate_rules(),
        &declared.rate_rules[..],
        "the edge does not enforce Terraform's rate rules"
    );
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().display().to_string();
    // The gate's settings as verify resolves them from the twin's arguments (token
    // included) and the defaults.
    let v = twin_util::verify_flags(&[], &dir);
    let mut args = harness::twin::merge_verify_args(twin.verify_args(), &v);
    args.max_requests = None;
    let cfg = harness::config::resolve(&args).unwrap();
    assert_eq!(cfg.max_requests, budget, "not verify's default budget");
    let gate_request = cfg.extras.request.clone();
    assert!(
        gate_request.secret.is_some(),
        "the gate's requests carry no token"
    );
    let plain_request = RequestSpec {
        secret: None,
        ..gate_request.clone()
    };

    let t0 = Instant::now();
    let plain = send(&twin, plain_request, budget, cfg.concurrency, cfg.timeout).await;
    let plain_s = t0.elapsed().as_secs_f64();
    let plain_429 = plain.unattributed.get("429").copied().unwrap_or(0);
    eprintln!(
        "plain client: {} requests, {} served, {plain_429} × 429, {plain_s:.1} s",
        plain.requests,
        plain.attributed()
    );
    assert!(
        plain_s < (client_rule.window_s - 1) as f64,
        "{plain_s} s: not one window"
    );
    assert_eq!(plain.requests, budget);
    assert_eq!(plain.attributed(), client_rule.limit, "{plain:?}");
    assert_eq!(plain_429, budget - client_rule.limit, "{plain:?}");

    let t1 = Instant::now();
    let gate = send(&twin, gate_request, budget, cfg.concurrency, cfg.timeout).await;
    let gate_s = t1.elapsed().as_secs_f64();
    eprintln!(
        "gate: {} requests, {} served, {} unattributed {:?}, {gate_s:.1} s",
        gate.requests,
        gate.attributed(),
        gate.unattributed_total(),
        gate.unattributed
    );
    assert_eq!(gate.requests, budget);
    assert_eq!(
        gate.attributed(),
        budget,
        "the gate was not served: {gate:?}"
    );
    assert_eq!(
        gate.unattributed.get("429"),
        None,
        "the gate was rate-limited"
    );

    // A blocked response names the rule; the IP stays blocked for plain traffic.
    let r = node_client(&twin, 0).get(twin.url()).send().await.unwrap();
    assert_eq!(r.status(), 429);
    assert_eq!(
        r.headers().get("x-waf-rule").and_then(|v| v.to_str().ok()),
        Some(client_rule.name.as_str())
    );
    eprintln!("total wall time {:.1} s", t0.elapsed().as_secs_f64());
    twin.stop().await.unwrap();
}
