//! Reports: pure renders of one [`crate::result::RunResult`] (JSON, JUnit, Markdown,
//! HTML), and the edge that writes them to a run folder.

use std::path::Path;

use crate::error::{Error, Result};

/// `harness report <run-dir>`: re-renders the reports from `report.json`.
pub fn rerender(_run_dir: &Path) -> Result<()> {
    Err(Error::Runtime("harness report is not implemented yet".into()))
}
