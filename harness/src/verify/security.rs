//! The AWS reads behind the TLS and WAF checks: ACM's expiry of the listener's
//! certificate (compared with the certificate served) and the WebACL associated with the
//! load balancer. A read that fails is said in the report, never skipped silently.

use crate::aws::{self, Truth};
use crate::checks::waf;
use crate::config::VerifyConfig;

/// ACM's NotAfter of the listener's certificate, and a note when it could not be read.
pub(super) async fn acm_not_after(
    sdk: Option<&aws_config::SdkConfig>,
    truth: Option<&Truth>,
) -> (Option<String>, Option<String>) {
    let (Some(sdk), Some(arn)) = (
        sdk,
        truth.and_then(|t| t.listener.certificate_arn.as_deref()),
    ) else {
        return (None, None);
    };
    match aws::acm::certificate_not_after(sdk, arn).await {
        Ok(v) => (v, None),
        Err(e) => (
            None,
            Some(format!(
                "ACM expiry not compared (not available from this endpoint): {}",
                crate::error::one_line(&e)
            )),
        ),
    }
}

/// What AWS says about the WebACL of the load balancer.
pub(super) async fn web_acl_lookup(
    cfg: &VerifyConfig,
    sdk: Option<&aws_config::SdkConfig>,
    truth: Option<&Truth>,
) -> waf::WebAclLookup {
    let alb_arn = truth
        .map(|t| t.listener.load_balancer_arn.clone())
        .or(cfg.load_balancer_arn.clone())?;
    let sdk = sdk?;
    Some(
        aws::waf::web_acl_for_resource(sdk, &alb_arn)
            .await
            .map_err(|e| crate::error::one_line(&e)),
    )
}
