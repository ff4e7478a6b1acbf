//! Drives `harness local` in process and reads the run's `report.json`: shared by the
//! twin tests of faults and promotions.

#![allow(dead_code)]

use std::path::Path;

use clap::Parser;
use harness::cli::Cli;
use harness::result::{RunResult, Verdict};

pub async fn local(report_dir: &Path, extra: &[&str]) -> (i32, RunResult) {
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

pub fn verdict_of(run: &RunResult, check: &str) -> Verdict {
    run.checks
        .iter()
        .find(|c| c.name == check)
        .unwrap_or_else(|| panic!("no {check} check in the run"))
        .verdict
}
