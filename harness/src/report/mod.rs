//! Reports: pure renders of one [`crate::result::RunResult`] (JSON, JUnit, Markdown,
//! HTML), and the edge that writes them to a run folder.

use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::result::RunResult;

/// Writes `report.json`, `junit.xml`, `summary.md`, `index.html` into
/// `<report_dir>/<UTC timestamp>-<target>/`, refreshes `<report_dir>/index.html`, and
/// appends the summary to `$GITHUB_STEP_SUMMARY` when set. Returns the run folder.
pub fn write_run(_result: &RunResult, _report_dir: &Path) -> Result<PathBuf> {
    Err(Error::Runtime(
        "report::write_run is not implemented yet".into(),
    ))
}

/// `harness report <run-dir>`: re-renders the reports from `report.json`.
pub fn rerender(_run_dir: &Path) -> Result<()> {
    Err(Error::Runtime(
        "harness report is not implemented yet".into(),
    ))
}
