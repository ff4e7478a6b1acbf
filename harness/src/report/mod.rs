//! Reports: the pure renders of one [`crate::result::RunResult`] (JSON, JUnit,
//! Markdown, HTML, terminal text) come from the core crate (`harness_core::report`)
//! and are re-exported here; this module adds the index of all runs and the edge that
//! writes them to a run folder.
//!
//! Every renderer is a function `&RunResult -> String` with no clock, environment or
//! randomness, so the same `report.json` always renders to the same bytes (snapshot
//! tested, and `harness report` reproduces what `verify` wrote). Only [`write`] touches
//! the disk and only [`write_run`] reads `$GITHUB_STEP_SUMMARY`.

pub mod index;
#[cfg(test)]
mod io_tests;
#[cfg(test)]
mod posture_fixture_tests;
#[cfg(test)]
mod snapshot_tests;
pub mod write;

use std::path::{Path, PathBuf};

use crate::error::Result;
use crate::result::RunResult;

pub use harness_core::report::{fixtures, html, json, junit, markdown, text};
pub use index::IndexEntry;
pub use write::{read_run, refresh_index, run_folder_name, write_run_to};

/// Environment variable naming the GitHub Actions job-summary file.
pub const GITHUB_STEP_SUMMARY: &str = "GITHUB_STEP_SUMMARY";

/// Writes `report.json`, `junit.xml`, `summary.md`, `index.html` into
/// `<report_dir>/<UTC timestamp>-<target>/`, refreshes `<report_dir>/index.html`, and
/// appends the summary to `$GITHUB_STEP_SUMMARY` when set. Returns the run folder.
pub fn write_run(result: &RunResult, report_dir: &Path) -> Result<PathBuf> {
    let summary = std::env::var_os(GITHUB_STEP_SUMMARY)
        .filter(|v| !v.is_empty())
        .map(PathBuf::from);
    write::write_run_to(result, report_dir, summary.as_deref())
}

/// `harness report <run-dir>`: re-renders the reports from `report.json`.
pub fn rerender(run_dir: &Path) -> Result<()> {
    write::rerender(run_dir)
}
