//! `harness verify`: merge inputs, read the configured truth from AWS, sample, run the
//! checks, write the reports. The orchestration edge; the decisions live in `checks`.

use crate::cli::VerifyArgs;
use crate::error::{Error, Result};
use crate::result::RunResult;

/// Runs a verification and writes its reports.
pub async fn run(_args: VerifyArgs) -> Result<RunResult> {
    Err(Error::Runtime("verify is not implemented yet".into()))
}
