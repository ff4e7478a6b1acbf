//! `harness merge RUN_DIR...`: reads the shards' `report.json` files, pools them with
//! the pure [`harness_core::merge`] (which checks that they belong together and
//! recomputes the verdicts from the pooled evidence), writes the usual report set and
//! exits with the merged verdict's code. Why only fixed-n shards pool, and how probes
//! combine, is written in that module.

use std::path::{Path, PathBuf};

use harness_core::merge::{Input, merge};

use crate::cli::MergeArgs;
use crate::error::{Error, Result};
use crate::outcome::Outcome;
use crate::report::write::REPORT_JSON;

/// `harness merge`.
pub fn run(args: &MergeArgs) -> Result<Outcome> {
    let inputs = args
        .runs
        .iter()
        .map(|given| {
            let path = locate(given)?;
            Ok(Input {
                name: given.display().to_string(),
                run: crate::report::read_run(&path)?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    let merged = merge(&inputs)?;
    let dir = crate::report::write_run(&merged, &args.report_dir)?;
    if !args.quiet {
        eprint!("{}", crate::report::text::run_summary(&merged));
        eprintln!("  reports: {}", dir.display());
    }
    Ok(Outcome::from_run(&merged))
}

/// The `report.json` a RUN_DIR argument names: the file itself, `RUN_DIR/report.json`,
/// or the one run folder inside a report folder (several are ambiguous: refused).
pub fn locate(given: &Path) -> Result<PathBuf> {
    if given.is_file() {
        return Ok(given.to_path_buf());
    }
    let direct = given.join(REPORT_JSON);
    if direct.is_file() {
        return Ok(direct);
    }
    let entries = std::fs::read_dir(given).map_err(|e| {
        Error::Config(format!(
            "merge: {}: not a run folder or report.json ({e})",
            given.display()
        ))
    })?;
    let mut found: Vec<PathBuf> = entries
        .flatten()
        .map(|e| e.path().join(REPORT_JSON))
        .filter(|p| p.is_file())
        .collect();
    found.sort();
    match found.len() {
        1 => Ok(found.remove(0)),
        0 => Err(Error::Config(format!(
            "merge: {}: no report.json in it or in a run folder below it",
            given.display()
        ))),
        n => Err(Error::Config(format!(
            "merge: {} holds {n} run folders: name the one to pool",
            given.display()
        ))),
    }
}
