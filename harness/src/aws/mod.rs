//! Readers of the configured truth from AWS (ELBv2, ECS, WAFv2, ACM) through
//! aws-sdk-rust. `AWS_ENDPOINT_URL` is honoured (that is how tests reach moto).

pub mod acm;
pub mod waf;

use std::path::PathBuf;

use crate::error::{Error, Result};

/// How to reach AWS. Empty fields fall back to aws-config's default chain.
#[derive(Debug, Clone, Default)]
pub struct AwsOptions {
    /// Endpoint override (moto, LocalStack).
    pub endpoint_url: Option<String>,
    /// Region.
    pub region: Option<String>,
    /// Profile name.
    pub profile: Option<String>,
    /// Shared credentials file.
    pub credentials_file: Option<PathBuf>,
}

/// Loads the SDK configuration.
pub async fn load(_opts: &AwsOptions) -> Result<aws_config::SdkConfig> {
    Err(Error::Runtime("aws::load is not implemented yet".into()))
}
