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
