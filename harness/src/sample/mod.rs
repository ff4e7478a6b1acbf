//! The sampler: sends GET requests to the target with bounded concurrency and an
//! optional rate cap, attributes each response by `x-variant`/`x-release`, and
//! aggregates in constant memory (HDR histograms, counters, and stable/canary counts per
//! address the name resolved to, i.e. per load-balancer node). The aggregates are the
//! only thing kept: memory does not grow with the number of requests.

mod accumulator;
mod config;
mod conn;
mod rate;
mod request;
mod runner;

pub use accumulator::{Accumulator, Attribution, RELEASE_HEADER, RequestOutcome, VARIANT_HEADER};
pub use config::SamplerConfig;
pub use rate::MIN_RPS;
pub use request::{GATE_TOKEN_ENV, GATE_TOKEN_HEADER, RESERVED_HEADERS, RequestSpec};
pub use runner::sample;
