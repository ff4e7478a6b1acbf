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
pub mod cmd;
pub mod config;
pub mod endpoint;
pub mod error;
pub mod exit;
pub mod gate;
#[cfg(test)]
mod layout_tests;
pub mod oc;
pub mod outcome;
pub mod report;
pub mod result;
pub mod run;
pub mod sample;
pub mod stats;
pub mod twin;
pub mod verify;

pub use error::{Error, Result};
pub use outcome::Outcome;
pub use run::{run, run_async};
