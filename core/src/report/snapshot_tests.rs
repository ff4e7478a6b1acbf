//! Snapshot tests of every renderer (JSON, JUnit, Markdown, HTML, terminal text) on
//! every verdict state: the PASS, FAIL, INCONCLUSIVE and ERROR runs and the
//! run with NOT_APPLICABLE checks ([`fixtures::every_state`]). The runs index is
//! snapshot tested in `harness::report`.
//! Snapshots live in `snapshots/` beside this file; review changes with
//! `cargo insta review` (or `INSTA_UPDATE=always` and read the diff).

use super::{fixtures, html, json, junit, markdown, text};
use crate::result::{RunResult, Verdict};

fn fixtures() -> Vec<(&'static str, RunResult)> {
    let runs = fixtures::every_state();
    // Every state reaches every renderer through some check of these runs.
    for v in Verdict::ALL {
        assert!(
            runs.iter()
                .any(|(_, r)| r.checks.iter().any(|c| c.verdict == v)),
            "no fixture shows {v}"
        );
    }
    runs
}

#[test]
fn json_snapshots() {
    for (name, run) in fixtures() {
        insta::assert_snapshot!(format!("json_{name}"), json::render(&run));
    }
}

#[test]
fn junit_snapshots() {
    for (name, run) in fixtures() {
        insta::assert_snapshot!(format!("junit_{name}"), junit::render(&run));
    }
}

#[test]
fn markdown_snapshots() {
    for (name, run) in fixtures() {
        insta::assert_snapshot!(format!("markdown_{name}"), markdown::render(&run));
    }
}

#[test]
fn html_snapshots() {
    for (name, run) in fixtures() {
        insta::assert_snapshot!(format!("html_{name}"), html::render(&run));
    }
}

#[test]
fn text_summary_snapshots() {
    for (name, run) in fixtures() {
        insta::assert_snapshot!(format!("text_{name}"), text::run_summary(&run));
    }
}

/// The split FAILs on one stale node while the pooled share looks healthy: every
/// renderer names the node and shows the per-node table.
#[test]
fn node_fail_snapshots() {
    let run = fixtures::node_fail();
    assert_eq!(run.verdict, Verdict::Fail);
    insta::assert_snapshot!("json_node_fail", json::render(&run));
    insta::assert_snapshot!("junit_node_fail", junit::render(&run));
    insta::assert_snapshot!("markdown_node_fail", markdown::render(&run));
    insta::assert_snapshot!("html_node_fail", html::render(&run));
    insta::assert_snapshot!("text_node_fail", text::run_summary(&run));
}

#[test]
fn renders_are_deterministic() {
    for (_, run) in fixtures() {
        assert_eq!(html::render(&run), html::render(&run.clone()));
        assert_eq!(junit::render(&run), junit::render(&run.clone()));
    }
}
