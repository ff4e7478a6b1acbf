//! WAFv2: the WebACL associated with the load balancer (`GetWebACLForResource`).
//! moto does not implement `ListResourcesForWebACL`, so the lookup goes from the
//! resource to the WebACL, which is also the question the check asks.

use aws_sdk_wafv2::operation::get_web_acl_for_resource::GetWebACLForResourceError;

use crate::error::Result;
use crate::result::WebAclInfo;

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
        WebAclInfo {
            name: acl.name().to_string(),
            arn: acl.arn().to_string(),
            rules: rules.iter().map(|r| r.name().to_string()).collect(),
        }
    }))
}
