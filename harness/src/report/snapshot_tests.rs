//! Snapshot test of the runs index (`index.html` of the report folder) over every
//! verdict state ([`fixtures::every_state`]). The renderers of one run are snapshot
//! tested in the core crate (`harness_core::report`). Snapshots live in `snapshots/`
//! beside this file; review changes with `cargo insta review`.

use super::{fixtures, index};

#[test]
fn index_snapshot() {
    let entries: Vec<index::IndexEntry> = fixtures::every_state()
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
