//! The WAF rules of app-infra (`aws_wafv2_web_acl.main`): the rate-based rules, read for
//! the twin's edge ([`crate::twin::edge::waf_rate`]) and control plane (name, priority, limit,
//! window, custom response and which requests the gate header selects), and the managed
//! rule groups with their priorities, which the twin's WebACL in moto declares.

use hcl::Body;

use super::{DEFAULT_WAF_WINDOW_S, Stack, attr, bad, block, path};
use crate::error::Result;

/// Which requests a rate rule counts, by the gate header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GateScope {
    /// Every request.
    All,
    /// Requests whose gate header is not the token (the client limit).
    ExceptGate,
    /// Only requests whose gate header is the token (the gate's own limit).
    OnlyGate,
}

/// One managed rule group rule of the WebACL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManagedGroup {
    /// Rule name.
    pub rule: String,
    /// Priority in the WebACL.
    pub priority: u64,
    /// `vendor_name` (`AWS`).
    pub vendor: String,
    /// Rule group name (`AWSManagedRulesCommonRuleSet`).
    pub name: String,
    /// `none` or `count` (the rule's `override_action` block; `count` makes the group
    /// only count, never block).
    pub override_action: String,
}

/// One WAF rate-based rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RateRule {
    /// Rule name (`rate-limit-per-ip`).
    pub name: String,
    /// Priority in the WebACL.
    pub priority: u64,
    /// Requests per window per IP before blocking.
    pub limit: u64,
    /// Window in seconds.
    pub window_s: u64,
    /// Status of the custom response (429).
    pub response_code: u16,
    /// Custom response header `(name, value)`, if any.
    pub header: Option<(String, String)>,
    /// Which requests the rule counts.
    pub scope: GateScope,
}

/// The WebACL's rules: managed groups and rate rules (each in priority order) and the
/// gate header.
pub(super) type WafRules = (Vec<ManagedGroup>, Vec<RateRule>, String);

pub(super) fn waf_rules(s: &Stack) -> Result<WafRules> {
    let (f, acl) = s.resource("aws_wafv2_web_acl", "main")?;
    let mut rules = Vec::new();
    let mut managed = Vec::new();
    let mut gate_header = None;
    let mut ordered: Vec<(u64, &Body)> = Vec::new();
    for r in acl.blocks().filter(|b| b.identifier() == "rule") {
        let prio = s.number(f, "rule.priority", attr(r.body(), "priority"))?;
        ordered.push((prio, r.body()));
    }
    ordered.sort_by_key(|(p, _)| *p);
    for (priority, r) in ordered {
        let name = s.string(f, "rule.name", attr(r, "name"))?;
        if let Some(g) = path(r, &["statement", "managed_rule_group_statement"]) {
            let at = format!("rule {name}: managed_rule_group_statement");
            managed.push(ManagedGroup {
                priority,
                vendor: s.string(f, &format!("{at}.vendor_name"), attr(g, "vendor_name"))?,
                name: s.string(f, &format!("{at}.name"), attr(g, "name"))?,
                override_action: if path(r, &["override_action", "count"]).is_some() {
                    "count"
                } else {
                    "none"
                }
                .into(),
                rule: name,
            });
            continue;
        }
        let Some(stmt) = path(r, &["statement", "rate_based_statement"]) else {
            continue;
        };
        let at = |k: &str| format!("rule {name}: {k}");
        let limit = s.number(f, &at("limit"), attr(stmt, "limit"))?;
        let window_s = match attr(stmt, "evaluation_window_sec") {
            Some(e) => s.number(f, &at("evaluation_window_sec"), Some(e))?,
            None => DEFAULT_WAF_WINDOW_S,
        };
        let custom = path(r, &["action", "block", "custom_response"])
            .ok_or_else(|| bad(f, &at("action.block.custom_response"), "not declared"))?;
        let code = s.number(f, &at("response_code"), attr(custom, "response_code"))?;
        let response_code = u16::try_from(code)
            .map_err(|_| bad(f, &at("response_code"), format!("{code} is not a status")))?;
        let header = match block(custom, "response_header") {
            Some(h) => Some((
                s.string(f, &at("response_header.name"), attr(h, "name"))?,
                s.string(f, &at("response_header.value"), attr(h, "value"))?,
            )),
            None => None,
        };
        let scope_down = block(stmt, "scope_down_statement");
        let (scope, matcher) = match scope_down {
            None => (GateScope::All, None),
            Some(sd) => match path(sd, &["not_statement", "statement", "byte_match_statement"]) {
                Some(m) => (GateScope::ExceptGate, Some(m)),
                None => match block(sd, "byte_match_statement") {
                    Some(m) => (GateScope::OnlyGate, Some(m)),
                    None => {
                        return Err(bad(f, &at("scope_down_statement"), "not a header match"));
                    }
                },
            },
        };
        if let Some(m) = matcher {
            let h = path(m, &["field_to_match", "single_header"]).and_then(|h| attr(h, "name"));
            let h = s.string(f, &at("field_to_match.single_header.name"), h)?;
            if gate_header.as_ref().is_some_and(|g| g != &h) {
                return Err(bad(
                    f,
                    &at("single_header"),
                    "rules name different gate headers",
                ));
            }
            gate_header = Some(h);
        }
        rules.push(RateRule {
            name,
            priority,
            limit,
            window_s,
            response_code,
            header,
            scope,
        });
    }
    let gate_header = gate_header.unwrap_or_else(|| crate::sample::GATE_TOKEN_HEADER.into());
    Ok((managed, rules, gate_header))
}
