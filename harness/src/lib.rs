//! Verification harness for canary deployments on ECS Fargate behind an HTTPS ALB
//! with WAF. It samples the live split and judges it statistically against the
//! weights on the listener, and checks scale-to-zero, canary health, TLS and WAF.
//!
//! # Layout
//!
//! The binary (`main.rs`) parses the command line ([`cli`]) and hands it to [`run`],
//! which starts a tokio runtime and calls one command in [`cmd`]. A command returns an
//! [`Outcome`] ([`outcome`]), which `main` turns into the exit code ([`exit`]); an
//! [`Error`] ([`error`]) maps to its own exit code and prints as one line.
//!
//! Commands, one file each in [`cmd`]:
//!
//! - `verify` runs [`verify`]: the orchestration of one verification. It merges the
//!   inputs ([`config`]: flags over `--config` over `--tf-outputs`), reads the
//!   configured truth from AWS ([`aws`]: listener weights, ECS services, WAF, ACM),
//!   samples the target ([`sample`], reaching it as [`endpoint`] says), runs the
//!   checks ([`checks`]: split, scale, health, tls, waf, waf-posture), collects their
//!   verdicts into a [`result::RunResult`] and writes the reports ([`report`]).
//! - `gate` runs [`gate`]: waits for the ECS rollouts, judges the `rollout` check
//!   against what was requested, then runs [`verify`] with it.
//! - `local` and `twin up|weights|down` drive the local twin of production ([`twin`]:
//!   nginx + ModSecurity as ALB + WAF, moto as the AWS control plane, the app in
//!   containers) and verify it (`local --promotion-flow`: a whole promotion judged by
//!   the gate at each step, [`twin::promotion`]).
//! - `report` re-renders a run's reports from its `report.json`.
//!
//! The pure core is a crate of its own, `harness-core` (no async runtime, AWS SDK or
//! network): [`stats`] (the statistics the checks decide with), [`result`] (the result
//! model), [`exit`], [`oc`] (the README's operating-characteristics tables, by
//! simulation), the split and health decisions (re-exported as [`checks::split`] and
//! [`checks::health`]) and the report renderers (re-exported in [`report`]). This crate
//! re-exports them at the paths it always had and does the I/O around them.
//!
//! Data flow of a verification: config → aws (truth) → sample (aggregates) → checks
//! (verdicts) → result → report. The checks `tls`, `waf` and `waf-posture` send their
//! own requests (a TLS probe, an attack corpus) rather than reading the sample.
//!
//! I/O: the network in [`sample`], [`aws`] and those three checks; the disk in
//! [`config`] (the files it reads), [`report`]'s `write` and `index`, and [`twin`]
//! (processes, containers, its folder). [`stats`], [`result`], [`oc`] and the
//! report renderers are pure.
//!
//! Dependencies between the top-level modules form a DAG, and so do the concern
//! folders of [`twin`] (checked by the `layout_tests` unit tests). The attack and
//! benign corpora are data of their own ([`corpus`]): the WAF checks send them and
//! [`config`] validates the posture floors against their categories.

pub mod aws;
pub mod checks;
pub mod cli;
pub mod cmd;
pub mod config;
pub mod corpus;
pub mod endpoint;
pub mod error;
pub mod gate;
#[cfg(test)]
mod layout_tests;
pub mod outcome;
pub mod report;
pub mod run;
pub mod sample;
pub mod twin;
pub mod verify;

pub use error::{Error, Result};
/// The pure core (`harness-core`) at the paths the harness always had.
pub use harness_core::{exit, oc, result, stats};
pub use outcome::Outcome;
pub use run::{run, run_async};
