//! Typed evidence of each check. Each struct is owned by its check (`checks/<name>.rs`)
//! and rendered by every report format; add fields with `#[serde(default)]`.

use super::tls::TlsEvidence;
use super::waf_gate::{FalsePositiveRate, GateGroup, GateRow, ManagedGroupInfo};
use serde::{Deserialize, Serialize};

/// Evidence behind a verdict, one variant per check.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Evidence {
    /// Observed vs configured split.
    Split(SplitEvidence),
    /// Canary at weight 0 is scaled to zero.
    Scale(ScaleEvidence),
    /// Canary errors and latency vs stable.
    Health(HealthEvidence),
    /// Certificate, protocols, redirect, HSTS.
    Tls(Box<TlsEvidence>),
    /// WAF block rates and false positives.
    Waf(WafEvidence),
    /// WAF posture: block rates of the full attack corpus (`super::posture`).
    WafPosture(super::posture::PostureEvidence),
    /// The check could not gather evidence (the summary says why).
    None,
}

/// One look of the sequential test: the confidence sequence after `n` responses.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct PathPoint {
    /// Attributed responses so far.
    pub n: u64,
    /// Observed canary share so far.
    pub share: f64,
    /// Lower bound of the last look's repeated confidence interval (level 1 − α over all looks).
    pub low: f64,
    /// Upper bound of the last look's repeated confidence interval.
    pub high: f64,
}

/// Evidence of the split check.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SplitEvidence {
    /// Stable weight on the listener (raw integer).
    pub stable_weight: i64,
    /// Canary weight on the listener (raw integer).
    pub canary_weight: i64,
    /// Configured canary share p0 = canary / (stable + canary).
    pub configured_share: f64,
    /// Equivalence margin (absolute).
    pub margin: f64,
    /// The margin the decision used: `min(margin, p0/2, (1 − p0)/2)` for interior
    /// weights, the leak margin at weight 0 or 100. Absent (0) in reports written
    /// before it existed, and then not written back.
    #[serde(default, skip_serializing_if = "is_unset")]
    pub effective_margin: f64,
    /// Nominal confidence level of each look's interval, `1 − α'` (interior weights;
    /// the `1 − α` guarantee holds over all looks together).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub look_level: Option<f64>,
    /// Significance level.
    pub alpha: f64,
    /// Attributed responses used.
    pub n: u64,
    /// Canary responses among them.
    pub canary_hits: u64,
    /// Observed canary share.
    pub observed_share: f64,
    /// Lower bound of the final interval.
    pub ci_low: f64,
    /// Upper bound of the final interval.
    pub ci_high: f64,
    /// How the interval was computed (e.g. "Clopper-Pearson, alpha spent over 8 looks").
    pub method: String,
    /// Exact two-sided binomial sample-ratio-mismatch p-value (information only).
    pub srm_p_value: f64,
    /// Share of responses without attribution.
    pub unattributed_share: f64,
    /// Requests a one-shot fixed-n design would have needed.
    pub fixed_n_required: u64,
    /// Upper bound on the zero-weight side's share (weights 0 or 100 only).
    #[serde(default)]
    pub zero_side_upper_bound: Option<f64>,
    /// The sequential path, one point per look.
    #[serde(default)]
    pub path: Vec<PathPoint>,
    /// Seconds from the start of sampling to the start of the data the verdict rests
    /// on: 0 when the share never moved, the time of the last detected change
    /// otherwise; `None` when the split was still moving at the end.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_to_converge_s: Option<f64>,
    /// Requests sent before that point (same rules as `time_to_converge_s`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub converged_at_request: Option<u64>,
    /// Changes of the canary share detected during sampling, in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub change_points: Vec<ChangePointEvidence>,
    /// The split per load-balancer node over the same data as `n` (since the last
    /// change point), one row per address; empty when the sampler recorded no nodes.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub nodes: Vec<super::NodeEvidence>,
    /// The test of equal shares across nodes; `None` with fewer than two nodes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub node_homogeneity: Option<super::NodeHomogeneity>,
}

/// A change of the canary share found during sampling (`stats::change_point`); the
/// split test restarted on the responses after it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct ChangePointEvidence {
    /// Requests sent before the change.
    pub at_request: u64,
    /// Seconds from the start of sampling to the change.
    pub at_s: f64,
    /// Observed canary share before the change (since the previous restart).
    pub share_before: f64,
    /// Observed canary share after the change, when it was found.
    pub share_after: f64,
    /// Exact conditional p-value of the change (two-sided, hypergeometric).
    pub p_value: f64,
    /// Whether the share after the change lies inside the band.
    pub into_band: bool,
}

/// Evidence of the scale-to-zero check.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ScaleEvidence {
    /// Canary weight on the listener.
    pub canary_weight: i64,
    /// ECS desiredCount of the canary service.
    pub desired: i64,
    /// ECS runningCount.
    pub running: i64,
    /// ECS pendingCount.
    pub pending: i64,
    /// Targets registered in the canary target group.
    pub registered_targets: u64,
    /// Canary responses observed in the sample.
    pub canary_hits: u64,
    /// Attributed responses in the sample.
    pub n: u64,
    /// (1 - alpha) upper bound on the canary share.
    pub upper_bound: f64,
    /// Seconds spent waiting for the drain.
    pub waited_s: f64,
}

/// Mann-Whitney comparison of latency distributions.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct LatencyComparison {
    /// Median latency of stable (ms).
    pub stable_p50_ms: f64,
    /// Median latency of canary (ms).
    pub canary_p50_ms: f64,
    /// U statistic of the canary sample.
    pub u: f64,
    /// Normal approximation z score (tie-corrected).
    pub z: f64,
    /// One-sided p-value for "canary slower".
    pub p_value: f64,
    /// Tolerated slowdown of the canary median (ms).
    pub tolerance_ms: f64,
}

/// Evidence of the canary health check.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct HealthEvidence {
    /// Stable responses (n).
    pub stable_n: u64,
    /// Stable 5xx + timeouts.
    pub stable_errors: u64,
    /// Canary responses (n).
    pub canary_n: u64,
    /// Canary 5xx + timeouts.
    pub canary_errors: u64,
    /// Tolerated excess of the canary error rate (absolute).
    pub error_tolerance: f64,
    /// One-sided p-value that canary's error rate exceeds stable's + tolerance.
    pub error_p_value: f64,
    /// Name of the error-rate test used.
    pub error_test: String,
    /// Latency comparison.
    pub latency: LatencyComparison,
    /// Confidence bounds and sample plan behind the verdict (absent in old reports).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bounds: Option<HealthBounds>,
}

/// Confidence bounds behind the health verdict: the canary must prove it is within
/// the tolerances (`checks::health`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct HealthBounds {
    /// Level of each one-sided sub-test bound (α / 3, Bonferroni).
    pub alpha_per_test: f64,
    /// Lower bound on canary − stable 5xx rate (Newcombe hybrid score).
    pub error_diff_low: f64,
    /// Upper bound on canary − stable 5xx rate.
    pub error_diff_high: f64,
    /// Upper bound on canary − stable 5xx rate when every edge error is the canary's.
    pub worst_case_error_diff_high: f64,
    /// Unattributed 5xx, timeouts and transport errors (no `x-variant`).
    pub edge_errors: u64,
    /// Bounds on the latency quantile shifts (median, p95).
    pub latency: Vec<QuantileShift>,
    /// Whether the budget at the configured weights gives health its sample.
    pub applicable: bool,
    /// Requests the sample plan needs at the configured weights (None: unknown or
    /// beyond the planning range).
    pub requests_needed: Option<u64>,
    /// Request budget (`--max-requests`), when known.
    pub budget: Option<u64>,
    /// Stable error rate the plan assumed (the observed one).
    pub plan_error_rate: f64,
}

/// Bounds on the shift of one latency quantile, canary − stable (ms).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct QuantileShift {
    /// The quantile (0.5, 0.95).
    pub quantile: f64,
    /// Stable's quantile estimate (bucket upper edge).
    pub stable_ms: f64,
    /// Canary's quantile estimate.
    pub canary_ms: f64,
    /// Lower bound on the shift (order statistics, Bonferroni over both variants);
    /// None when stable's sample is too small for an upper bound on its quantile.
    pub shift_low_ms: Option<f64>,
    /// Upper bound on the shift; None when the sample is too small for one.
    pub shift_high_ms: Option<f64>,
    /// Tolerated shift for PASS: max(floor, share × stable's lower bound).
    pub tolerance_ms: f64,
    /// Shift the lower bound must exceed for FAIL: max(floor, share × stable's upper
    /// bound); None when stable's quantile has no upper bound.
    pub fail_tolerance_ms: Option<f64>,
}

/// The WebACL associated with the load balancer.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct WebAclInfo {
    /// Name.
    pub name: String,
    /// ARN.
    pub arn: String,
    /// Rule names, in priority order.
    pub rules: Vec<String>,
    /// Managed rule groups with their override action, in priority order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub managed_groups: Vec<ManagedGroupInfo>,
    /// Rate-based rules (names), in priority order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rate_rules: Vec<String>,
}

/// One cell of the WAF matrix: a category at a placement.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct WafCell {
    /// Attack category (e.g. "sqli").
    pub category: String,
    /// Placement (query, path, header, cookie, form, json).
    pub placement: String,
    /// Requests sent.
    pub sent: u64,
    /// Blocked by the WAF (its status and no attribution header).
    pub blocked: u64,
    /// Answered by the app.
    pub passed: u64,
    /// Neither (e.g. a 200 block page, a 5xx without attribution).
    pub unresolved: u64,
    /// Clopper-Pearson lower bound of the block rate.
    pub ci_low: f64,
    /// Clopper-Pearson upper bound of the block rate.
    pub ci_high: f64,
}

/// A benign request the WAF blocked.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct FalsePositive {
    /// Corpus id of the request.
    pub id: String,
    /// The request as sent (method, path, placement of the payload).
    pub request: String,
    /// Status answered.
    pub status: u16,
}

/// Evidence of the WAF check.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct WafEvidence {
    /// WebACL associated with the load balancer, when AWS was consulted.
    #[serde(default)]
    pub web_acl: Option<WebAclInfo>,
    /// Status that counts as blocked.
    pub block_status: u16,
    /// Matrix of category x placement.
    pub cells: Vec<WafCell>,
    /// Attacks sent.
    pub attacks_sent: u64,
    /// Attacks blocked.
    pub attacks_blocked: u64,
    /// Overall block rate and its interval.
    pub block_rate: f64,
    /// Lower bound of the overall block rate.
    pub block_rate_low: f64,
    /// Required block rate.
    pub min_block_rate: f64,
    /// Benign requests sent.
    pub benign_sent: u64,
    /// Benign requests blocked.
    pub false_positives: Vec<FalsePositive>,
    /// Allowed false positives.
    pub max_false_positives: u64,
    /// Responses neither blocked nor passed.
    pub unresolved: u64,
    /// 429s seen (the WAF's rate rule may be skewing the sample).
    pub rate_limited: u64,
    /// Block rate per category over all placements (placement `"*"`).
    #[serde(default)]
    pub by_category: Vec<WafCell>,
    /// Clopper-Pearson upper bound of the false-positive rate on the benign corpus.
    #[serde(default)]
    pub false_positive_rate_high: f64,
    /// Gate tier: every canonical request and its outcome.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub gate: Vec<GateRow>,
    /// Gate tier: coverage per rule group (tested, untested, not deployed).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub gate_groups: Vec<GateGroup>,
    /// WebACL configuration findings: each one FAILs the check.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub acl_findings: Vec<String>,
    /// What was read from the WebACL (managed groups, rate rules), or why not.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub acl_notes: Vec<String>,
    /// False-positive rate of the benign corpus with its interval.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub false_positive_rate: Option<FalsePositiveRate>,
}

/// A margin field absent from an older report (margins are always > 0 when set).
fn is_unset(x: &f64) -> bool {
    *x == 0.0
}
