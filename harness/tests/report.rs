//! Reports end to end: files written by `write_run`, validated against the schemas the
//! repo carries (JSON Schema in-process, JUnit XSD with xmllint), reproduced by
//! `harness report`, rendered by a real headless Chromium, and bounded in size at a
//! million samples.

use std::path::{Path, PathBuf};
use std::process::Command;

use clap::Parser;
use harness::cli::Cli;
use harness::report::{self, fixtures, html, json};
use harness::result::{Evidence, RunResult, Verdict};
use tempfile::TempDir;

const FILES: [&str; 4] = ["report.json", "junit.xml", "summary.md", "index.html"];

fn repo_file(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(rel)
}

fn all_fixtures() -> Vec<RunResult> {
    fixtures::every_state()
        .into_iter()
        .chain(fixtures::posture_states())
        .map(|(_, run)| run)
        .collect()
}

fn schema_validator() -> jsonschema::Validator {
    let text = std::fs::read_to_string(repo_file("schemas/report.schema.json")).unwrap();
    let schema: serde_json::Value = serde_json::from_str(&text).unwrap();
    jsonschema::validator_for(&schema).expect("schema compiles")
}

#[test]
fn report_json_validates_against_the_schema() {
    let validator = schema_validator();
    let dir = TempDir::new().unwrap();
    for run in all_fixtures().iter().chain([&fixtures::huge(10_000)]) {
        let run_dir = report::write_run_to(run, dir.path(), None).unwrap();
        let text = std::fs::read_to_string(run_dir.join("report.json")).unwrap();
        let value: serde_json::Value = serde_json::from_str(&text).unwrap();
        let errors: Vec<String> = validator
            .iter_errors(&value)
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .collect();
        assert!(errors.is_empty(), "{}: {errors:#?}", run_dir.display());
    }
}

#[test]
fn schema_rejects_what_the_model_forbids() {
    // The validator must be able to fail: a wrong verdict, a missing field, an unknown
    // evidence kind, a bad schema_version.
    let validator = schema_validator();
    let good: serde_json::Value = serde_json::from_str(&json::render(&fixtures::fail())).unwrap();
    assert!(validator.is_valid(&good));
    let mut bad = good.clone();
    bad["verdict"] = "MAYBE".into();
    assert!(!validator.is_valid(&bad));
    // Every state is a valid check verdict; a run is never NOT_APPLICABLE.
    for state in ["NOT_APPLICABLE", "PASS", "INCONCLUSIVE", "ERROR", "FAIL"] {
        let mut ok = good.clone();
        ok["checks"][1]["verdict"] = state.into();
        assert!(validator.is_valid(&ok), "check verdict {state}");
    }
    let mut bad = good.clone();
    bad["verdict"] = "NOT_APPLICABLE".into();
    assert!(!validator.is_valid(&bad));
    let mut bad = good.clone();
    bad["checks"][1]["verdict"] = "SKIPPED".into();
    assert!(!validator.is_valid(&bad));
    let mut bad = good.clone();
    bad["checks"][0]["evidence"]["kind"] = "magic".into();
    assert!(!validator.is_valid(&bad));
    let mut bad = good.clone();
    bad["checks"][0]["evidence"]
        .as_object_mut()
        .unwrap()
        .remove("ci_low");
    assert!(!validator.is_valid(&bad));
    let mut bad = good.clone();
    bad["schema_version"] = 2.into();
    assert!(!validator.is_valid(&bad));
    let mut bad = good;
    bad["sample"]["stable"]["responses"] = (-1).into();
    assert!(!validator.is_valid(&bad));
}

fn xmllint(xsd: &Path, xml: &Path) -> std::process::Output {
    Command::new("xmllint")
        .arg("--noout")
        .arg("--schema")
        .arg(xsd)
        .arg(xml)
        .output()
        .expect("xmllint (Debian libxml2-utils; run bash scripts/setup.sh)")
}

#[test]
fn junit_validates_against_the_repo_xsd() {
    let xsd = repo_file("schemas/junit.xsd");
    let dir = TempDir::new().unwrap();
    for run in all_fixtures() {
        let run_dir = report::write_run_to(&run, dir.path(), None).unwrap();
        let out = xmllint(&xsd, &run_dir.join("junit.xml"));
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    // And the XSD can reject: a testcase without a name.
    let bad = dir.path().join("bad.xml");
    std::fs::write(
        &bad,
        r#"<?xml version="1.0"?><testsuites tests="1" failures="0" errors="0"><testsuite name="x" tests="1" failures="0" errors="0"><testcase/></testsuite></testsuites>"#,
    )
    .unwrap();
    assert!(!xmllint(&xsd, &bad).status.success());
}

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
    let old = include_str!("../src/report/fixtures/report_v1.json");
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

fn tokio_run(cli: Cli) -> harness::Result<harness::Outcome> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(harness::run_async(cli))
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

#[test]
fn html_size_does_not_grow_with_the_sample() {
    let small = html::render(&fixtures::huge(10_000));
    let big_run = fixtures::huge(1_000_000);
    if let Some(Evidence::Split(s)) = big_run.checks.first().map(|c| &c.evidence) {
        assert_eq!(s.path.len(), 10_000, "the fixture carries a huge path");
    }
    let big = html::render(&big_run);
    assert!(big.len() < 120_000, "HTML is {} bytes", big.len());
    let ratio = big.len() as f64 / small.len() as f64;
    assert!(ratio < 1.2, "HTML grew {ratio:.2}x from 10k to 1M samples");
    assert!(big.contains("1000000"), "n is shown");
    assert!(big.contains("10000 looks, 200 drawn"));
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

#[test]
fn every_check_has_its_evidence_kind_or_says_why_not() {
    for run in all_fixtures() {
        let kinds: Vec<&str> = run
            .checks
            .iter()
            .map(|c| match &c.evidence {
                Evidence::Split(_) => "split",
                Evidence::Scale(_) => "scale",
                Evidence::Health(_) => "health",
                Evidence::Tls(_) => "tls",
                Evidence::Waf(_) => "waf",
                Evidence::WafPosture(_) => "waf-posture",
                Evidence::None => "none",
            })
            .collect();
        assert_eq!(run.verdict, RunResult::overall(&run.checks));
        for (check, kind) in run.checks.iter().zip(&kinds) {
            // A check that did not apply or could not finish has no evidence, and its
            // summary says why; every other check carries its own kind.
            if matches!(check.verdict, Verdict::NotApplicable | Verdict::Error) {
                assert_eq!(*kind, "none", "{}", check.name);
                assert!(!check.summary.is_empty());
            } else {
                assert_eq!(*kind, check.name, "{}", check.name);
            }
        }
    }
}
