//! Aggregates of the traffic sample. Constant size in the number of requests: counts,
//! percentiles and a log-bucketed latency histogram exported from HDR histograms.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// Latency percentiles in milliseconds.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct LatencySummary {
    /// Median.
    pub p50_ms: f64,
    /// 90th percentile.
    pub p90_ms: f64,
    /// 99th percentile.
    pub p99_ms: f64,
    /// Maximum.
    pub max_ms: f64,
    /// Mean.
    pub mean_ms: f64,
}

/// Upper bound of the first bucket of the sampler's latency histograms, in microseconds.
pub const HISTOGRAM_FIRST_BUCKET_US: u64 = 50;

/// Ratio between neighbouring bucket bounds of the sampler's latency histograms:
/// 2^(1/32), thirty-two buckets per doubling (2.2 % wide).
///
/// Why so fine: health bounds each quantile by bucket edges (`U_c − L_s`, see
/// `checks::health`), so a bucket costs its whole width `(r − 1)·Q` against a
/// tolerance of `max(50 ms, 20 %·Q)`. With √2 buckets (41 % wide) a canary identical
/// to stable could never be shown within tolerance once a quantile passed ≈ 120 ms
/// (`0.414·Q > max(50, 0.2·Q)`): health stayed INCONCLUSIVE and the gate rolled back
/// every healthy deployment seen from a distant runner or with a slow app. At
/// 2^(1/32) the grid costs 4.4 % of `Q` in all (one bucket on each side), leaving most
/// of the 20 % to sampling error (2^(1/16) left too little at 90/10: a canary equal
/// to stable at a 150 ms median PASSed 0.979 of simulated runs, 0.990 at 2^(1/32)).
pub const HISTOGRAM_BUCKET_RATIO: f64 = 1.021_897_148_654_116_7;

/// One bucket of a latency histogram: `count` responses with latency in
/// `(previous upper, upper_ms]`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct HistogramBucket {
    /// Upper bound of the bucket in milliseconds.
    pub upper_ms: f64,
    /// Responses in the bucket.
    pub count: u64,
}

/// Aggregates for one variant (stable or canary).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct VariantStats {
    /// Responses attributed to this variant.
    pub responses: u64,
    /// Responses by status code (e.g. "200", "503").
    pub status_codes: BTreeMap<String, u64>,
    /// Releases seen in `x-release`, with counts.
    pub releases: BTreeMap<String, u64>,
    /// 5xx responses.
    pub server_errors: u64,
    /// Latency percentiles.
    pub latency: LatencySummary,
    /// Latency histogram (ascending buckets, empty buckets omitted).
    pub histogram: Vec<HistogramBucket>,
}

impl VariantStats {
    /// Number of responses with a 5xx status.
    pub fn count_5xx(&self) -> u64 {
        self.server_errors
    }
}

/// Aggregates of the whole sample.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SampleSummary {
    /// Requests sent.
    pub requests: u64,
    /// Responses attributed to stable.
    pub stable: VariantStats,
    /// Responses attributed to canary.
    pub canary: VariantStats,
    /// Responses without usable attribution headers, by status code.
    pub unattributed: BTreeMap<String, u64>,
    /// Requests with no response (connect/TLS/protocol errors).
    pub transport_errors: u64,
    /// Requests that timed out.
    pub timeouts: u64,
    /// A few distinct transport error messages, for the report.
    #[serde(default)]
    pub error_examples: Vec<String>,
    /// Wall-clock duration of sampling in seconds.
    pub duration_s: f64,
    /// Responses per load-balancer node, keyed by the address that served them
    /// (`"ADDR:PORT"`, e.g. `"127.0.0.2:8443"`). Empty in reports written before it
    /// existed and in summaries built without a sampler.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub nodes: BTreeMap<String, super::NodeCounts>,
}

impl SampleSummary {
    /// Responses attributed to a variant.
    pub fn attributed(&self) -> u64 {
        self.stable.responses + self.canary.responses
    }

    /// Responses without attribution.
    pub fn unattributed_total(&self) -> u64 {
        self.unattributed.values().sum()
    }
}
