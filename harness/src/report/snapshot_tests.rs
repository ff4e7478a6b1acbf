//! Snapshot tests of every renderer on the fixed fixtures (PASS, FAIL, INCONCLUSIVE).
//! Snapshots live in `snapshots/` beside this file; review changes with
//! `cargo insta review` (or `INSTA_UPDATE=always` and read the diff).

use super::{fixtures, html, index, json, junit, markdown};
use crate::result::RunResult;

fn fixtures() -> [(&'static str, RunResult); 3] {
    [
        ("pass", fixtures::pass()),
        ("fail", fixtures::fail()),
        ("inconclusive", fixtures::inconclusive()),
    ]
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
fn index_snapshot() {
    let entries: Vec<index::IndexEntry> = fixtures()
        .iter()
        .enumerate()
        .map(|(i, (name, run))| {
            let mut run = run.clone();
            run.started_at = format!("2026-11-2{}T02:00:00Z", i + 1);
            index::IndexEntry::new(format!("2026112{}T020000Z-{name}", i + 1), &run)
        })
        .collect();
    insta::assert_snapshot!("index", index::render(&entries));
}

#[test]
fn renders_are_deterministic() {
    for (_, run) in fixtures() {
        assert_eq!(html::render(&run), html::render(&run.clone()));
        assert_eq!(junit::render(&run), junit::render(&run.clone()));
    }
}
