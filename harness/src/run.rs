//! Dispatch of a parsed command line to its command in [`crate::cmd`], on a tokio
//! runtime.

use crate::cli::{Cli, Command};
use crate::cmd;
use crate::error::{Error, Result};

pub use crate::outcome::Outcome;

/// Runs a parsed command line to completion on a new multi-threaded runtime.
pub fn run(cli: Cli) -> Result<Outcome> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::io("starting the async runtime", e))?;
    runtime.block_on(run_async(cli))
}

/// Runs a parsed command line on the caller's runtime (used by in-process tests).
pub async fn run_async(cli: Cli) -> Result<Outcome> {
    match cli.command {
        Command::Verify(args) => cmd::verify::run(*args).await,
        Command::Local(args) => cmd::local::run(*args).await,
        Command::Twin(args) => cmd::twin::run(args).await,
        Command::Gate(args) => cmd::gate::run(*args).await,
        Command::Report(args) => cmd::report::run(&args),
        Command::Merge(args) => cmd::merge::run(&args),
    }
}
