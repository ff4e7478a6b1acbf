//! The `waf` check, gate tier: "is the WAF we deploy in force?" (issue #13).
//!
//! Reads the WebACL on the load balancer (`GetWebACLForResource`), sends the frozen
//! canonical requests of every deployed AWS managed rule group the harness has requests
//! for ([`gate::corpus`], `harness/corpus/gate/*.toml`) and the benign corpus
//! (`harness/corpus/benign.toml`), and judges ([`gate::judge`]):
//! - FAIL: no WebACL associated, another WebACL than expected, a managed group in Count
//!   mode; a canonical request not blocked (naming the rule group and rule that should
//!   have caught it); the lower bound of the benign false-positive rate above 1 %;
//! - INCONCLUSIVE: a canonical request rate-limited (a 429 with `x-waf-rule` is never a
//!   block) or unresolved, too many unresolved benign answers;
//! - PASS otherwise, with the upper bound of the false-positive rate.
//!
//! A deployed group with no canonical requests (IP reputation lists: no request can
//! trigger them) is listed as "untested (checked by configuration only)"; a corpus group
//! the WebACL does not deploy is N/A and its requests are not sent.
//!
//! The twin's WAF is ModSecurity + OWASP CRS 3.3 plus rules of our own, mapped per
//! managed group (`harness/assets/modsecurity/`): a PASS on the twin proves the harness
//! and the twin's model of the groups, not AWS's rules; run the check against the real
//! ALB for that. How strong a WAF is (the attack corpus) is the posture tier's question.

pub mod classify;
/// The corpora, a top-level module (config validates posture floors against its
/// categories), at the path the checks always used.
pub use crate::corpus;
pub mod gate;
pub mod metrics;

use crate::endpoint::Endpoint;
use crate::result::{CheckResult, Evidence, Verdict, WebAclInfo};

use gate::{AclExpect, GateInput};

/// Settings of the WAF check.
#[derive(Debug, Clone)]
pub struct WafSettings {
    /// Status that counts as blocked.
    pub block_status: u16,
    /// Rate cap (requests per second).
    pub rps: f64,
    /// Requests in flight.
    pub concurrency: usize,
    /// Significance level of the intervals.
    pub alpha: f64,
    /// Per-request timeout.
    pub timeout: std::time::Duration,
    /// What the WebACL is expected to be.
    pub expect: AclExpect,
}

/// What AWS said about the WebACL: `None` when AWS was not consulted,
/// `Some(Ok(None))` when no WebACL is associated, `Some(Err(msg))` on a read error.
pub type WebAclLookup = Option<Result<Option<WebAclInfo>, String>>;

/// Sends the gate and benign requests and judges the WAF.
pub async fn check(
    endpoint: &Endpoint,
    settings: &WafSettings,
    web_acl: WebAclLookup,
) -> CheckResult {
    let corpora = gate::corpus::gate_requests().and_then(|g| Ok((g, gate::corpus::benign_wire()?)));
    let (requests, benign) = match corpora {
        Ok(c) => c,
        Err(e) => return inconclusive(format!("corpus unreadable: {e}")),
    };
    let deployed = gate::acl::deployed_groups(&web_acl, &settings.expect);
    let sent: Vec<bool> = requests
        .iter()
        .map(|r| deployed.as_ref().is_none_or(|d| d.contains(&r.group)))
        .collect();
    let wires: Vec<&gate::Wire> = requests
        .iter()
        .zip(&sent)
        .filter(|(_, s)| **s)
        .map(|(r, _)| &r.wire)
        .chain(benign.iter())
        .collect();
    let answers = match gate::send_wires(endpoint, settings, &wires).await {
        Ok(a) => a,
        Err(e) => return inconclusive(format!("WAF requests not sent: {e}")),
    };
    let mut answers = answers.into_iter();
    let gate_pairs: Vec<_> = requests
        .into_iter()
        .zip(sent)
        .map(|(r, s)| {
            let a = if s { answers.next() } else { None };
            (r, a)
        })
        .collect();
    let benign_pairs: Vec<_> = benign.into_iter().zip(answers).collect();
    let covered = gate::corpus::covered_groups();
    let base = gate::send::base_url(endpoint);
    gate::judge(&GateInput {
        block_status: settings.block_status,
        alpha: settings.alpha,
        web_acl: &web_acl,
        expect: &settings.expect,
        covered: &covered,
        gate: &gate_pairs,
        benign: &benign_pairs,
        base: &base,
    })
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

#[cfg(test)]
mod tests;
