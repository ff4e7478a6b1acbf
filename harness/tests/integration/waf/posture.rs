//! The waf-posture check on the healthy twin, driven in-process as `harness local
//! --checks waf-posture`: the whole attack corpus is sent (at least the floor of 650
//! and exactly the corpus's size), a verdict is rendered in every report format, and
//! the score is printed for the README. Nothing is asserted about the score itself:
//! the twin's rules are not tuned to this corpus, and the check is report-only. With
//! the `waf-off` fault and an opt-in floor it FAILs (exit 1). Both outcomes are
//! deterministic (every answer is a block, an app answer or an edge error; no sampling
//! chance is involved), so P(wrong verdict) is 0, not merely below 1e-4. The curl
//! commands of the report are replayed with the system curl against a live twin.

use clap::Parser;
use harness::cli::Cli;
use harness::result::{Evidence, RunResult, Verdict};

/// Runs `harness local --quiet --checks waf-posture EXTRA…` and reads its report.
async fn local(dir: &std::path::Path, extra: &[&str]) -> (i32, RunResult) {
    let mut args = vec![
        "harness",
        "local",
        "--quiet",
        "--checks",
        "waf-posture",
        "--report-dir",
        dir.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    let code = harness::run_async(Cli::parse_from(&args))
        .await
        .unwrap_or_else(|e| panic!("{args:?}: {e}"))
        .exit_code();
    let run_dir = std::fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .find(|p| p.join("report.json").is_file())
        .expect("a run folder");
    let text = std::fs::read_to_string(run_dir.join("report.json")).unwrap();
    (code, serde_json::from_str(&text).unwrap())
}

/// One twin after the other (sequential: two twins at once would share 2 cores).
/// Healthy: report-only, the whole corpus sent, a verdict rendered. `waf-off` with an
/// opt-in floor of 50 %: nothing can be blocked with the WAF off, so the interval's
/// upper bound (0 of 2,119 resolved: 1 − (α/2)^(1/n) ≈ 0.25 % at α = 0.01) lies below
/// the floor and the run FAILs with exit 1 — by construction, whatever the twin's rules.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn posture_runs_the_whole_corpus_on_the_twin() {
    let _machine = crate::support::serial::twin().await;
    let tmp = tempfile::tempdir().unwrap();
    let (code, run) = local(&tmp.path().join("healthy"), &[]).await;
    let run_dir = std::fs::read_dir(tmp.path().join("healthy"))
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .find(|p| p.join("report.json").is_file())
        .unwrap();
    assert_eq!(run.checks.len(), 1);
    let check = &run.checks[0];
    println!(
        "waf-posture {} (exit {code}): {}",
        check.verdict, check.summary
    );
    for w in &check.warnings {
        println!("  warning: {w}");
    }
    let Evidence::WafPosture(e) = &check.evidence else {
        panic!("no posture evidence: {}", check.summary)
    };
    let corpus = harness::checks::waf::corpus::attacks().unwrap().len() as u64;
    assert!(corpus >= 650);
    assert_eq!(e.overall.sent, corpus, "the whole corpus is sent");
    assert_eq!(
        e.overall.blocked + e.overall.passed + e.overall.rate_limited + e.overall.unresolved,
        corpus
    );
    assert_eq!(
        e.missed.len() as u64,
        e.overall.passed,
        "every pass has its curl"
    );
    assert!(e.missed.iter().all(|m| m.curl.starts_with("curl ")));
    // Calibration (what the old `#[ignore]`d print-out was for): every margin of the
    // category × placement × encoding table adds up to the overall counts, each cell's
    // outcomes add up to what it sent, and every interval holds its point estimate.
    for margin in [&e.cells, &e.by_category, &e.by_placement, &e.by_encoding] {
        for field in [
            |c: &harness::result::PostureCell| c.sent,
            |c: &harness::result::PostureCell| c.blocked,
            |c: &harness::result::PostureCell| c.passed,
            |c: &harness::result::PostureCell| c.unresolved,
        ] {
            assert_eq!(margin.iter().map(field).sum::<u64>(), field(&e.overall));
        }
    }
    for c in e.cells.iter().chain(&e.by_category).chain([&e.overall]) {
        assert_eq!(
            c.blocked + c.passed + c.rate_limited + c.unresolved,
            c.sent,
            "{c:?}"
        );
        if c.blocked + c.passed > 0 {
            assert!(c.ci_low <= c.rate && c.rate <= c.ci_high, "{c:?}");
        }
    }
    // Report-only: no floor, so never FAIL; exit code follows the verdict.
    assert!(e.floors.is_empty());
    assert_ne!(check.verdict, Verdict::Fail);
    assert_eq!(code, check.verdict.exit_code());
    if check.verdict == Verdict::Pass {
        assert!(check.summary.starts_with("report only (no floor set)"));
    }
    let html = std::fs::read_to_string(run_dir.join("index.html")).unwrap();
    assert!(html.contains("WAF posture"));
    for f in ["junit.xml", "summary.md"] {
        assert!(run_dir.join(f).is_file(), "{f}");
    }
    for (title, cells) in [
        ("category", &e.by_category),
        ("placement", &e.by_placement),
        ("encoding", &e.by_encoding),
    ] {
        for c in cells {
            let k = [&c.category, &c.placement, &c.encoding]
                .into_iter()
                .find(|k| k.as_str() != "*")
                .unwrap();
            println!(
                "  {title:<9} {k:<20} {:>4}/{:<4} {:>6.1}%  CI [{:.1}, {:.1}]  unresolved {} rate-limited {}",
                c.blocked,
                c.blocked + c.passed,
                100.0 * c.rate,
                100.0 * c.ci_low,
                100.0 * c.ci_high,
                c.unresolved,
                c.rate_limited
            );
        }
    }

    let (code, run) = local(
        &tmp.path().join("waf-off"),
        &["--fault", "waf-off", "--waf-min-block-rate", "0.5"],
    )
    .await;
    let check = &run.checks[0];
    println!(
        "waf-off: {} (exit {code}): {}",
        check.verdict, check.summary
    );
    assert_eq!(
        (code, check.verdict),
        (1, Verdict::Fail),
        "{}",
        check.summary
    );
    let Evidence::WafPosture(e) = &check.evidence else {
        panic!("no posture evidence")
    };
    assert_eq!(e.overall.blocked, 0);
    assert_eq!(e.floors[0].outcome, harness::result::FloorOutcome::Below);
    assert_eq!(e.missed.len() as u64, e.overall.passed);
}

use crate::support::twin_util;

/// Runs `cmd` (a curl command from the report) through `sh` with the gate token in the
/// environment and `-w` appended; returns `"STATUS X-VARIANT"`.
fn replay(cmd: &str, token: &str) -> String {
    let full = format!("{cmd} -o /dev/null -w '%{{http_code}} %header{{x-variant}}'");
    let out = std::process::Command::new("sh")
        .args(["-c", &full])
        .env("HARNESS_GATE_TOKEN", token)
        .output()
        .expect("sh and curl");
    assert!(
        out.status.success(),
        "{cmd}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// The curl commands of the report replay what the check saw: every missed attack of
/// one id per placement reaches the app again (an `x-variant` answer), and a request
/// the WAF blocked (`' OR '1'='1` in the query) is blocked again (403, no `x-variant`).
/// Deterministic: the edge's rules decide each request the same way every time.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn missed_attacks_replay_with_curl() {
    use harness::checks::waf_posture::{self, PostureSettings, curl::CurlContext};
    use harness::twin::{Twin, TwinSpec};
    let _machine = crate::support::serial::twin().await;
    let spec = TwinSpec::healthy("90/10".parse().unwrap(), twin_util::image().await);
    let twin = Twin::start(spec).await.unwrap();
    let token = twin.verify_args().gate_token.unwrap().0;
    let endpoint = twin.endpoint().unwrap();
    let request = harness::sample::RequestSpec::default()
        .with_gate_token(Some(token.clone()))
        .unwrap();
    let ca = twin.ca_file().display().to_string();
    let settings = PostureSettings {
        block_status: 403,
        floors: Default::default(),
        rps: 2000.0,
        concurrency: 8,
        alpha: 0.01,
        timeout: std::time::Duration::from_secs(5),
        curl: CurlContext::new(&endpoint, &twin.resolve(), Some(ca), &request),
        request,
    };
    let check = waf_posture::check(&endpoint, &settings).await;
    let Evidence::WafPosture(e) = &check.evidence else {
        panic!("{}", check.summary)
    };
    let mut seen = std::collections::BTreeSet::new();
    let picks: Vec<_> = e
        .missed
        .iter()
        .filter(|m| seen.insert(m.id.split('/').nth(1).unwrap().to_string()))
        .collect();
    assert!(
        picks.len() >= 5,
        "missed attacks in few placements: {seen:?}"
    );
    for m in picks {
        assert!(!m.curl.contains(&token), "the token is never written out");
        let got = replay(&m.curl, &token);
        let (_, variant) = got.split_once(' ').unwrap_or((&got, ""));
        assert!(
            variant == "stable" || variant == "canary",
            "{} replayed as {got:?}: {}",
            m.id,
            m.curl
        );
    }
    let blocked = harness::checks::waf::corpus::attacks()
        .unwrap()
        .into_iter()
        .find(|p| p.id == "sqli/query/plain/0")
        .unwrap();
    assert!(e.missed.iter().all(|m| m.id != blocked.id));
    let cmd = harness::checks::waf_posture::curl::command(&settings.curl, &blocked);
    assert_eq!(replay(&cmd, &token), "403", "{cmd}");
    twin.stop().await.unwrap();
}
