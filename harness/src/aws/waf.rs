//! WAFv2: the WebACL associated with the load balancer (`GetWebACLForResource`).
//! moto does not implement `ListResourcesForWebACL`, so the lookup goes from the
//! resource to the WebACL, which is also the question the check asks. The managed rule
//! groups are read with their override action (`count` makes a group only count).

use aws_sdk_wafv2::operation::get_web_acl_for_resource::GetWebACLForResourceError;

use crate::error::Result;
use crate::result::{ManagedGroupInfo, WebAclInfo};

/// The WebACL associated with `resource_arn` (an ALB ARN), `None` when there is none.
pub async fn web_acl_for_resource(
    sdk: &aws_config::SdkConfig,
    resource_arn: &str,
) -> Result<Option<WebAclInfo>> {
    let client = aws_sdk_wafv2::Client::new(sdk);
    let out = match client
        .get_web_acl_for_resource()
        .resource_arn(resource_arn)
        .send()
        .await
    {
        Ok(out) => out,
        Err(e) => {
            if let Some(GetWebACLForResourceError::WafNonexistentItemException(_)) =
                e.as_service_error()
            {
                return Ok(None);
            }
            return Err(super::sdk_error(
                &format!("wafv2 GetWebACLForResource {resource_arn}"),
                e,
            ));
        }
    };
    Ok(out.web_acl().map(|acl| {
        let mut rules: Vec<_> = acl.rules().iter().collect();
        rules.sort_by_key(|r| r.priority());
        let managed_groups = rules
            .iter()
            .filter_map(|r| {
                let m = r.statement()?.managed_rule_group_statement()?;
                let count = r.override_action().is_some_and(|o| o.count().is_some());
                Some(ManagedGroupInfo {
                    vendor: m.vendor_name().to_string(),
                    name: m.name().to_string(),
                    override_action: if count { "count" } else { "none" }.to_string(),
                })
            })
            .collect();
        let rate_rules = rules
            .iter()
            .filter(|r| {
                r.statement()
                    .is_some_and(|s| s.rate_based_statement().is_some())
            })
            .map(|r| r.name().to_string())
            .collect();
        WebAclInfo {
            name: acl.name().to_string(),
            arn: acl.arn().to_string(),
            rules: rules.iter().map(|r| r.name().to_string()).collect(),
            managed_groups,
            rate_rules,
        }
    }))
}
