//! The library's error type. Each variant maps to one documented exit code, and each
//! message says what to fix.

use crate::exit;

/// Errors of the harness library. `anyhow` is used only at the CLI edge.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Bad input: flags, config file, Terraform outputs, weights, unknown ARNs.
    #[error("configuration: {0}")]
    Config(String),
    /// The target could not be reached (DNS, connect, TLS handshake, timeouts).
    #[error("unreachable: {0}")]
    Unreachable(String),
    /// An AWS API call failed after the SDK's retries.
    #[error("AWS: {0}")]
    Aws(String),
    /// A tool the harness needs is missing (Docker, nginx, moto).
    #[error("missing prerequisite: {0} (run: bash scripts/setup.sh)")]
    Prerequisite(String),
    /// Local I/O failed.
    #[error("I/O: {context}: {source}")]
    Io {
        /// What was being done.
        context: String,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// Anything else at run time.
    #[error("{0}")]
    Runtime(String),
}

impl Error {
    /// The documented exit code for this error.
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::Config(_) => exit::EXIT_USAGE,
            Error::Unreachable(_)
            | Error::Aws(_)
            | Error::Prerequisite(_)
            | Error::Io { .. }
            | Error::Runtime(_) => exit::EXIT_RUNTIME,
        }
    }

    /// Wraps an I/O error with what was being done.
    pub fn io(context: impl Into<String>, source: std::io::Error) -> Self {
        Error::Io {
            context: context.into(),
            source,
        }
    }
}

/// Result alias of the library.
pub type Result<T, E = Error> = std::result::Result<T, E>;
