//! Verification harness for canary deployments on ECS Fargate behind an HTTPS ALB
//! with WAF. It samples the live split and judges it statistically against the
//! weights on the listener, and checks scale-to-zero, canary health, TLS and WAF.
//!
//! Data flows one way: [`cli`] → [`sample`] → [`stats`] → [`checks`] → [`result`] →
//! [`report`]. Only the sampler, the AWS readers ([`aws`]), the local twin ([`twin`])
//! and [`run`] touch the network or the disk; everything else is pure.

pub mod aws;
pub mod checks;
pub mod cli;
pub mod config;
pub mod endpoint;
pub mod error;
pub mod gate;
pub mod report;
pub mod run;
pub mod sample;
pub mod twin;
pub mod verify;

pub use error::{Error, Result};
/// The pure core (`harness-core`) at the paths the harness always had.
pub use harness_core::{exit, oc, result, stats};
pub use run::{Outcome, run, run_async};
