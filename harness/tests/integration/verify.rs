//! `harness verify`, `plan` and `gate` end to end, in process, against the moto world
//! of `support/verify_world.rs`: moto as the AWS control plane (seeded through
//! `twin::seed`), two poem backends on port 0 answering as stable and canary, and a
//! small weighted TLS front (tokio-rustls, rcgen CA) standing in for the ALB. The
//! front picks a backend per connection with the *real* weights it is given, which may
//! differ from what the listener in moto says; the sampler opens a fresh connection per
//! request, so every request is routed anew. Here: exit codes of unreachable targets,
//! bad configuration and failing AWS reads, `--plan`, and `harness gate`. The split's
//! and scale's verdicts in the same world: `split`, `scale`.

use crate::support::serial;
use crate::support::verify_world::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unreachable_url_exits_4() {
    let _world = serial::world().await;
    // A port nobody listens on (bound, read, closed).
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let dir = tempfile::tempdir().unwrap();
    let args: Vec<String> = [
        "harness",
        "verify",
        "--url",
        &format!("https://{HOST}:{port}/"),
        "--resolve",
        &format!("{HOST}:{port}:127.0.0.1"),
        "--checks",
        "health",
        "--max-requests",
        "50",
        "--report-dir",
        &dir.path().display().to_string(),
        "--quiet",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let (code, msg) = exit_of(args).await;
    assert_eq!(code, 4, "{msg}");
    assert!(msg.contains("unreachable"), "{msg}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_configuration_exits_2_with_one_line() {
    let _world = serial::world().await;
    let w = world(Spec::healthy()).await;
    let one_line = |code: i32, msg: &str, needle: &str| {
        assert_eq!(code, 2, "case {needle}: {msg}");
        assert!(!msg.contains('\n'), "{msg}");
        assert!(msg.contains(needle), "{msg} lacks {needle}");
    };
    // Malformed URL.
    let (code, msg) = exit_of(w.args(&["--url", "https//nope"])).await;
    one_line(code, &msg, "--url");
    // Unknown listener ARN: well-formed (a malformed one is refused before any AWS
    // call), so this exercises AWS's not-found answer.
    let (prefix, _) = w.seeded.listener_arn.rsplit_once('/').unwrap();
    let bogus = format!("{prefix}/ffffffffffffffff");
    let (code, msg) = exit_of(w.args(&["--listener-arn", &bogus])).await;
    one_line(code, &msg, "listener");
    // Unknown service.
    let (code, msg) = exit_of(w.args(&["--canary-service", "nope"])).await;
    one_line(code, &msg, "nope");
    // app-infra's services name no target group (the registrar registers task IPs):
    // without Terraform's target group outputs the harness says what to give.
    let mut no_tg = w.args(&[]);
    let at = no_tg
        .iter()
        .position(|a| a == "--canary-target-group")
        .unwrap();
    no_tg.drain(at..at + 2);
    let (code, msg) = exit_of(no_tg).await;
    one_line(code, &msg, "--canary-target-group");
    // One target group for both variants is refused.
    let mut same = w.args(&[]);
    let at = same
        .iter()
        .position(|a| a == "--canary-target-group")
        .unwrap();
    same[at + 1] = w.seeded.stable_target_group_arn.clone();
    let (code, msg) = exit_of(same).await;
    one_line(code, &msg, "for both stable and canary");
    // Weights missing: the forward action lists the target groups without weights.
    let sdk = harness::aws::load(&aws_options(&w.moto, &w.creds))
        .await
        .unwrap();
    let elb = aws_sdk_elasticloadbalancingv2::Client::new(&sdk);
    // moto (like ALB) fills an omitted weight with 1, so "weights missing" cannot be
    // stored; both weights 0 is the bad listener state the harness must reject.
    // moto wants the HTTPS listener's certificate repeated on modify.
    let certificate = listener_certificate(&w).await;
    elb.modify_listener()
        .listener_arn(&w.seeded.listener_arn)
        .certificates(certificate)
        .default_actions(harness::twin::seed::forward_action(
            &w.seeded.stable_target_group_arn,
            0,
            &w.seeded.canary_target_group_arn,
            0,
        ))
        .send()
        .await
        .unwrap();
    let (code, msg) = exit_of(w.args(&[])).await;
    one_line(code, &msg, "sum to 0");
}

/// A TCP relay from `listener` to port `to` that stops moto (drops the server, which
/// kills it) when the first connection arrives, before relaying it: the harness reads
/// the configured truth from AWS before it sends any traffic, so every AWS read after
/// this point (scale's ECS read) fails, while the whole sample gets through.
fn relay_that_stops_moto(listener: TcpListener, to: u16, moto: MotoServer) {
    tokio::spawn(async move {
        let mut moto = Some(moto);
        loop {
            let Ok((mut down, _)) = listener.accept().await else {
                return;
            };
            drop(moto.take());
            tokio::spawn(async move {
                let Ok(mut up) = TcpStream::connect(("127.0.0.1", to)).await else {
                    return;
                };
                let _ = tokio::io::copy_bidirectional(&mut down, &mut up).await;
            });
        }
    });
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_aws_read_failing_after_sampling_keeps_the_report_and_exits_4() {
    use harness::result::Verdict;
    let _world = serial::world().await;
    let w = world(Spec::healthy()).await;
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let args = w.args(&[
        "--url",
        &format!("https://{HOST}:{port}/"),
        "--resolve",
        &format!("{HOST}:{port}:127.0.0.1"),
    ]);
    let World {
        moto, front, dir, ..
    } = w;
    relay_that_stops_moto(listener, front.port, moto);

    let (code, msg) = exit_of(args).await;
    assert_eq!(code, 4, "{msg}");
    assert!(
        msg.is_empty(),
        "the run ended in an error, not a verdict: {msg}"
    );

    let reports = dir.path().join("reports");
    let run_dirs: Vec<PathBuf> = std::fs::read_dir(&reports)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.join("report.json").is_file())
        .collect();
    assert_eq!(run_dirs.len(), 1, "exactly one report written");
    let text = std::fs::read_to_string(run_dirs[0].join("report.json")).unwrap();
    let run = harness::report::json::parse(&text).unwrap();
    assert_eq!(run.verdict, Verdict::Error);
    let check = |name: &str| run.checks.iter().find(|c| c.name == name).unwrap();
    // What was gathered before the failure is all there. The split itself cannot be
    // confirmed: the re-read of the listener after sampling (did the weights move?)
    // failed too, so split is ERROR with that reason, its evidence kept.
    let split = check("split");
    assert_eq!(split.verdict, Verdict::Error, "{split:?}");
    assert!(
        split.summary.contains("could not re-read the listener"),
        "{}",
        split.summary
    );
    match &split.evidence {
        harness::result::Evidence::Split(ev) => assert!(ev.n > 0, "{ev:?}"),
        other => panic!("split evidence lost: {other:?}"),
    }
    let sample = run.sample.as_ref().expect("the sample is kept");
    assert!(sample.attributed() > 0, "{sample:?}");
    let scale = check("scale");
    assert_eq!(scale.verdict, Verdict::Error);
    let reason = &scale.summary;
    assert!(
        reason.starts_with("AWS: ECS services in cluster") && reason.contains("dispatch failure"),
        "{reason}"
    );
    for debug in ["{", "DispatchFailure(", "ConnectorError", "\n"] {
        assert!(!reason.contains(debug), "{debug:?} in {reason}");
    }
    let junit = std::fs::read_to_string(run_dirs[0].join("junit.xml")).unwrap();
    assert!(junit.contains("type=\"error\""), "{junit}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plan_reads_the_weights_and_judges_the_budget() {
    let _world = serial::world().await;
    let w = world(Spec::healthy()).await;
    // 90/10 at ±5 points: an adequate budget, exit 0 and no report written.
    let (code, msg) = exit_of(w.args(&["--plan"])).await;
    assert_eq!(code, 0, "{msg}");
    assert!(
        !w.dir.path().join("reports").exists(),
        "--plan wrote a report"
    );
    // ±0.1 point at 90/10 needs millions of requests: exit 2, one line.
    let (code, msg) = exit_of(w.args(&["--plan", "--margin", "0.001"])).await;
    assert_eq!(code, 2, "{msg}");
    assert!(msg.contains("--max-requests 3000"), "{msg}");
    assert!(!msg.contains('\n'), "{msg}");
}

/// `harness gate` on a world whose control plane and front agree (moto only reports
/// COMPLETED rollouts and healthy targets; the rolled-back and unhealthy paths are SDK
/// fixtures in `gate::rollout`): the requested deployment running is GO (exit 0); a
/// requested canary tag that is not what runs (as after an ECS rollback) and requested
/// weights the listener does not have both roll back (exit 1), named in the report's
/// `rollout` check. A stale target registered in the canary target group rolls back
/// too, and the healthy run says it compared by count (the endpoint reports no task
/// addresses: moto runs no task for a service).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gate_goes_on_what_was_requested_and_rolls_back_otherwise() {
    use harness::result::Verdict;
    let _world = serial::world().await;
    let w = world(Spec::healthy()).await;
    let gate = |tags: (&str, &str), weights: (&str, &str)| {
        let mut a = w.args(&[
            "--stable-tag",
            tags.0,
            "--canary-tag",
            tags.1,
            "--stable-weight",
            weights.0,
            "--canary-weight",
            weights.1,
            "--rollout-timeout",
            "0",
        ]);
        a[1] = "gate".into();
        a
    };
    let (code, msg) = exit_of(gate(("v1", "v2"), ("90", "10"))).await;
    assert_eq!(code, 0, "healthy rollout: {msg}");
    let (code, msg) = exit_of(gate(("v1", "v3"), ("90", "10"))).await;
    assert_eq!(code, 1, "canary v3 requested, v2 runs: {msg}");
    let (code, msg) = exit_of(gate(("v1", "v2"), ("50", "50"))).await;
    assert_eq!(code, 1, "50/50 requested, listener 90/10: {msg}");
    // Target-group verification: a dead address registered in the canary target group
    // (the `stale-target` fault) is no running task. moto's services run no tasks, so
    // the gate compares the live targets with runningCount and names them.
    let sdk = harness::aws::load(&aws_options(&w.moto, &w.creds))
        .await
        .unwrap();
    aws_sdk_elasticloadbalancingv2::Client::new(&sdk)
        .register_targets()
        .target_group_arn(&w.seeded.canary_target_group_arn)
        .targets(
            aws_sdk_elasticloadbalancingv2::types::TargetDescription::builder()
                .id("10.255.255.1")
                .port(80)
                .build(),
        )
        .send()
        .await
        .unwrap();
    let (code, msg) = exit_of(gate(("v1", "v2"), ("90", "10"))).await;
    assert_eq!(code, 1, "stale target registered: {msg}");

    let mut rollouts: Vec<(Verdict, String)> = std::fs::read_dir(w.dir.path().join("reports"))
        .unwrap()
        .flatten()
        .map(|e| e.path().join("report.json"))
        .filter(|p| p.is_file())
        .map(|p| {
            let run = harness::report::json::parse(&std::fs::read_to_string(p).unwrap()).unwrap();
            let c = run
                .checks
                .iter()
                .find(|c| c.name == "rollout")
                .unwrap()
                .clone();
            (c.verdict, c.summary)
        })
        .collect();
    rollouts.sort_by(|a, b| a.1.cmp(&b.1));
    assert_eq!(rollouts.len(), 4, "{rollouts:?}");
    let has = |v: Verdict, needle: &str| {
        rollouts
            .iter()
            .any(|(rv, s)| *rv == v && s.contains(needle))
    };
    assert!(
        has(Verdict::Pass, "stable runs v1, canary runs v2"),
        "{rollouts:?}"
    );
    assert!(
        has(Verdict::Fail, "runs image tag v2 but v3 was requested"),
        "{rollouts:?}"
    );
    assert!(
        has(Verdict::Fail, "listener weights are 90/10 but 50/50"),
        "{rollouts:?}"
    );
    assert!(
        has(Verdict::Fail, "10.255.255.1") && has(Verdict::Fail, "stale target"),
        "{rollouts:?}"
    );
    assert!(has(Verdict::Pass, "compared by count"), "{rollouts:?}");
}
