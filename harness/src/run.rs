//! Dispatch of a parsed command line to the library, on a tokio runtime.

use crate::cli::{Cli, Command, TwinAction};
use crate::error::{Error, Result};
use crate::result::RunResult;

/// What a command ended with, before it becomes an exit code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    code: i32,
}

impl Outcome {
    /// An outcome with an explicit exit code.
    pub fn with_code(code: i32) -> Self {
        Outcome { code }
    }

    /// A command that succeeded without a verdict (twin up/down, report).
    pub fn success() -> Self {
        Outcome {
            code: crate::exit::EXIT_OK,
        }
    }

    /// The exit code of a verification run.
    pub fn from_run(run: &RunResult) -> Self {
        Outcome {
            code: run.exit_code(),
        }
    }

    /// The process exit code.
    pub fn exit_code(&self) -> i32 {
        self.code
    }
}

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
        Command::Verify(args) if args.plan => crate::verify::plan_only(*args)
            .await
            .map(|()| Outcome::success()),
        Command::Verify(args) => crate::verify::run(*args)
            .await
            .map(|r| Outcome::from_run(&r)),
        Command::Local(args) => crate::twin::local(*args).await,
        Command::Twin(args) => match args.action {
            TwinAction::Up(up) => crate::twin::up(up).await.map(|()| Outcome::success()),
            TwinAction::Down(down) => crate::twin::down(down).await.map(|()| Outcome::success()),
            TwinAction::Weights(w) => crate::twin::weights(w).await.map(|()| Outcome::success()),
        },
        Command::Gate(args) => crate::gate::run(*args).await,
        Command::Report(args) => {
            crate::report::rerender(&args.run_dir).map(|()| Outcome::success())
        }
    }
}
