//! The `waf-posture` check: "how strong is the WAF?". It sends the full attack corpus
//! ([`crate::corpus::attacks`]: every category × placement × encoding)
//! and reports the block rate overall, per category, per placement, per encoding and
//! per cell, each with an exact Clopper–Pearson interval
//! ([`crate::stats::binomial::clopper_pearson`]; Clopper & Pearson 1934), plus every
//! attack that got through as a curl command.
//!
//! It is the *posture* tier and answers a different question than the `waf` check
//! (the gate tier: "is the WAF we deploy in force?"). No WAF blocks everything an
//! independent corpus sends, so a posture score is a measurement to follow over runs,
//! not a pass mark — unless the user sets one.
//!
//! Decision rules ([`judge::judge`]):
//! - no floor set: PASS, "report only (no floor set)", with the numbers;
//! - floors (`--waf-min-block-rate` overall, `--waf-category-floor CATEGORY=RATE` or
//!   `[waf_category_floors]` in `--config` per category) are judged on intervals at the
//!   Bonferroni-adjusted level `1 − α/k` for `k` floors, so all `k` judgements hold
//!   together with probability at least `1 − α`: FAIL when a floor lies above the
//!   interval's upper bound, INCONCLUSIVE when the interval contains it;
//! - INCONCLUSIVE when no attack got a usable answer, or when more than
//!   [`MAX_UNRESOLVED_SHARE`] of the answers are neither a block nor an app answer.
//!   Rate-limited answers (429 with `x-waf-rule`, the WAF's rate rule) are never
//!   counted as blocks: they count there, and the summary says to send the gate token.
//!
//! A block is the WAF's block status without the app's attribution header; an app
//! answer (attribution header present, any status) is a pass ([`classify`]).

pub mod curl;
pub mod judge;
mod send;

use std::time::Duration;

use crate::endpoint::Endpoint;

use crate::result::{CheckResult, Evidence, Verdict};
use crate::sample::RequestSpec;

pub use judge::judge;

/// Name of the check on the command line and in reports.
pub const NAME: &str = crate::config::CheckName::WafPosture.as_str();
/// Above this share of answers that are neither a block nor a pass (rate-limited
/// included) the check is INCONCLUSIVE: the rate would rest on a biased remainder.
pub const MAX_UNRESOLVED_SHARE: f64 = 0.05;
/// Header the WAF's rate rules put on their 429 (app-infra `waf.tf` custom response).
pub const WAF_RULE_HEADER: &str = "x-waf-rule";
/// Status of a rate rule's answer.
pub const RATE_LIMITED_STATUS: u16 = 429;

pub use crate::config::PostureFloors;

/// Settings of the posture check.
#[derive(Debug, Clone)]
pub struct PostureSettings {
    /// Status that counts as blocked.
    pub block_status: u16,
    /// Opt-in floors.
    pub floors: PostureFloors,
    /// Rate cap (requests per second).
    pub rps: f64,
    /// Requests in flight.
    pub concurrency: usize,
    /// Significance level of the intervals.
    pub alpha: f64,
    /// Per-request timeout.
    pub timeout: Duration,
    /// Headers sent with every request (`--header`, the gate token).
    pub request: RequestSpec,
    /// `--resolve` pins and `--ca-file`, repeated in the curl commands.
    pub curl: curl::CurlContext,
}

/// The answer to one corpus request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Answer {
    /// HTTP status, `None` on a transport error or timeout.
    pub status: Option<u16>,
    /// Whether the app's attribution header was present.
    pub attributed: bool,
    /// Whether the answer named a WAF rule in [`WAF_RULE_HEADER`].
    pub waf_rule: bool,
}

/// What one answer means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PostureOutcome {
    /// The WAF answered with its block status.
    Blocked,
    /// The app answered: the attack got through.
    Passed,
    /// The WAF's rate rule answered (429 naming a rule): no evidence either way.
    RateLimited,
    /// Anything else.
    Unresolved,
}

/// Classifies an answer (pure). The app's attribution wins; a 429 naming a WAF rule
/// is a rate limit, never a block, even when 429 is the configured block status.
pub fn classify(a: &Answer, block_status: u16) -> PostureOutcome {
    match a.status {
        _ if a.attributed => PostureOutcome::Passed,
        Some(RATE_LIMITED_STATUS) if a.waf_rule => PostureOutcome::RateLimited,
        Some(s) if s == block_status => PostureOutcome::Blocked,
        _ => PostureOutcome::Unresolved,
    }
}

/// Sends the attack corpus and judges the posture.
pub async fn check(endpoint: &Endpoint, settings: &PostureSettings) -> CheckResult {
    let attacks = match crate::corpus::attacks() {
        Ok(a) => a,
        Err(e) => return stopped(Verdict::Error, format!("attack corpus unreadable: {e}")),
    };
    match send::send_all(endpoint, settings, &attacks).await {
        Ok(answers) => judge(settings, &attacks, &answers),
        Err(e) => stopped(Verdict::Error, format!("attack corpus not sent: {e}")),
    }
}

fn stopped(verdict: Verdict, summary: String) -> CheckResult {
    CheckResult {
        name: NAME.into(),
        verdict,
        summary,
        warnings: vec![],
        evidence: Evidence::None,
    }
}

#[cfg(test)]
mod tests;
