//! WebACL configuration findings of the gate tier (pure): what `GetWebACLForResource`
//! says about the WebACL on the load balancer, compared with what is expected (the
//! WebACL name and managed rule groups from Terraform or `--web-acl-name`).
//! - no WebACL associated → FAIL;
//! - a WebACL with another name than expected → FAIL naming both;
//! - a managed group in Count mode (`override_action count`) → FAIL naming it: its rules
//!   only count, they never block;
//! - a group expected but absent from the WebACL → FAIL naming it.
//!
//! A WebACL that could not be read is a note ("not available from this endpoint"),
//! never a silent skip.

use crate::result::WebAclInfo;

use super::super::WebAclLookup;

/// What the WebACL is expected to be; `None` fields are not checked.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AclExpect {
    /// WebACL name (Terraform's `aws_wafv2_web_acl.main` name).
    pub name: Option<String>,
    /// Managed rule groups that must be in the WebACL.
    pub groups: Option<Vec<String>>,
}

/// Findings: reasons to FAIL, and notes for the report.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AclFindings {
    /// FAIL reasons.
    pub fails: Vec<String>,
    /// What was read, or why it was not.
    pub notes: Vec<String>,
}

/// Override action that makes a managed group only count.
pub const COUNT_MODE: &str = "count";

/// Judges the WebACL configuration.
pub fn findings(web_acl: &WebAclLookup, expect: &AclExpect) -> AclFindings {
    let mut f = AclFindings::default();
    let info: &WebAclInfo = match web_acl {
        None => {
            f.notes.push(
                "WebACL not read (no AWS endpoint or load balancer ARN): configuration not checked"
                    .into(),
            );
            return f;
        }
        Some(Err(e)) => {
            f.notes.push(format!(
                "WebACL not read (not available from this endpoint): {e}"
            ));
            return f;
        }
        Some(Ok(None)) => {
            f.fails
                .push("no WebACL is associated with the load balancer".into());
            return f;
        }
        Some(Ok(Some(info))) => info,
    };
    if let Some(want) = &expect.name
        && want != &info.name
    {
        f.fails.push(format!(
            "WebACL {:?} is associated with the load balancer, expected {want:?}",
            info.name
        ));
    }
    for g in &info.managed_groups {
        if g.override_action == COUNT_MODE {
            f.fails.push(format!(
                "managed rule group {} is in Count mode (override_action count): its rules never block",
                g.name
            ));
        }
    }
    if let Some(groups) = &expect.groups {
        for want in groups {
            if !info.managed_groups.iter().any(|g| &g.name == want) {
                f.fails.push(format!(
                    "managed rule group {want} is expected but not in WebACL {}",
                    info.name
                ));
            }
        }
    }
    let groups: Vec<String> = info
        .managed_groups
        .iter()
        .map(|g| format!("{}/{} ({})", g.vendor, g.name, g.override_action))
        .collect();
    f.notes.push(format!(
        "WebACL {}: managed groups {}; rate rules {}",
        info.name,
        if groups.is_empty() {
            "none".into()
        } else {
            groups.join(", ")
        },
        if info.rate_rules.is_empty() {
            "none".into()
        } else {
            info.rate_rules.join(", ")
        }
    ));
    f
}

/// The managed groups deployed, from the WebACL when read, else the expectation.
pub fn deployed_groups(web_acl: &WebAclLookup, expect: &AclExpect) -> Option<Vec<String>> {
    match web_acl {
        Some(Ok(Some(info))) => Some(info.managed_groups.iter().map(|g| g.name.clone()).collect()),
        Some(Ok(None)) => Some(vec![]),
        _ => expect.groups.clone(),
    }
}
