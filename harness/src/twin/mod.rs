//! The local twin of production: app containers (testcontainers), an nginx +
//! ModSecurity + OWASP CRS edge standing in for ALB + WAF, and moto standing in for
//! the AWS control plane. One [`TwinSpec`]-like description drives all three.

use crate::cli::{LocalArgs, TwinDownArgs, TwinUpArgs};
use crate::error::{Error, Result};
use crate::run::Outcome;

/// `harness local`: twin up, verify, report, twin down.
pub async fn local(_args: LocalArgs) -> Result<Outcome> {
    Err(Error::Runtime(
        "harness local is not implemented yet".into(),
    ))
}

/// `harness twin up`.
pub async fn up(_args: TwinUpArgs) -> Result<()> {
    Err(Error::Runtime(
        "harness twin up is not implemented yet".into(),
    ))
}

/// `harness twin down`.
pub async fn down(_args: TwinDownArgs) -> Result<()> {
    Err(Error::Runtime(
        "harness twin down is not implemented yet".into(),
    ))
}

pub mod moto;
pub mod seed;
mod seed_waf;
