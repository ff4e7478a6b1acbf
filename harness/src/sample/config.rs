//! Settings of one sampling run.

use std::time::Duration;

use super::request::RequestSpec;
use crate::endpoint::Endpoint;

/// How to sample the target.
#[derive(Debug, Clone)]
pub struct SamplerConfig {
    /// Where to send the requests (URL, pins, private CA).
    pub endpoint: Endpoint,
    /// Path and headers added to every request (`--path`, `--header`).
    pub request: RequestSpec,
    /// Upper bound on requests sent.
    pub max_requests: u64,
    /// Requests in flight at once.
    pub concurrency: usize,
    /// Rate cap in requests per second (`None`: as fast as the target answers).
    pub rps: Option<f64>,
    /// Per-request timeout (connect + response + body).
    pub timeout: Duration,
    /// Open a fresh connection for every request (no keep-alive reuse).
    pub fresh_connections: bool,
    /// Completed requests between two calls of the batch callback.
    pub batch_size: u64,
    /// No progress bar even on a TTY.
    pub quiet: bool,
}
