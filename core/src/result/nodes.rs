//! Per-node evidence of the split: an ALB is several nodes (one address each), and a
//! node with stale weights hides in pooled counts. The sampler counts responses per
//! address ([`NodeCounts`] in [`super::SampleSummary::nodes`]); the split check turns the
//! counts since its origin into one [`NodeEvidence`] row per node and a
//! [`NodeHomogeneity`] test across them.

use serde::{Deserialize, Serialize};

/// Responses one load-balancer node (one resolved address, `"ADDR:PORT"`) served.
/// Counts add: merging runs sums them per address.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NodeCounts {
    /// Responses attributed to stable.
    pub stable: u64,
    /// Responses attributed to canary.
    pub canary: u64,
    /// Responses without usable attribution headers.
    pub unattributed: u64,
}

impl NodeCounts {
    /// Responses attributed to a variant.
    pub fn attributed(&self) -> u64 {
        self.stable + self.canary
    }
}

/// One node's split over the data the verdict rests on.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct NodeEvidence {
    /// The node's address, `"ADDR:PORT"` (e.g. `"127.0.0.2:8443"`).
    pub address: String,
    /// Attributed responses from this node.
    pub n: u64,
    /// Canary responses among them.
    pub canary_hits: u64,
    /// Observed canary share at this node.
    pub share: f64,
    /// Lower bound of the node's Clopper–Pearson interval (Bonferroni over nodes).
    pub ci_low: f64,
    /// Upper bound of the node's interval.
    pub ci_high: f64,
}

/// The chi-square test of homogeneity of the canary share across nodes
/// (`stats::homogeneity`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct NodeHomogeneity {
    /// How it was computed (test, degrees of freedom, level, interval level).
    pub method: String,
    /// Pearson's X²; `None` when the expected counts are too small to use it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub statistic: Option<f64>,
    /// Degrees of freedom (nodes − 1).
    pub df: u64,
    /// Upper-tail p-value; `None` when the expected counts are too small to use it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub p_value: Option<f64>,
    /// Level at which homogeneity is rejected.
    pub level: f64,
    /// Smallest expected cell count of the table.
    pub min_expected: f64,
    /// Whether the nodes were shown to route different shares.
    pub rejected: bool,
}
