//! The `waf` check: attack corpus must be blocked, benign corpus must pass.

use crate::endpoint::Endpoint;
use crate::result::{CheckResult, Evidence, Verdict, WebAclInfo};

/// Settings of the WAF check.
#[derive(Debug, Clone)]
pub struct WafSettings {
    /// Status that counts as blocked.
    pub block_status: u16,
    /// Required overall block rate.
    pub min_block_rate: f64,
    /// Allowed benign requests blocked.
    pub max_false_positives: u64,
    /// Rate cap (requests per second).
    pub rps: f64,
    /// Requests in flight.
    pub concurrency: usize,
    /// Significance level of the intervals.
    pub alpha: f64,
    /// Per-request timeout.
    pub timeout: std::time::Duration,
}

/// What AWS said about the WebACL: `None` when AWS was not consulted,
/// `Some(Ok(None))` when no WebACL is associated, `Some(Err(msg))` on a read error.
pub type WebAclLookup = Option<Result<Option<WebAclInfo>, String>>;

/// Sends the corpus and judges the WAF.
pub async fn check(
    _endpoint: &Endpoint,
    _settings: &WafSettings,
    _web_acl: WebAclLookup,
) -> CheckResult {
    CheckResult {
        name: "waf".into(),
        verdict: Verdict::Inconclusive,
        summary: "not implemented yet".into(),
        warnings: vec![],
        evidence: Evidence::None,
    }
}
