//! The `waf` check: the attack corpus must be blocked, the benign corpus must pass.
//!
//! Sends every request of the embedded corpus (see [`corpus`]) through the endpoint at
//! a capped rate, classifies each response ([`classify`]), and judges ([`judge`]):
//! - FAIL: no WebACL associated with the load balancer (when AWS was consulted), a
//!   block rate below `min_block_rate`, or more benign requests blocked than allowed;
//! - INCONCLUSIVE: nothing resolved, or more than [`MAX_UNRESOLVED_SHARE`] of the
//!   responses are neither a block nor an app answer;
//! - PASS otherwise. Many 429s are reported as "rate limiting suspected".
//!
//! What the numbers mean depends on the rule set. The twin runs OWASP CRS 3.3 at
//! paranoia level 1 plus a small custom set; production runs AWS managed rules. They
//! differ: CRS inspects `User-Agent`/`Referer` for SQLi/XSS and matches scanner
//! user agents (913100) more broadly than AWS's `UserAgent_BadBots_HEADER`; AWS's
//! `KnownBadInputs` blocks Log4Shell in any header/URI/body (CRS 3.3.0 has no rule,
//! 3.3.2+ has 944150-944152), AWS's `EC2MetaDataSSRF_*` matches 169.254.169.254 in
//! body, cookie, path and query where CRS only sees a URL with an IP in arguments
//! (931100); AWS's size restrictions (`SizeRestrictions_BODY`, 8 KB) have no CRS
//! equivalent at PL1. A PASS on the twin proves the harness and the corpus, not the
//! production rule set: run the check against the real ALB for that.

pub mod classify;
pub mod corpus;
pub mod metrics;
mod send;

use std::collections::BTreeMap;

use crate::endpoint::Endpoint;
use crate::result::{CheckResult, Evidence, FalsePositive, Verdict, WafEvidence, WebAclInfo};

use classify::{Outcome, RATE_LIMITED_STATUS};
use corpus::Probe;

/// Above this share of unresolved responses the check is INCONCLUSIVE.
pub const MAX_UNRESOLVED_SHARE: f64 = 0.05;
/// Above this share of 429 answers, rate limiting is reported as suspected.
pub const RATE_LIMITED_WARN_SHARE: f64 = 0.01;

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

/// The answer to one corpus request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Answer {
    /// HTTP status, `None` on a transport error or timeout.
    pub status: Option<u16>,
    /// Whether the attribution header was present.
    pub attributed: bool,
}

/// Sends the corpus and judges the WAF.
pub async fn check(
    endpoint: &Endpoint,
    settings: &WafSettings,
    web_acl: WebAclLookup,
) -> CheckResult {
    let corpora = corpus::attacks().and_then(|a| Ok((a, corpus::benign()?)));
    let (attacks, benign) = match corpora {
        Ok(c) => c,
        Err(e) => return inconclusive(format!("corpus unreadable: {e}")),
    };
    let mut all: Vec<Probe> = attacks.clone();
    all.extend(benign.iter().cloned());
    let answers = match send::send_all(endpoint, settings, &all).await {
        Ok(a) => a,
        Err(e) => return inconclusive(format!("WAF corpus not sent: {e}")),
    };
    let (a_ans, b_ans) = answers.split_at(attacks.len());
    judge(settings, web_acl, &attacks, a_ans, &benign, b_ans)
}

fn inconclusive(summary: String) -> CheckResult {
    CheckResult {
        name: "waf".into(),
        verdict: Verdict::Inconclusive,
        summary,
        warnings: vec![],
        evidence: Evidence::None,
    }
}

fn pct(x: f64) -> String {
    format!("{:.1}%", x * 100.0)
}

/// Judges the answers (pure). `attack_answers[i]` answers `attacks[i]`.
pub fn judge(
    settings: &WafSettings,
    web_acl: WebAclLookup,
    attacks: &[Probe],
    attack_answers: &[Answer],
    benign: &[Probe],
    benign_answers: &[Answer],
) -> CheckResult {
    let outcome = |a: &Answer| classify::classify(a.status, a.attributed, settings.block_status);
    let (cells, by_category) = metrics::cells(
        attacks
            .iter()
            .zip(attack_answers)
            .map(|(p, a)| (p.category.as_str(), p.placement.label(), outcome(a))),
        settings.alpha,
    );
    let mut total = metrics::Tally::default();
    for (_, a) in attacks.iter().zip(attack_answers) {
        total.add(outcome(a));
    }
    let mut benign_tally = metrics::Tally::default();
    let mut false_positives = Vec::new();
    for (p, a) in benign.iter().zip(benign_answers) {
        let o = outcome(a);
        benign_tally.add(o);
        if o == Outcome::Blocked {
            false_positives.push(FalsePositive {
                id: p.id.clone(),
                request: p.describe(),
                status: a.status.unwrap_or_default(),
            });
        }
    }
    let sent = total.sent + benign_tally.sent;
    let unresolved = total.unresolved + benign_tally.unresolved;
    let rate_limited = attack_answers
        .iter()
        .chain(benign_answers)
        .filter(|a| a.status == Some(RATE_LIMITED_STATUS) && !a.attributed)
        .count() as u64;
    let (block_low, _) = metrics::clopper_pearson(total.blocked, total.resolved(), settings.alpha);
    let (_, fp_high) = metrics::clopper_pearson(
        false_positives.len() as u64,
        benign_tally.resolved(),
        settings.alpha,
    );

    let mut warnings = Vec::new();
    if sent > 0 && rate_limited as f64 / sent as f64 > RATE_LIMITED_WARN_SHARE {
        warnings.push(format!(
            "rate limiting suspected: {rate_limited} of {sent} requests answered 429; \
             lower --rps so the WAF's rate-based rule does not skew the sample"
        ));
    }
    let web_acl_info = match &web_acl {
        Some(Ok(Some(info))) => Some(info.clone()),
        Some(Err(e)) => {
            warnings.push(format!("WebACL not read: {e}"));
            None
        }
        _ => None,
    };

    let per_category: Vec<String> = by_category
        .iter()
        .map(|c| {
            let r = c.blocked as f64 / (c.blocked + c.passed).max(1) as f64;
            format!("{} {}", c.category, pct(r))
        })
        .collect();
    let mut fails = Vec::new();
    if matches!(web_acl, Some(Ok(None))) {
        fails.push("no WebACL is associated with the load balancer".to_string());
    }
    if total.resolved() > 0 && total.rate() < settings.min_block_rate {
        let weakest: BTreeMap<&str, f64> = by_category
            .iter()
            .map(|c| {
                (
                    c.category.as_str(),
                    c.blocked as f64 / (c.blocked + c.passed).max(1) as f64,
                )
            })
            .filter(|(_, r)| *r < settings.min_block_rate)
            .collect();
        fails.push(format!(
            "block rate {} < {} required (below: {})",
            pct(total.rate()),
            pct(settings.min_block_rate),
            weakest
                .iter()
                .map(|(c, r)| format!("{c} {}", pct(*r)))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    if false_positives.len() as u64 > settings.max_false_positives {
        fails.push(format!(
            "{} of {} benign requests blocked (allowed {}): {}",
            false_positives.len(),
            benign_tally.sent,
            settings.max_false_positives,
            false_positives
                .iter()
                .map(|f| f.id.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    let unresolved_share = if sent == 0 {
        1.0
    } else {
        unresolved as f64 / sent as f64
    };
    let (verdict, summary) = if !fails.is_empty() {
        (Verdict::Fail, fails.join("; "))
    } else if total.resolved() == 0 {
        (
            Verdict::Inconclusive,
            format!("no attack request got a usable answer ({sent} sent)"),
        )
    } else if unresolved_share > MAX_UNRESOLVED_SHARE {
        (
            Verdict::Inconclusive,
            format!(
                "{unresolved} of {sent} responses were neither a {} from the WAF nor an app \
                 answer (> {} allowed)",
                settings.block_status,
                pct(MAX_UNRESOLVED_SHARE)
            ),
        )
    } else {
        (
            Verdict::Pass,
            format!(
                "blocked {} of {} attacks ({}, {}% lower bound {}): {}; {} of {} benign \
                 requests blocked",
                total.blocked,
                total.resolved(),
                pct(total.rate()),
                100.0 * (1.0 - settings.alpha),
                pct(block_low),
                per_category.join(", "),
                false_positives.len(),
                benign_tally.sent
            ),
        )
    };
    CheckResult {
        name: "waf".into(),
        verdict,
        summary,
        warnings,
        evidence: Evidence::Waf(WafEvidence {
            web_acl: web_acl_info,
            block_status: settings.block_status,
            cells,
            attacks_sent: total.sent,
            attacks_blocked: total.blocked,
            block_rate: total.rate(),
            block_rate_low: block_low,
            min_block_rate: settings.min_block_rate,
            benign_sent: benign_tally.sent,
            false_positives,
            max_false_positives: settings.max_false_positives,
            unresolved,
            rate_limited,
            by_category,
            false_positive_rate_high: fp_high,
        }),
    }
}

#[cfg(test)]
mod tests;
