//! The gate tier's judge (pure): every canonical request of a deployed rule group must
//! be blocked, and the benign corpus must not show false positives above a ceiling.
//!
//! - FAIL: a WebACL configuration finding ([`super::acl`]); a canonical request the app
//!   answered (named by rule group and rule: that rule is not in force); the lower bound
//!   of the benign false-positive rate above [`FP_CEILING`].
//! - INCONCLUSIVE: a canonical request rate-limited (a 429 with `x-waf-rule` from a rate
//!   rule is never a block) or unresolved (transport error, a status that is neither the
//!   block status nor an app answer); more than [`MAX_BENIGN_UNRESOLVED_SHARE`] of the
//!   benign answers unresolved; no deployed group has canonical requests.
//! - PASS otherwise; the report states the upper bound of the false-positive rate.
//!
//! The false-positive interval is the exact two-sided Clopper–Pearson interval
//! (Clopper & Pearson 1934, Biometrika 26(4):404–413), [`crate::stats::binomial`].

use crate::result::{
    CheckResult, Evidence, FalsePositive, FalsePositiveRate, GateGroup, GateRow, Verdict,
    WafEvidence, WebAclInfo,
};
use crate::stats::binomial::clopper_pearson;

use super::super::WebAclLookup;
use super::acl::{self, AclExpect};
use super::corpus::{GateRequest, Wire};

/// Ceiling of the benign false-positive rate: the gate FAILs when the interval's lower
/// bound exceeds it (a WAF that blocks customers is a broken deployment).
pub const FP_CEILING: f64 = 0.01;
/// Above this share of unresolved benign answers the check is INCONCLUSIVE.
pub const MAX_BENIGN_UNRESOLVED_SHARE: f64 = 0.05;
/// Status of a rate-based rule's custom response (app-infra `waf.tf`).
pub const RATE_LIMITED_STATUS: u16 = 429;
/// Coverage label of a deployed group with no canonical requests.
pub const UNTESTED: &str = "untested (checked by configuration only)";
/// Coverage label of a corpus group the WebACL does not deploy.
pub const NOT_DEPLOYED: &str = "not deployed (N/A: requests not sent)";

/// The answer to one request.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GateAnswer {
    /// HTTP status, `None` on a transport error or timeout.
    pub status: Option<u16>,
    /// `x-variant` of the app's answer, when the app answered.
    pub variant: Option<String>,
    /// `x-waf-rule` of a WAF custom response (the rate rules set it).
    pub waf_rule: Option<String>,
}

/// What one answer means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GateOutcome {
    /// The WAF answered with its block status.
    Blocked,
    /// The app answered: the request got through.
    Missed,
    /// A rate rule answered: says nothing about the managed rules.
    RateLimited,
    /// Neither could be shown.
    Unresolved,
}

impl GateOutcome {
    fn label(self) -> &'static str {
        match self {
            GateOutcome::Blocked => "blocked",
            GateOutcome::Missed => "missed",
            GateOutcome::RateLimited => "rate-limited",
            GateOutcome::Unresolved => "unresolved",
        }
    }
}

/// Classifies an answer. The app's attribution header wins (the app answering 403 is
/// not the WAF); a 429 naming a WAF rule is rate-limited, never blocked.
pub fn outcome(a: &GateAnswer, block_status: u16) -> GateOutcome {
    match a.status {
        _ if a.variant.is_some() => GateOutcome::Missed,
        Some(RATE_LIMITED_STATUS) if a.waf_rule.is_some() => GateOutcome::RateLimited,
        Some(s) if s == block_status => GateOutcome::Blocked,
        _ => GateOutcome::Unresolved,
    }
}

/// Everything the judge reads.
#[derive(Debug, Clone)]
pub struct GateInput<'a> {
    /// Status that counts as blocked.
    pub block_status: u16,
    /// Significance level of the false-positive interval.
    pub alpha: f64,
    /// What AWS said about the WebACL.
    pub web_acl: &'a WebAclLookup,
    /// Expected WebACL.
    pub expect: &'a AclExpect,
    /// Rule groups the corpus has requests for.
    pub covered: &'a [&'a str],
    /// Canonical requests, and their answers (`None`: not sent, group not deployed).
    pub gate: &'a [(GateRequest, Option<GateAnswer>)],
    /// Benign requests and their answers.
    pub benign: &'a [(Wire, GateAnswer)],
    /// Base URL for the curl commands.
    pub base: &'a str,
}

fn short(s: &str) -> String {
    const MAX: usize = 80;
    if s.chars().count() <= MAX {
        s.to_string()
    } else {
        format!("{}…", s.chars().take(MAX).collect::<String>())
    }
}

fn pct(x: f64) -> String {
    format!("{:.1}%", x * 100.0)
}

/// Judges the gate tier.
pub fn judge(inp: &GateInput<'_>) -> CheckResult {
    let acl = acl::findings(inp.web_acl, inp.expect);
    let deployed = acl::deployed_groups(inp.web_acl, inp.expect);
    let mut fails = acl.fails.clone();
    let mut inconclusive = Vec::new();

    let mut rows = Vec::new();
    let (mut sent, mut blocked) = (0u64, 0u64);
    for (req, ans) in inp.gate {
        let Some(a) = ans else { continue };
        let o = outcome(a, inp.block_status);
        sent += 1;
        let status = a.status.map_or("no answer".to_string(), |s| s.to_string());
        match o {
            GateOutcome::Blocked => blocked += 1,
            GateOutcome::Missed => fails.push(format!(
                "{}/{} not enforced: {} {} answered {status} by {}",
                req.group,
                req.rule,
                req.wire.method,
                short(&req.wire.path_and_query),
                a.variant.as_deref().unwrap_or("the app")
            )),
            GateOutcome::RateLimited => inconclusive.push(format!(
                "{}/{}: rate-limited by {} (not a block)",
                req.group,
                req.rule,
                a.waf_rule.as_deref().unwrap_or("a rate rule")
            )),
            GateOutcome::Unresolved => inconclusive.push(format!(
                "{}/{}: {} {} got {status}, neither a {} block nor an app answer",
                req.group,
                req.rule,
                req.wire.method,
                short(&req.wire.path_and_query),
                inp.block_status
            )),
        }
        rows.push(GateRow {
            group: req.group.clone(),
            rule: req.rule.clone(),
            id: req.wire.id.clone(),
            curl: req.wire.curl(inp.base),
            status: a.status,
            outcome: o.label().into(),
            answered_by: a.variant.clone(),
        });
    }

    let mut groups: Vec<GateGroup> = inp
        .covered
        .iter()
        .map(|g| {
            let of_g = rows.iter().filter(|r| r.group == *g);
            let is_deployed = deployed.as_ref().is_none_or(|d| d.iter().any(|x| x == g));
            GateGroup {
                group: g.to_string(),
                coverage: if is_deployed {
                    "tested".into()
                } else {
                    NOT_DEPLOYED.into()
                },
                sent: of_g.clone().count() as u64,
                blocked: of_g.filter(|r| r.outcome == "blocked").count() as u64,
            }
        })
        .collect();
    for d in deployed.iter().flatten() {
        if !inp.covered.contains(&d.as_str()) {
            groups.push(GateGroup {
                group: d.clone(),
                coverage: UNTESTED.into(),
                sent: 0,
                blocked: 0,
            });
        }
    }
    if sent == 0 && fails.is_empty() {
        inconclusive.push("no deployed rule group has canonical requests".into());
    }

    // Benign corpus: false-positive rate with its exact interval.
    let mut fps = Vec::new();
    let (mut resolved, mut unresolved) = (0u64, 0u64);
    for (w, a) in inp.benign {
        match outcome(a, inp.block_status) {
            GateOutcome::Blocked => {
                resolved += 1;
                fps.push(FalsePositive {
                    id: w.id.clone(),
                    request: w.curl(inp.base),
                    status: a.status.unwrap_or_default(),
                });
            }
            GateOutcome::Missed => resolved += 1,
            _ => unresolved += 1,
        }
    }
    let ci = clopper_pearson(fps.len() as u64, resolved, inp.alpha);
    let fp = FalsePositiveRate {
        resolved,
        blocked: fps.len() as u64,
        low: ci.low,
        high: ci.high,
        ceiling: FP_CEILING,
        confidence: 1.0 - inp.alpha,
    };
    let conf = format!("{}%", 100.0 * (1.0 - inp.alpha));
    if fp.low > FP_CEILING {
        fails.push(format!(
            "{} of {resolved} benign requests blocked: false-positive rate {conf} lower bound {} > ceiling {} ({})",
            fp.blocked,
            pct(fp.low),
            pct(FP_CEILING),
            fps.iter().map(|f| f.id.as_str()).collect::<Vec<_>>().join(", ")
        ));
    }
    let benign_n = inp.benign.len() as u64;
    if benign_n > 0 && unresolved as f64 / benign_n as f64 > MAX_BENIGN_UNRESOLVED_SHARE {
        inconclusive.push(format!(
            "{unresolved} of {benign_n} benign answers were neither a block nor an app answer (> {} allowed)",
            pct(MAX_BENIGN_UNRESOLVED_SHARE)
        ));
    }

    let untested: Vec<&str> = groups
        .iter()
        .filter(|g| g.coverage == UNTESTED)
        .map(|g| g.group.as_str())
        .collect();
    let fp_text = format!(
        "{} of {resolved} benign requests blocked (false-positive rate {conf} upper bound {})",
        fp.blocked,
        pct(fp.high)
    );
    let (verdict, summary) = if !fails.is_empty() {
        (Verdict::Fail, fails.join("; "))
    } else if !inconclusive.is_empty() {
        (Verdict::Inconclusive, inconclusive.join("; "))
    } else {
        let mut s = format!(
            "gate: blocked {blocked} of {sent} canonical requests of {} rule groups; {fp_text}",
            groups.iter().filter(|g| g.coverage == "tested").count()
        );
        if !untested.is_empty() {
            s.push_str(&format!(
                "; untested groups (checked by configuration only): {}",
                untested.join(", ")
            ));
        }
        (Verdict::Pass, s)
    };
    let mut warnings = acl.notes.clone();
    if verdict != Verdict::Pass {
        warnings.push(fp_text);
    }
    let web_acl: Option<WebAclInfo> = match inp.web_acl {
        Some(Ok(Some(info))) => Some(info.clone()),
        _ => None,
    };
    CheckResult {
        name: "waf".into(),
        verdict,
        summary,
        warnings,
        evidence: Evidence::Waf(WafEvidence {
            web_acl,
            block_status: inp.block_status,
            attacks_sent: sent,
            attacks_blocked: blocked,
            block_rate: if sent == 0 {
                0.0
            } else {
                blocked as f64 / sent as f64
            },
            benign_sent: benign_n,
            false_positive_rate_high: fp.high,
            false_positives: fps,
            unresolved,
            rate_limited: rows.iter().filter(|r| r.outcome == "rate-limited").count() as u64,
            gate: rows,
            gate_groups: groups,
            acl_findings: acl.fails,
            acl_notes: acl.notes,
            false_positive_rate: Some(fp),
            ..WafEvidence::default()
        }),
    }
}
