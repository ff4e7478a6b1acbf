//! Result types of the WAF gate tier (issue #13): the WebACL's managed groups, one row
//! per canonical request, coverage per rule group and the benign false-positive rate.
//! Kept apart from `evidence.rs` so each file stays readable.

use serde::{Deserialize, Serialize};

/// A managed rule group statement of a WebACL rule.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ManagedGroupInfo {
    /// Vendor (`AWS`).
    pub vendor: String,
    /// Group name (`AWSManagedRulesSQLiRuleSet`).
    pub name: String,
    /// Override action: `none` (the group's own actions apply) or `count`.
    pub override_action: String,
}

/// One canonical request of the WAF gate tier and what answered it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct GateRow {
    /// AWS managed rule group that must block it.
    pub group: String,
    /// Rule of that group.
    pub rule: String,
    /// Corpus id.
    pub id: String,
    /// The request as a curl command.
    pub curl: String,
    /// Status answered (`None`: transport error or timeout).
    pub status: Option<u16>,
    /// `blocked`, `missed`, `rate-limited` or `unresolved`.
    pub outcome: String,
    /// Variant that answered a missed request (`x-variant`).
    #[serde(default)]
    pub answered_by: Option<String>,
}

/// How the gate tier covered one rule group.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct GateGroup {
    /// Group name.
    pub group: String,
    /// `tested`, `untested (checked by configuration only)` or `not deployed (N/A)`.
    pub coverage: String,
    /// Requests sent for it.
    pub sent: u64,
    /// Requests blocked.
    pub blocked: u64,
}

/// The false-positive rate on the benign corpus with its exact interval.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct FalsePositiveRate {
    /// Benign requests with a usable answer (blocked or answered by the app).
    pub resolved: u64,
    /// Benign requests blocked.
    pub blocked: u64,
    /// Clopper-Pearson lower bound.
    pub low: f64,
    /// Clopper-Pearson upper bound.
    pub high: f64,
    /// Ceiling: FAIL when `low` exceeds it.
    pub ceiling: f64,
    /// Confidence level of the interval.
    pub confidence: f64,
}
