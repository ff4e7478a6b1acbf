//! The core's error: an input the pure code rejects — a split configuration whose
//! budget cannot reach a decision, weights out of range, a `report.json` that does not
//! parse. Every such problem is the caller's to fix, so there is one kind, with a
//! one-line message that says what to fix, and it maps to the usage exit code. The
//! `harness` crate turns it into its own `Error::Config`.
//!
//! Nothing here wraps an I/O or library error as a `source`: the core does no I/O,
//! and the one foreign error it meets (serde_json, reading `report.json`) is a
//! property of the input and is named in the message.

use crate::exit;

/// Errors of the core.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// Bad input: a split configuration, weights, a report that does not parse.
    #[error("configuration: {0}")]
    Config(String),
}

impl Error {
    /// The documented exit code for this error ([`exit::EXIT_USAGE`]).
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::Config(_) => exit::EXIT_USAGE,
        }
    }
}

/// Result alias of the core.
pub type Result<T, E = Error> = std::result::Result<T, E>;
