//! Report renderers: pure renders of one [`crate::result::RunResult`] (JSON, JUnit,
//! Markdown, HTML, terminal text) and the fixed runs their tests render.
//!
//! Every renderer is a function `&RunResult -> String` with no clock, environment or
//! randomness, so the same `report.json` always renders to the same bytes (snapshot
//! tested, and `harness report` reproduces what `verify` wrote). Writing the run
//! folder, the runs index and `$GITHUB_STEP_SUMMARY` is the `harness` crate's
//! (`harness::report`), which re-exports these modules beside that I/O.

#[doc(hidden)]
pub mod fixtures;
pub mod html;
pub mod json;
pub mod junit;
pub mod markdown;
mod posture;
#[cfg(test)]
mod posture_snapshot_tests;
#[cfg(test)]
mod snapshot_tests;
pub mod text;

pub use posture::PLACEMENT_ORDER;
