//! The library's error type. Each variant maps to one documented exit code, and each
//! message says what to fix.
//!
//! Errors keep their causes: a variant built from another error holds it as its
//! `#[source]` (an SDK error, a reqwest or rustls error, an XML parse error) instead of
//! flattening it into a string, so a program can still walk the chain.
//!
//! Errors print as one line: a variant that keeps its cause with `#[source]` also
//! names the cause chain in its message, and [`one_line`] prints any error with its
//! `source()` chain as `what: cause: cause`, leaving out a cause whose text is already
//! shown, so no Debug dump and no repeated cause reaches a person. An [`AwsAnswer`]
//! (an error code and message AWS answered) ends the printed chain: the SDK's wrappers
//! below it (`service error`, `unhandled error (Code)`) say nothing more.

use crate::exit;

/// Errors of the harness library.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Bad input: flags, config file, Terraform outputs, weights, unknown ARNs.
    #[error("configuration: {0}")]
    Config(String),
    /// The target could not be reached (DNS, connect, TLS handshake, timeouts).
    #[error("unreachable: {0}")]
    Unreachable(String),
    /// AWS answered, but not with what the harness needs (e.g. a create call that
    /// returned no ARN): there is no underlying error to keep.
    #[error("AWS: {0}")]
    Aws(String),
    /// An AWS API call failed after the SDK's retries: transport, timeout, unreadable
    /// response, or an error code AWS answered ([`AwsAnswer`]). The cause is kept as
    /// the source.
    #[error("AWS: {operation}: {}", one_line(.source.as_ref()))]
    AwsCall {
        /// The operation and its resource, e.g. `ECS services in cluster web`.
        operation: String,
        /// The SDK (or HTTP) error.
        #[source]
        source: BoxError,
    },
    /// AWS rejected the call because the input names something that does not exist or
    /// is malformed (an unknown listener ARN, cluster or service): fix the flag or the
    /// Terraform output that named it. Exit code as for [`Error::Config`].
    #[error("configuration: {operation}: {}", one_line(.source.as_ref()))]
    AwsInput {
        /// The operation and its resource.
        operation: String,
        /// What AWS answered ([`AwsAnswer`], holding the SDK error).
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
    /// Something the harness was doing failed with an error of a library it uses
    /// (building an HTTP or TLS client, signing a request, parsing XML); the error is
    /// kept as the source.
    #[error("{doing}: {}", one_line(.source.as_ref()))]
    Failed {
        /// What was being done, e.g. `building the HTTPS client`.
        doing: String,
        /// The underlying error.
        #[source]
        source: BoxError,
    },
    /// Anything else at run time, with no underlying error to keep.
    #[error("{0}")]
    Runtime(String),
}

impl Error {
    /// The documented exit code for this error.
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::Config(_) | Error::AwsInput { .. } => exit::EXIT_USAGE,
            Error::Unreachable(_)
            | Error::Aws(_)
            | Error::AwsCall { .. }
            | Error::Prerequisite(_)
            | Error::Io { .. }
            | Error::Failed { .. }
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

    /// Wraps a library error with what was being done ([`Error::Failed`]).
    pub fn failed(
        doing: impl Into<String>,
        source: impl std::error::Error + Send + Sync + 'static,
    ) -> Self {
        Error::Failed {
            doing: doing.into(),
            source: Box::new(source),
        }
    }
}

/// A cause kept as the source of an [`Error`].
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// An error AWS answered: its code and message, which are what a person needs, with
/// the SDK error that carried them kept as the source when there is one.
#[derive(Debug, thiserror::Error)]
#[error("{code}: {message}")]
pub struct AwsAnswer {
    /// The error code, e.g. `ClusterNotFoundException` (EC2: `HTTP 400 … Code`).
    pub code: String,
    /// The message, on one line.
    pub message: String,
    /// The SDK error, when the answer came through the SDK.
    #[source]
    pub source: Option<BoxError>,
}

/// `err` and its `source()` chain on one line, `what: cause: cause`. A cause whose
/// text is already part of the line (a message that embeds its source) is left out,
/// and line breaks inside a message become spaces. The chain ends at an [`AwsAnswer`].
pub fn one_line(err: &(dyn std::error::Error + 'static)) -> String {
    let mut line = err.to_string();
    let mut next = if err.is::<AwsAnswer>() {
        None
    } else {
        err.source()
    };
    while let Some(cause) = next {
        let text = cause.to_string();
        if !text.is_empty() && !line.contains(&text) {
            line.push_str(": ");
            line.push_str(&text);
        }
        next = if cause.is::<AwsAnswer>() {
            None
        } else {
            cause.source()
        };
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
    fn an_aws_answer_ends_the_printed_chain_but_keeps_its_source() {
        let sdk = chain(&["service error", "unhandled error (Throttling)"]);
        let err = Error::AwsCall {
            operation: "ECS services in cluster web".into(),
            source: Box::new(AwsAnswer {
                code: "Throttling".into(),
                message: "Rate exceeded".into(),
                source: Some(Box::new(sdk)),
            }),
        };
        let line = "AWS: ECS services in cluster web: Throttling: Rate exceeded";
        assert_eq!(err.to_string(), line);
        assert_eq!(one_line(&err), line);
        let answer = std::error::Error::source(&err).unwrap();
        assert_eq!(answer.source().unwrap().to_string(), "service error");
    }

    #[test]
    fn failed_keeps_the_library_error_and_prints_its_chain() {
        let err = Error::failed("building the HTTPS client", chain(&["builder", "no roots"]));
        assert_eq!(err.exit_code(), exit::EXIT_RUNTIME);
        assert_eq!(
            one_line(&err),
            "building the HTTPS client: builder: no roots"
        );
        assert!(std::error::Error::source(&err).is_some());
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
