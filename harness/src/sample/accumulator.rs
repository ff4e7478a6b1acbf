//! Streaming aggregation of responses: per-variant HDR histograms of latency and
//! counters by status and release. Memory is constant in the number of requests.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::time::Duration;

use canary_contract::Variant;
use hdrhistogram::Histogram;

use crate::result::{
    HISTOGRAM_BUCKET_RATIO, HISTOGRAM_FIRST_BUCKET_US, HistogramBucket, LatencySummary, NodeCounts,
    SampleSummary, VariantStats,
};

/// Header naming the release (image tag) that answered; from the shared contract.
pub use canary_contract::HEADER_RELEASE as RELEASE_HEADER;
/// Header naming the variant that answered (`stable` or `canary`); from the contract
/// shared with the app.
pub use canary_contract::HEADER_VARIANT as VARIANT_HEADER;

/// Highest latency recorded exactly, in microseconds (larger values are clamped).
const MAX_LATENCY_US: u64 = 3_600_000_000;
/// Significant decimal digits kept by the HDR histograms (0.1 % resolution).
const SIGNIFICANT_DIGITS: u8 = 3;
/// Distinct transport error messages kept for the report.
const MAX_ERROR_EXAMPLES: usize = 5;
/// Nodes (addresses) counted separately; the sampler dials only the addresses the name
/// resolved to at the start, so this bounds memory, not a real target.
const MAX_NODES: usize = 64;

/// Which variant a response came from, read from its headers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Attribution {
    /// `x-variant: stable`.
    Stable(Option<String>),
    /// `x-variant: canary`.
    Canary(Option<String>),
    /// No or unknown `x-variant` header.
    Unattributed,
}

impl Attribution {
    /// Reads `x-variant` (case-insensitive value) and `x-release`.
    pub fn from_headers(variant: Option<&str>, release: Option<&str>) -> Self {
        let release = release
            .map(str::trim)
            .filter(|r| !r.is_empty())
            .map(str::to_owned);
        match variant.and_then(Variant::from_header_value) {
            Some(Variant::Stable) => Attribution::Stable(release),
            Some(Variant::Canary) => Attribution::Canary(release),
            None => Attribution::Unattributed,
        }
    }
}

/// What happened to one request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RequestOutcome {
    /// A complete response.
    Response {
        /// HTTP status.
        status: u16,
        /// Attribution from the headers.
        attribution: Attribution,
        /// Time from send to the end of the body.
        latency: Duration,
        /// The address (load-balancer node) of the connection that answered.
        node: Option<SocketAddr>,
    },
    /// The per-request timeout expired.
    Timeout,
    /// No response: connect, TLS or protocol error.
    TransportError(String),
}

#[derive(Debug)]
struct VariantAcc {
    responses: u64,
    status_codes: BTreeMap<u16, u64>,
    releases: BTreeMap<String, u64>,
    server_errors: u64,
    latency_us: Histogram<u64>,
}

impl VariantAcc {
    fn new() -> Self {
        VariantAcc {
            responses: 0,
            status_codes: BTreeMap::new(),
            releases: BTreeMap::new(),
            server_errors: 0,
            latency_us: Histogram::new_with_bounds(1, MAX_LATENCY_US, SIGNIFICANT_DIGITS)
                .expect("static histogram bounds are valid"),
        }
    }

    fn record(&mut self, status: u16, release: Option<String>, latency: Duration) {
        self.responses += 1;
        *self.status_codes.entry(status).or_default() += 1;
        if let Some(r) = release {
            // Bounded in practice by the releases deployed; guard against a flood of
            // distinct values anyway so memory stays constant.
            if self.releases.len() < 64 || self.releases.contains_key(&r) {
                *self.releases.entry(r).or_default() += 1;
            }
        }
        if (500..600).contains(&status) {
            self.server_errors += 1;
        }
        let us = u64::try_from(latency.as_micros())
            .unwrap_or(MAX_LATENCY_US)
            .clamp(1, MAX_LATENCY_US);
        self.latency_us.saturating_record(us);
    }

    fn summary(&self) -> VariantStats {
        let h = &self.latency_us;
        let ms = |us: u64| us as f64 / 1000.0;
        let latency = if h.is_empty() {
            LatencySummary::default()
        } else {
            LatencySummary {
                p50_ms: ms(h.value_at_quantile(0.5)),
                p90_ms: ms(h.value_at_quantile(0.9)),
                p99_ms: ms(h.value_at_quantile(0.99)),
                max_ms: ms(h.max()),
                mean_ms: h.mean() / 1000.0,
            }
        };
        let histogram = if h.is_empty() {
            Vec::new()
        } else {
            h.iter_log(HISTOGRAM_FIRST_BUCKET_US, HISTOGRAM_BUCKET_RATIO)
                .filter(|v| v.count_since_last_iteration() > 0)
                .map(|v| HistogramBucket {
                    upper_ms: ms(v.value_iterated_to()),
                    count: v.count_since_last_iteration(),
                })
                .collect()
        };
        VariantStats {
            responses: self.responses,
            status_codes: self
                .status_codes
                .iter()
                .map(|(s, n)| (s.to_string(), *n))
                .collect(),
            releases: self.releases.clone(),
            server_errors: self.server_errors,
            latency,
            histogram,
        }
    }
}

/// Running aggregates of a sample.
#[derive(Debug)]
pub struct Accumulator {
    requests: u64,
    stable: VariantAcc,
    canary: VariantAcc,
    unattributed: BTreeMap<u16, u64>,
    transport_errors: u64,
    timeouts: u64,
    error_examples: Vec<String>,
    /// Responses per node (the connection's address).
    nodes: BTreeMap<SocketAddr, NodeCounts>,
}

impl Default for Accumulator {
    fn default() -> Self {
        Self::new()
    }
}

impl Accumulator {
    /// Empty aggregates.
    pub fn new() -> Self {
        Accumulator {
            requests: 0,
            stable: VariantAcc::new(),
            canary: VariantAcc::new(),
            unattributed: BTreeMap::new(),
            transport_errors: 0,
            timeouts: 0,
            error_examples: Vec::new(),
            nodes: BTreeMap::new(),
        }
    }

    /// Requests recorded so far.
    pub fn requests(&self) -> u64 {
        self.requests
    }

    /// Records one request's outcome.
    pub fn record(&mut self, outcome: RequestOutcome) {
        self.requests += 1;
        match outcome {
            RequestOutcome::Response {
                status,
                attribution,
                latency,
                node,
            } => {
                let counts = node
                    .filter(|a| self.nodes.len() < MAX_NODES || self.nodes.contains_key(a))
                    .map(|a| self.nodes.entry(a).or_default());
                match attribution {
                    Attribution::Stable(r) => {
                        self.stable.record(status, r, latency);
                        if let Some(c) = counts {
                            c.stable += 1;
                        }
                    }
                    Attribution::Canary(r) => {
                        self.canary.record(status, r, latency);
                        if let Some(c) = counts {
                            c.canary += 1;
                        }
                    }
                    Attribution::Unattributed => {
                        *self.unattributed.entry(status).or_default() += 1;
                        if let Some(c) = counts {
                            c.unattributed += 1;
                        }
                    }
                }
            }
            RequestOutcome::Timeout => self.timeouts += 1,
            RequestOutcome::TransportError(msg) => {
                self.transport_errors += 1;
                if self.error_examples.len() < MAX_ERROR_EXAMPLES
                    && !self.error_examples.contains(&msg)
                {
                    self.error_examples.push(msg);
                }
            }
        }
    }

    /// Snapshot of the aggregates, with the elapsed sampling time.
    pub fn summary(&self, elapsed: Duration) -> SampleSummary {
        SampleSummary {
            requests: self.requests,
            stable: self.stable.summary(),
            canary: self.canary.summary(),
            unattributed: self
                .unattributed
                .iter()
                .map(|(s, n)| (s.to_string(), *n))
                .collect(),
            transport_errors: self.transport_errors,
            timeouts: self.timeouts,
            error_examples: self.error_examples.clone(),
            duration_s: elapsed.as_secs_f64(),
            nodes: self
                .nodes
                .iter()
                .map(|(a, c)| (a.to_string(), *c))
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn resp(status: u16, a: Attribution, ms: u64) -> RequestOutcome {
        RequestOutcome::Response {
            status,
            attribution: a,
            latency: Duration::from_millis(ms),
            node: None,
        }
    }

    #[test]
    fn counts_per_node() {
        let mut acc = Accumulator::new();
        let at = |a: &str, attribution| RequestOutcome::Response {
            status: 200,
            attribution,
            latency: Duration::from_millis(1),
            node: Some(a.parse().unwrap()),
        };
        acc.record(at("127.0.0.2:8443", Attribution::Canary(None)));
        acc.record(at("127.0.0.1:8443", Attribution::Stable(None)));
        acc.record(at("127.0.0.2:8443", Attribution::Stable(None)));
        acc.record(at("[::1]:8443", Attribution::Unattributed));
        acc.record(resp(200, Attribution::Stable(None), 1));
        let s = acc.summary(Duration::ZERO);
        let keys: Vec<&str> = s.nodes.keys().map(String::as_str).collect();
        assert_eq!(keys, ["127.0.0.1:8443", "127.0.0.2:8443", "[::1]:8443"]);
        let two = s.nodes["127.0.0.2:8443"];
        assert_eq!((two.stable, two.canary, two.unattributed), (1, 1, 0));
        assert_eq!(s.nodes["[::1]:8443"].unattributed, 1);
        assert_eq!(
            s.stable.responses, 3,
            "a response without a node still counts"
        );
    }

    #[test]
    fn attributes_by_header() {
        assert_eq!(
            Attribution::from_headers(Some(" Canary "), Some("v2")),
            Attribution::Canary(Some("v2".into()))
        );
        assert_eq!(
            Attribution::from_headers(Some("stable"), Some("")),
            Attribution::Stable(None)
        );
        assert_eq!(
            Attribution::from_headers(Some("blue"), None),
            Attribution::Unattributed
        );
        assert_eq!(
            Attribution::from_headers(None, Some("v1")),
            Attribution::Unattributed
        );
    }

    #[test]
    fn counts_every_outcome() {
        let mut acc = Accumulator::new();
        acc.record(resp(200, Attribution::Stable(Some("v1".into())), 10));
        acc.record(resp(503, Attribution::Canary(Some("v2".into())), 20));
        acc.record(resp(403, Attribution::Unattributed, 1));
        acc.record(RequestOutcome::Timeout);
        acc.record(RequestOutcome::TransportError("refused".into()));
        acc.record(RequestOutcome::TransportError("refused".into()));
        let s = acc.summary(Duration::from_secs(1));
        assert_eq!(s.requests, 6);
        assert_eq!(s.stable.responses, 1);
        assert_eq!(s.stable.releases["v1"], 1);
        assert_eq!(s.canary.server_errors, 1);
        assert_eq!(s.canary.status_codes["503"], 1);
        assert_eq!(s.unattributed["403"], 1);
        assert_eq!(s.timeouts, 1);
        assert_eq!(s.transport_errors, 2);
        assert_eq!(s.error_examples, vec!["refused".to_string()]);
        assert!((s.canary.latency.p50_ms - 20.0).abs() < 0.1);
    }

    proptest! {
        #[test]
        fn histogram_accounts_for_every_response(lat in prop::collection::vec(0u64..5_000_000, 1..300)) {
            let mut acc = Accumulator::new();
            for us in &lat {
                acc.record(RequestOutcome::Response {
                    status: 200,
                    attribution: Attribution::Stable(None),
                    latency: Duration::from_micros(*us),
                    node: None,
                });
            }
            let s = acc.summary(Duration::ZERO);
            let total: u64 = s.stable.histogram.iter().map(|b| b.count).sum();
            prop_assert_eq!(total, lat.len() as u64);
            prop_assert!(s.stable.histogram.windows(2).all(|w| w[0].upper_ms < w[1].upper_ms));
            let max = *lat.iter().max().unwrap() as f64 / 1000.0;
            // HDR keeps 3 significant digits.
            prop_assert!((s.stable.latency.max_ms - max.max(0.001)).abs() <= max * 0.001 + 0.002);
            prop_assert!(s.stable.latency.p50_ms <= s.stable.latency.p99_ms);
        }
    }
}
