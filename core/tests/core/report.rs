//! Reports against the schemas the repo carries (JSON Schema in-process, JUnit XSD
//! with xmllint), bounded in size at a million samples, and every check carrying its
//! evidence kind. Writing run folders, `harness report` and the headless-browser test
//! are the harness's (`harness::report`, its `io_tests`).

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use harness_core::report::{fixtures, html, json, junit};
use harness_core::result::{Evidence, RunResult, Verdict};

fn repo_file(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(rel)
}

fn all_fixtures() -> Vec<(&'static str, RunResult)> {
    fixtures::every_state()
        .into_iter()
        .chain([("node_fail", fixtures::node_fail())])
        .chain(fixtures::posture_states())
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
    let huge = ("huge", fixtures::huge(10_000));
    for (name, run) in all_fixtures().iter().chain([&huge]) {
        // `report.json` of a run folder is exactly this render.
        let value: serde_json::Value = serde_json::from_str(&json::render(run)).unwrap();
        let errors: Vec<String> = validator
            .iter_errors(&value)
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .collect();
        assert!(errors.is_empty(), "{name}: {errors:#?}");
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

/// `xmllint --schema xsd -` on `xml` given on stdin.
fn xmllint(xsd: &Path, xml: &str) -> std::process::Output {
    let mut child = Command::new("xmllint")
        .arg("--noout")
        .arg("--schema")
        .arg(xsd)
        .arg("-")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("xmllint (Debian libxml2-utils; run bash scripts/setup.sh)");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(xml.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

#[test]
fn junit_validates_against_the_repo_xsd() {
    let xsd = repo_file("schemas/junit.xsd");
    for (name, run) in all_fixtures() {
        // `junit.xml` of a run folder is exactly this render.
        let out = xmllint(&xsd, &junit::render(&run));
        assert!(
            out.status.success(),
            "{name}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    // And the XSD can reject: a testcase without a name.
    let bad = r#"<?xml version="1.0"?><testsuites tests="1" failures="0" errors="0"><testsuite name="x" tests="1" failures="0" errors="0"><testcase/></testsuite></testsuites>"#;
    assert!(!xmllint(&xsd, bad).status.success());
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

#[test]
fn every_check_has_its_evidence_kind_or_says_why_not() {
    for (_, run) in all_fixtures() {
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
