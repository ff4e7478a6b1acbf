//! `harness report RUN_DIR`: re-renders a run's reports from its `report.json`
//! ([`crate::report::write::rerender`]).

use crate::cli::ReportArgs;
use crate::error::Result;
use crate::outcome::Outcome;

/// `harness report`.
pub fn run(args: &ReportArgs) -> Result<Outcome> {
    crate::report::write::rerender(&args.run_dir)?;
    Ok(Outcome::success())
}
