//! The I/O edge of reporting: creates `<report_dir>/<UTC timestamp>-<host>/`, writes
//! the four renders into it, refreshes `<report_dir>/index.html`, and appends the
//! Markdown summary to the GitHub step summary. Every file is written to a temporary
//! name and renamed, so a reader never sees half a report.

use std::fs;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use time::macros::format_description;

use super::index::{self, IndexEntry};
use super::{html, json, junit, markdown};
use crate::error::{Error, Result};
use crate::result::RunResult;

/// File names inside a run folder.
pub const REPORT_JSON: &str = "report.json";
/// JUnit XML.
pub const JUNIT_XML: &str = "junit.xml";
/// Markdown summary.
pub const SUMMARY_MD: &str = "summary.md";
/// HTML page.
pub const INDEX_HTML: &str = "index.html";

/// Folder name of a run: `<UTC start, basic ISO 8601>-<host>`, e.g.
/// `20261125T140307Z-canary.example.test`. Taken from the result, never the clock, so
/// re-rendering is reproducible; characters outside `[A-Za-z0-9.-]` become `_`.
pub fn run_folder_name(run: &RunResult) -> String {
    let stamp = OffsetDateTime::parse(&run.started_at, &Rfc3339)
        .ok()
        .and_then(|t| {
            t.to_offset(time::UtcOffset::UTC)
                .format(format_description!(
                    "[year][month][day]T[hour][minute][second]Z"
                ))
                .ok()
        })
        .unwrap_or_else(|| sanitize(&run.started_at));
    let host = if run.target.host.is_empty() {
        "unknown".to_string()
    } else {
        sanitize(&run.target.host)
    };
    format!("{stamp}-{host}")
}

fn sanitize(text: &str) -> String {
    let s: String = text
        .chars()
        .take(100)
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    // Never "." or "..".
    if s.chars().all(|c| c == '.') {
        s.replace('.', "_")
    } else {
        s
    }
}

/// Writes `text` to `path` through a temporary file and a rename.
fn write_atomic(path: &Path, text: &str) -> Result<()> {
    let tmp = path.with_extension("tmp-write");
    fs::write(&tmp, text).map_err(|e| Error::io(format!("writing {}", tmp.display()), e))?;
    fs::rename(&tmp, path).map_err(|e| Error::io(format!("renaming to {}", path.display()), e))
}

/// Writes the renders derived from `run` (JUnit, Markdown, HTML) into `dir`.
fn write_renders(run: &RunResult, dir: &Path) -> Result<String> {
    let md = markdown::render(run);
    write_atomic(&dir.join(JUNIT_XML), &junit::render(run))?;
    write_atomic(&dir.join(SUMMARY_MD), &md)?;
    write_atomic(&dir.join(INDEX_HTML), &html::render(run))?;
    Ok(md)
}

/// [`super::write_run`] with the step-summary file passed in rather than read from the
/// environment (tests use this).
pub fn write_run_to(
    run: &RunResult,
    report_dir: &Path,
    step_summary: Option<&Path>,
) -> Result<PathBuf> {
    fs::create_dir_all(report_dir)
        .map_err(|e| Error::io(format!("creating {}", report_dir.display()), e))?;
    let base = run_folder_name(run);
    // Two runs in the same second against the same host get -2, -3, ...
    let mut dir = report_dir.join(&base);
    let mut k = 1;
    loop {
        match fs::create_dir(&dir) {
            Ok(()) => break,
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && k < 1000 => {
                k += 1;
                dir = report_dir.join(format!("{base}-{k}"));
            }
            Err(e) => return Err(Error::io(format!("creating {}", dir.display()), e)),
        }
    }
    write_atomic(&dir.join(REPORT_JSON), &json::render(run))?;
    let md = write_renders(run, &dir)?;
    refresh_index(report_dir)?;
    if let Some(path) = step_summary {
        append(path, &md)?;
    }
    Ok(dir)
}

/// Appends the summary to the step-summary file.
fn append(path: &Path, text: &str) -> Result<()> {
    let mut file = fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .map_err(|e| Error::io(format!("opening {}", path.display()), e))?;
    file.write_all(format!("{text}\n").as_bytes())
        .map_err(|e| Error::io(format!("appending to {}", path.display()), e))
}

/// Re-renders JUnit, Markdown and HTML from `<run_dir>/report.json` and refreshes the
/// parent folder's index. `report.json` itself is left untouched.
pub fn rerender(run_dir: &Path) -> Result<()> {
    let run = read_run(&run_dir.join(REPORT_JSON))?;
    write_renders(&run, run_dir)?;
    if let Some(parent) = run_dir.parent().filter(|p| !p.as_os_str().is_empty()) {
        refresh_index(parent)?;
    }
    Ok(())
}

/// Reads and parses a `report.json`; a missing or unparsable file is a usage error
/// (exit 2) naming it.
pub fn read_run(path: &Path) -> Result<RunResult> {
    let text = fs::read_to_string(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => Error::Config(format!(
            "{} not found: pass a run folder written by harness verify",
            path.display()
        )),
        _ => Error::io(format!("reading {}", path.display()), e),
    })?;
    json::parse(&text).map_err(|e| Error::Config(format!("{}: {e}", path.display())))
}

/// Rewrites `<report_dir>/index.html` from every `*/report.json` below it. Folders
/// whose report does not parse are skipped (they are not runs of this version).
pub fn refresh_index(report_dir: &Path) -> Result<()> {
    let read = fs::read_dir(report_dir)
        .map_err(|e| Error::io(format!("listing {}", report_dir.display()), e))?;
    let mut entries = Vec::new();
    for item in read.flatten() {
        let folder = item.path();
        let Ok(text) = fs::read_to_string(folder.join(REPORT_JSON)) else {
            continue;
        };
        let Ok(run) = json::parse(&text) else {
            continue;
        };
        entries.push(IndexEntry::new(
            item.file_name().to_string_lossy().into_owned(),
            &run,
        ));
    }
    write_atomic(&report_dir.join(INDEX_HTML), &index::render(&entries))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::fixtures;

    #[test]
    fn folder_name_comes_from_the_result() {
        let mut run = fixtures::pass();
        assert_eq!(
            run_folder_name(&run),
            "20261125T140307Z-canary.example.test"
        );
        run.started_at = "2026-11-25T15:03:07+01:00".into();
        run.target.host = "../x/y z".into();
        assert_eq!(run_folder_name(&run), "20261125T140307Z-.._x_y_z");
        run.started_at = "garbage/..".into();
        run.target.host = String::new();
        assert_eq!(run_folder_name(&run), "garbage_..-unknown");
    }
}
