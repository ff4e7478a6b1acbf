//! Bad input never panics and never reaches AWS or the target: the CLI is driven in
//! process (`Cli::parse_from` + `run_async`, each run under `catch_unwind` so that a
//! panic is caught and reported as such) and every case must end with exit 2 and a one-line
//! message naming the flag. The AWS endpoint points at a closed port: a case that
//! slipped past validation would end with exit 4 instead.

use std::panic::AssertUnwindSafe;

use clap::Parser;
use futures::FutureExt;
use harness::cli::Cli;

const ARN: &str = "arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/poem-alb/50dc6c495c0c9188/f2f7dc8efc522ab2";

/// Exit code and message of `harness verify` with a valid target plus `extra`.
async fn verify(extra: &[&str]) -> (i32, String) {
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut args: Vec<String> = [
        "harness",
        "verify",
        "--url",
        "https://bad-input.test/",
        "--cluster",
        "c",
        "--stable-service",
        "s",
        "--canary-service",
        "k",
        "--aws-region",
        "us-east-1",
        "--aws-endpoint-url",
        &format!("http://{closed}"),
        "--report-dir",
        &dir.path().display().to_string(),
        "--quiet",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    if !extra.contains(&"--listener-arn") {
        args.extend(["--listener-arn".to_string(), ARN.to_string()]);
    }
    args.extend(extra.iter().map(|s| s.to_string()));
    let cli = Cli::parse_from(&args);
    let joined = AssertUnwindSafe(harness::run_async(cli))
        .catch_unwind()
        .await;
    match joined {
        Err(_) => panic!("{extra:?} panicked"),
        Ok(Ok(o)) => (o.exit_code(), String::new()),
        Ok(Err(e)) => (e.exit_code(), e.to_string()),
    }
}

#[tokio::test]
async fn bad_values_exit_2_with_one_line_and_no_panic() {
    for (extra, needle) in [
        (vec!["--rps", "1e-20"], "--rps"),
        (vec!["--rps", "0"], "--rps"),
        (vec!["--rps", "NaN"], "--rps"),
        (vec!["--rps", "inf"], "--rps"),
        (vec!["--rps=-5"], "--rps"),
        (vec!["--listener-arn", "nonsense"], "--listener-arn"),
        (
            vec![
                "--listener-arn",
                &ARN.replace("listener/app", "listener/net"),
            ],
            "--listener-arn",
        ),
        (vec!["--changed-at", "yesterday"], "--changed-at"),
        (vec!["--changed-at", "2999-01-01T00:00:00Z"], "--changed-at"),
        (vec!["--settle", "100000"], "--settle"),
        (vec!["--header", "no-colon"], "--header"),
        (vec!["--header", "bad name:v"], "--header"),
        (vec!["--header", "Host:evil.test"], "--header"),
        (vec!["--path", "relative"], "--path"),
        (vec!["--path", "/a?b=c"], "--path"),
        (vec!["--waf-min-block-rate", "1.5"], "--waf-min-block-rate"),
        (vec!["--waf-min-block-rate", "NaN"], "--waf-min-block-rate"),
        (vec!["--waf-category-floor", "sqli"], "--waf-category-floor"),
        (
            vec!["--waf-category-floor", "nope=0.9"],
            "waf category floor",
        ),
        (vec!["--waf-category-floor", "xss=0"], "waf category floor"),
        (vec!["--shard", "0/2"], "--shard"),
        (vec!["--shard", "3/2"], "--shard"),
        (vec!["--shard", "1/0"], "--shard"),
        (vec!["--shard", "0/0"], "--shard"),
        (vec!["--shard", "x"], "--shard"),
        (vec!["--shard", "1/2/3"], "--shard"),
        (vec!["--max-requests", "1", "--shard", "2/2"], "--shard"),
    ] {
        let (code, msg) = verify(&extra).await;
        assert_eq!(code, 2, "{extra:?}: exit {code}: {msg}");
        assert!(msg.contains(needle), "{extra:?}: {msg}");
        assert!(!msg.contains('\n'), "{extra:?}: {msg}");
    }
}

#[tokio::test]
async fn twin_weights_rejects_bad_input() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().display().to_string();
    for (args, needle) in [
        (vec!["90-10"], "--weights"),
        (vec!["0/0"], "weights"),
        (vec!["50/50", "--edge-lag=-1"], "--edge-lag"),
        (vec!["50/50", "--edge-lag", "NaN"], "--edge-lag"),
        (vec!["50/50"], "no twin is up"),
    ] {
        let mut full = vec!["harness", "twin", "weights"];
        full.extend(&args);
        full.extend(["--state-dir", &state]);
        let joined = AssertUnwindSafe(harness::run_async(Cli::parse_from(&full)))
            .catch_unwind()
            .await;
        let err = match joined {
            Err(_) => panic!("{args:?} panicked"),
            Ok(r) => r.unwrap_err(),
        };
        assert_eq!(err.exit_code(), 2, "{args:?}: {err}");
        assert!(err.to_string().contains(needle), "{args:?}: {err}");
    }
}

/// Exit code and message of `harness verify` with exactly `args` after `verify`.
async fn verify_bare(args: &[&str]) -> (i32, String) {
    let mut full = vec!["harness", "verify", "--quiet"];
    full.extend(args);
    let joined = AssertUnwindSafe(harness::run_async(Cli::parse_from(&full)))
        .catch_unwind()
        .await;
    match joined {
        Err(_) => panic!("{args:?} panicked"),
        Ok(Ok(o)) => (o.exit_code(), String::new()),
        Ok(Err(e)) => (e.exit_code(), e.to_string()),
    }
}

/// A `--ca-file` without a PEM certificate is a configuration error (exit 2, one line
/// naming the flag) found before any traffic: the target here is a listener that
/// counts its connections, and must see none.
#[tokio::test]
async fn a_ca_file_without_a_certificate_exits_2_before_any_traffic() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let dir = tempfile::tempdir().unwrap();
    let reports = dir.path().join("reports").display().to_string();
    let (url, pin) = (
        format!("https://ca-test.test:{port}/"),
        format!("ca-test.test:{port}:127.0.0.1"),
    );
    let key_only = "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n";
    for (name, text) in [
        ("empty.pem", ""),
        ("prose.pem", "this is not a certificate\n"),
        ("key.pem", key_only),
        (
            "garbage.pem",
            "-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydA==\n-----END CERTIFICATE-----\n",
        ),
    ] {
        let ca = dir.path().join(name);
        std::fs::write(&ca, text).unwrap();
        let ca = ca.display().to_string();
        for checks in ["tls", "waf", "tls,waf"] {
            let args = [
                "--url",
                &url,
                "--resolve",
                &pin,
                "--ca-file",
                &ca,
                "--checks",
                checks,
                "--report-dir",
                &reports,
            ];
            let (code, msg) = verify_bare(&args).await;
            assert_eq!(code, 2, "{name} {checks}: exit {code}: {msg}");
            assert!(msg.contains("--ca-file"), "{name}: {msg}");
            assert!(!msg.contains('\n'), "{name}: {msg}");
        }
        // The default checks with an AWS target (on a closed port: a slip gives 4).
        let (code, msg) = verify(&["--ca-file", &ca]).await;
        assert_eq!(code, 2, "{name} default checks: exit {code}: {msg}");
        assert!(
            msg.contains("--ca-file") && !msg.contains('\n'),
            "{name}: {msg}"
        );
    }
    let accepted = tokio::time::timeout(std::time::Duration::from_millis(50), listener.accept());
    assert!(accepted.await.is_err(), "a connection reached the target");
}

/// A port that refuses connections: `--checks tls` exits 4 (unreachable, the TLS check
/// ERROR, with a report), as the traffic checks do for an unreachable target, never 3.
#[tokio::test]
async fn tls_against_a_refusing_port_exits_4_like_the_traffic_checks() {
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let dir = tempfile::tempdir().unwrap();
    let reports = dir.path().display().to_string();
    let (url, pin) = (
        format!("https://refused.test:{closed}/"),
        format!("refused.test:{closed}:127.0.0.1"),
    );
    let http = format!("http://refused.test:{closed}/");
    let http_pin = pin.clone();
    let args = [
        "--url",
        &url,
        "--http-url",
        &http,
        "--resolve",
        &http_pin,
        "--checks",
        "tls",
        "--report-dir",
        &reports,
    ];
    let (code, msg) = verify_bare(&args).await;
    assert_eq!(code, 4, "--checks tls: exit {code}: {msg}");
    let run_dir = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.join("report.json").is_file())
        .expect("a report was written");
    let report = std::fs::read_to_string(run_dir.join("report.json")).unwrap();
    let run: harness::result::RunResult = serde_json::from_str(&report).unwrap();
    let tls = &run.checks[0];
    assert_eq!(
        tls.verdict,
        harness::result::Verdict::Error,
        "{}",
        tls.summary
    );
    assert!(tls.summary.contains("refused"), "{}", tls.summary);
    assert!(!tls.summary.contains('\n'), "{}", tls.summary);
}

/// `harness merge` with bad input: a path that is no run, a folder holding no
/// report.json, a report.json that does not parse, and a run made without `--shard`
/// (a run that may have stopped early cannot be pooled) all exit 2 with one line.
#[tokio::test]
async fn merge_rejects_bad_input() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out").display().to_string();
    let empty = dir.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    let garbage = dir.path().join("garbage.json");
    std::fs::write(&garbage, "{not json").unwrap();
    let whole = dir.path().join("whole.json");
    let run = harness::report::fixtures::pass();
    assert!(run.settings.shard.is_none());
    std::fs::write(&whole, harness::report::json::render(&run)).unwrap();
    let missing = dir.path().join("nope").display().to_string();
    for (runs, needle) in [
        (vec![missing.clone()], "nope"),
        (vec![empty.display().to_string()], "no report.json"),
        (vec![garbage.display().to_string()], "garbage.json"),
        (vec![whole.display().to_string()], "--shard"),
    ] {
        let mut args = vec!["harness".to_string(), "merge".into(), "--quiet".into()];
        args.extend(runs.iter().cloned());
        args.extend(["--report-dir".to_string(), out.clone()]);
        let joined = AssertUnwindSafe(harness::run_async(Cli::parse_from(&args)))
            .catch_unwind()
            .await;
        let (code, msg) = match joined {
            Err(_) => panic!("{runs:?} panicked"),
            Ok(Ok(o)) => (o.exit_code(), String::new()),
            Ok(Err(e)) => (e.exit_code(), e.to_string()),
        };
        assert_eq!(code, 2, "{runs:?}: exit {code}: {msg}");
        assert!(msg.contains(needle), "{runs:?}: {msg}");
        assert!(!msg.contains('\n'), "{runs:?}: {msg}");
    }
    // No report is written for a refused merge.
    assert!(!dir.path().join("out").exists());
}
