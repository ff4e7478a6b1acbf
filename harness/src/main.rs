//! The `harness` binary: parse arguments, call [`harness::run`], map the outcome to an
//! exit code. Everything else lives in the library.

use clap::Parser;
use harness::cli::Cli;
use harness::exit;

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let code = match harness::run(cli) {
        Ok(outcome) => outcome.exit_code(),
        Err(err) => {
            eprintln!("error: {}", harness::error::one_line(&err));
            err.exit_code()
        }
    };
    std::process::ExitCode::from(u8::try_from(code).unwrap_or(exit::EXIT_RUNTIME as u8))
}
