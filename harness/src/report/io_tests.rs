//! Reports end to end on disk: run folders written by `write_run_to`, reproduced by
//! `harness report` (also from a `schema_version` 1 report written before the ERROR
//! and NOT_APPLICABLE states), accumulated in the runs index and the step summary, and
//! rendered by a real headless Chromium. The pure renders are tested in the core crate
//! (`harness-core`, `tests/core/report.rs`).

use std::path::{Path, PathBuf};
use std::process::Command;

use clap::Parser;
use tempfile::TempDir;

use crate::cli::Cli;
use crate::report::{self, fixtures};

const FILES: [&str; 4] = ["report.json", "junit.xml", "summary.md", "index.html"];

#[test]
fn rerender_reproduces_every_file_and_the_cli_drives_it() {
    let dir = TempDir::new().unwrap();
    let run_dir = report::write_run_to(&fixtures::fail(), dir.path(), None).unwrap();
    assert_eq!(
        run_dir.file_name().unwrap().to_str().unwrap(),
        "20261125T140307Z-canary.example.test"
    );
    let read = |p: &Path| -> Vec<(String, Vec<u8>)> {
        FILES
            .iter()
            .map(|f| (f.to_string(), std::fs::read(p.join(f)).unwrap()))
            .collect()
    };
    let before = read(&run_dir);
    let index_before = std::fs::read(dir.path().join("index.html")).unwrap();
    // Damage the derived files; `harness report` must bring them back byte for byte.
    for f in &FILES[1..] {
        std::fs::write(run_dir.join(f), "stale").unwrap();
    }
    std::fs::remove_file(dir.path().join("index.html")).unwrap();
    let cli = Cli::parse_from(["harness", "report", run_dir.to_str().unwrap()]);
    let outcome = tokio_run(cli).unwrap();
    assert_eq!(outcome.exit_code(), 0);
    assert_eq!(read(&run_dir), before);
    assert_eq!(
        std::fs::read(dir.path().join("index.html")).unwrap(),
        index_before
    );
}

#[test]
fn report_command_rerenders_a_report_written_before_the_new_states() {
    // A schema_version 1 report.json from before ERROR and NOT_APPLICABLE existed.
    let old = include_str!("../../../core/src/report/fixtures/report_v1.json");
    let dir = TempDir::new().unwrap();
    let run_dir = dir.path().join("20261125T140307Z-canary.example.test");
    std::fs::create_dir(&run_dir).unwrap();
    std::fs::write(run_dir.join("report.json"), old).unwrap();
    let cli = Cli::parse_from(["harness", "report", run_dir.to_str().unwrap()]);
    assert_eq!(tokio_run(cli).unwrap().exit_code(), 0);
    let page = std::fs::read_to_string(run_dir.join("index.html")).unwrap();
    assert!(page.contains("<h1>INCONCLUSIVE</h1>"), "{page}");
    let junit = std::fs::read_to_string(run_dir.join("junit.xml")).unwrap();
    assert!(junit.contains("type=\"inconclusive\""), "{junit}");
    assert_eq!(
        std::fs::read_to_string(run_dir.join("report.json")).unwrap(),
        old
    );
    let index = std::fs::read_to_string(dir.path().join("index.html")).unwrap();
    assert!(index.contains("20261125T140307Z-canary.example.test/index.html"));
}

#[test]
fn report_command_rejects_bad_folders_with_a_one_line_usage_error() {
    let dir = TempDir::new().unwrap();
    // No report.json; not JSON; a future schema version.
    for text in [None, Some("not json"), Some("{\"schema_version\": 999}")] {
        if let Some(text) = text {
            std::fs::write(dir.path().join("report.json"), text).unwrap();
        }
        let err = tokio_run(Cli::parse_from([
            "harness",
            "report",
            dir.path().to_str().unwrap(),
        ]))
        .unwrap_err();
        assert_eq!(err.exit_code(), 2, "{err}");
        assert!(!err.to_string().contains('\n'), "{err}");
    }
}

fn tokio_run(cli: Cli) -> crate::Result<crate::Outcome> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(crate::run_async(cli))
}

#[test]
fn runs_accumulate_in_the_index_and_the_step_summary() {
    let dir = TempDir::new().unwrap();
    let summary = dir.path().join("step-summary.md");
    let mut older = fixtures::fail();
    older.started_at = "2026-11-24T02:00:00Z".into();
    let a = report::write_run_to(&older, dir.path(), Some(&summary)).unwrap();
    let b = report::write_run_to(&fixtures::pass(), dir.path(), Some(&summary)).unwrap();
    // Same second, same host: a distinct folder, never an overwrite.
    let c = report::write_run_to(&fixtures::pass(), dir.path(), Some(&summary)).unwrap();
    assert_ne!(b, c);
    assert!(c.to_str().unwrap().ends_with("-2"));
    let index = std::fs::read_to_string(dir.path().join("index.html")).unwrap();
    let name = |p: &Path| p.file_name().unwrap().to_str().unwrap().to_string();
    let (pa, pb) = (
        index.find(&format!("{}/index.html", name(&a))).unwrap(),
        index.find(&format!("{}/index.html", name(&b))).unwrap(),
    );
    assert!(pb < pa, "newest first");
    let md = std::fs::read_to_string(&summary).unwrap();
    assert_eq!(md.matches("## ").count(), 3, "{md}");
    assert!(md.contains("Canary verification: FAIL") && md.contains("Canary verification: PASS"));
}

/// Finds Chromium (Debian `chromium`, installed by scripts/setup.sh).
fn chromium() -> PathBuf {
    for name in ["chromium", "chromium-browser", "google-chrome"] {
        if let Ok(out) = Command::new("which").arg(name).output() {
            if out.status.success() {
                return PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
            }
        }
    }
    panic!("chromium not found: run bash scripts/setup.sh");
}

fn headless(page: &Path, profile: &Path, extra: &[&str]) -> std::process::Output {
    Command::new(chromium())
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--hide-scrollbars",
            "--no-first-run",
            "--window-size=1280,2400",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(extra)
        .arg(format!("file://{}", page.display()))
        .output()
        .expect("chromium runs")
}

#[test]
fn chromium_renders_the_run_page_and_the_index() {
    let dir = TempDir::new().unwrap();
    let keep = std::env::var_os("REPORT_SCREENSHOT_DIR").map(PathBuf::from);
    let reports = dir.path().join("reports");
    let mut older = fixtures::pass();
    older.started_at = "2026-11-24T02:00:00Z".into();
    report::write_run_to(&older, &reports, None).unwrap();
    let run_dir = report::write_run_to(&fixtures::fail(), &reports, None).unwrap();
    let na_dir = report::write_run_to(&fixtures::not_applicable(), &reports, None).unwrap();
    let error_dir = report::write_run_to(&fixtures::error(), &reports, None).unwrap();
    let profile = dir.path().join("profile");
    for (page, needles) in [
        (
            na_dir.join("index.html"),
            vec![
                "PASS",
                "NOT APPLICABLE",
                "Not applicable:",
                "canary weight is 100",
            ],
        ),
        (
            error_dir.join("index.html"),
            vec![
                "ERROR",
                "Could not finish:",
                "Connection refused (os error 111)",
            ],
        ),
        (
            run_dir.join("index.html"),
            vec![
                "FAIL",
                "16.20%",
                "10.00%",
                "Sequential path",
                "benign-17",
                "TLS 1.0",
            ],
        ),
        (
            reports.join("index.html"),
            vec![
                "Canary verification runs",
                "FAIL",
                "PASS",
                "ERROR",
                "health NOT APPLICABLE",
                "16.20%",
            ],
        ),
    ] {
        let shot = dir.path().join("shot.png");
        let out = headless(
            &page,
            &profile,
            &[&format!("--screenshot={}", shot.display())],
        );
        let size = std::fs::metadata(&shot).map(|m| m.len()).unwrap_or(0);
        assert!(
            size > 30_000,
            "screenshot of {} is {size} bytes: {}",
            page.display(),
            String::from_utf8_lossy(&out.stderr)
        );
        if let Some(keep) = &keep {
            std::fs::create_dir_all(keep).unwrap();
            let name = format!(
                "{}.png",
                page.parent()
                    .unwrap()
                    .file_name()
                    .unwrap()
                    .to_string_lossy()
            );
            std::fs::copy(&shot, keep.join(name)).unwrap();
        }
        let out = headless(&page, &profile, &["--dump-dom"]);
        let dom = String::from_utf8_lossy(&out.stdout);
        for needle in needles {
            assert!(
                dom.contains(needle),
                "{needle} missing from the rendered DOM of {}",
                page.display()
            );
        }
        // The escaped payload is text in the DOM, never an element.
        assert!(!dom.contains("<script"), "a script element reached the DOM");
    }
}
