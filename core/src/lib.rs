//! The pure core of the canary verification harness: the statistics, the decisions
//! of the split and health checks, the result model and the report renderers. It
//! takes numbers and data and returns verdicts, evidence and text — no async runtime,
//! no AWS SDK, no HTTP, no network, no clock, no file writes — so the statistics
//! simulations, the operating-characteristics tables and the report snapshots build
//! and run without the harness's I/O stack. The `harness` crate is the I/O around it
//! (sampler, AWS readers, probes, twin, CLI) and re-exports these modules at their
//! old paths (`harness::stats`, `harness::result`, `harness::checks::split`, …).
//!
//! # Layout
//!
//! * [`stats`]: pure statistics — exact binomial intervals, the group-sequential
//!   design, equivalence bands, sample-ratio mismatch, two-proportion tests,
//!   quantile bounds, change points, sample sizes and seeded variates for
//!   simulations. Its module doc states every decision rule (copied to the README).
//! * [`checks`]: the decision logic of the checks that are pure — [`checks::split`]
//!   (the sequential split monitor, its design and convergence rule) and
//!   [`checks::health`] (canary − stable bounds, the sample plan, its operating
//!   table). The checks that probe (scale, TLS, WAF, posture) live in `harness`.
//! * [`result`]: the result model, [`result::RunResult`] and its evidence kinds —
//!   what a run found, as data; the one contract between checks and renderers, and
//!   the shape of `report.json`.
//! * [`report`]: the renderers `&RunResult -> String` (JSON, JUnit, Markdown, HTML,
//!   terminal text) and the fixtures their snapshot tests use. Writing the run
//!   folder and the runs index stays in `harness::report`.
//! * [`oc`]: the operating-characteristics tables of the README, computed exactly or
//!   by seeded simulation of the real monitors.
//! * [`merge`]: `harness merge` — pooling the runs of several runners (`--shard I/N`)
//!   and recomputing the verdicts from the pooled evidence.
//! * [`exit`]: the exit codes of the `harness` binary, a public contract.
//! * [`error`]: this crate's error, a rejected input (exit 2).
//!
//! Dependencies are held to a pure allow-list (`tests/core/purity.rs`).

pub mod checks;
pub mod error;
pub mod exit;
pub mod merge;
pub mod oc;
pub mod report;
pub mod result;
pub mod stats;

pub use error::{Error, Result};
