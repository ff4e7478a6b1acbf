//! The waf-posture check on the healthy twin, driven in-process as `harness local
//! --checks waf-posture`: the whole attack corpus is sent (at least the floor of 650
//! and exactly the corpus's size), a verdict is rendered in every report format, and
//! the score is printed for the README. Nothing is asserted about the score itself:
//! the twin's rules are not tuned to this corpus, and the check is report-only. With
//! the `waf-off` fault and an opt-in floor it FAILs (exit 1). Both outcomes are
//! deterministic (every answer is a block, an app answer or an edge error; no sampling
//! chance is involved), so P(wrong verdict) is 0, not merely below 1e-4.

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
