//! The library's error type. Each variant maps to one documented exit code, and each
//! message says what to fix.
//!
//! Errors print as one line: a variant that keeps its cause with `#[source]` also
//! names the cause chain in its message, and [`one_line`] prints any error with its
//! `source()` chain as `what: cause: cause`, leaving out a cause whose text is already
//! shown, so no Debug dump and no repeated cause reaches a person.

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
    /// An AWS API call failed after the SDK's retries without an answer from AWS
    /// (transport, timeout, unreadable response); the SDK error is kept as the source.
    #[error("AWS: {operation}: {}", one_line(.source.as_ref()))]
    AwsCall {
        /// The operation and its resource, e.g. `ECS services in cluster web`.
        operation: String,
        /// The SDK error.
        #[source]
        source: BoxError,
    },
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
            | Error::AwsCall { .. }
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

/// A cause kept as the source of an [`Error`].
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// `err` and its `source()` chain on one line, `what: cause: cause`. A cause whose
/// text is already part of the line (a message that embeds its source) is left out,
/// and line breaks inside a message become spaces.
pub fn one_line(err: &(dyn std::error::Error + 'static)) -> String {
    let mut line = err.to_string();
    let mut next = err.source();
    while let Some(cause) = next {
        let text = cause.to_string();
        if !text.is_empty() && !line.contains(&text) {
            line.push_str(": ");
            line.push_str(&text);
        }
        next = cause.source();
    }
    line.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Result alias of the library.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// The core's one error kind, a rejected input, is a configuration error here too.
impl From<harness_core::Error> for Error {
    fn from(e: harness_core::Error) -> Self {
        match e {
            harness_core::Error::Config(m) => Error::Config(m),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, thiserror::Error)]
    #[error("{0}")]
    struct Layer(&'static str, #[source] Option<Box<Layer>>);

    fn chain(texts: &[&'static str]) -> Layer {
        texts
            .iter()
            .rev()
            .fold(None, |inner, t| Some(Layer(t, inner.map(Box::new))))
            .unwrap()
    }

    #[test]
    fn one_line_joins_the_chain_and_skips_causes_already_shown() {
        let e = chain(&["dispatch failure", "io error", "Connection refused"]);
        assert_eq!(
            one_line(&e),
            "dispatch failure: io error: Connection refused"
        );
        // A message that already embeds its cause does not repeat it.
        let e = chain(&["reading x: boom", "boom"]);
        assert_eq!(one_line(&e), "reading x: boom");
        let e = chain(&["first\nsecond", "third"]);
        assert_eq!(one_line(&e), "first second: third");
    }

    #[test]
    fn io_errors_keep_their_source_without_repeating_it() {
        let err = Error::io(
            "reading report.json",
            std::io::Error::new(std::io::ErrorKind::NotFound, "no such file"),
        );
        assert!(std::error::Error::source(&err).is_some());
        assert_eq!(one_line(&err), "I/O: reading report.json: no such file");
    }
}
