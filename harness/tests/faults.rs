//! Every check that passes on the healthy twin is shown to FAIL on a broken one:
//! `harness local --fault NAME` is driven in-process for each fault of the twin, and the
//! run's `report.json` must hold a FAIL for the check the fault targets (exit 1), while
//! the healthy twin passes every check (exit 0).

use std::path::Path;

use clap::Parser;
use harness::cli::Cli;
use harness::result::{RunResult, Verdict};

/// (fault, checks to run, check that must FAIL).
const CASES: &[(&str, &str, &str)] = &[
    ("cert-expired", "tls", "tls"),
    ("cert-wrong-host", "tls", "tls"),
    ("tls-legacy", "tls", "tls"),
    ("no-redirect", "tls", "tls"),
    ("waf-off", "waf", "waf"),
    ("weight-drift", "split", "split"),
    ("canary-not-scaled", "split,scale", "scale"),
    ("canary-errors", "split,health", "health"),
    ("canary-slow", "split,health", "health"),
    ("canary-starved", "split", "split"),
];

async fn local(report_dir: &Path, extra: &[&str]) -> (i32, RunResult) {
    let mut args = vec![
        "harness".to_string(),
        "local".into(),
        "--quiet".into(),
        "--report-dir".into(),
        report_dir.display().to_string(),
    ];
    args.extend(extra.iter().map(|s| s.to_string()));
    let code = match harness::run_async(Cli::parse_from(&args)).await {
        Ok(outcome) => outcome.exit_code(),
        Err(e) => panic!("{args:?}: {e}"),
    };
    let run_dir = std::fs::read_dir(report_dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .find(|p| p.join("report.json").is_file())
        .unwrap_or_else(|| panic!("{args:?}: no run folder in {}", report_dir.display()));
    let json = std::fs::read_to_string(run_dir.join("report.json")).unwrap();
    (code, serde_json::from_str(&json).unwrap())
}

fn verdict_of(run: &RunResult, check: &str) -> Verdict {
    run.checks
        .iter()
        .find(|c| c.name == check)
        .unwrap_or_else(|| panic!("no {check} check in the run"))
        .verdict
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn healthy_twin_passes_and_each_fault_fails_its_check() {
    let tmp = tempfile::tempdir().unwrap();

    let (code, run) = local(&tmp.path().join("healthy"), &[]).await;
    for c in &run.checks {
        println!("healthy: {} {} — {}", c.name, c.verdict, c.summary);
    }
    assert_eq!(code, 0, "healthy twin did not pass");
    assert_eq!(run.checks.len(), 5, "all five checks run on the twin");

    let mut wrong = Vec::new();
    for (fault, checks, target) in CASES {
        let dir = tmp.path().join(fault);
        let (code, run) = local(&dir, &["--fault", fault, "--checks", checks]).await;
        let verdict = verdict_of(&run, target);
        println!("{fault}: exit {code}, {target} {verdict}");
        if code != 1 || verdict != Verdict::Fail {
            wrong.push(format!("{fault}: exit {code}, {target} {verdict}"));
        }
    }
    assert!(wrong.is_empty(), "faults not detected: {wrong:?}");
}
