//! ELBv2: the status the load balancer's plain-HTTP listener declares for its redirect
//! to HTTPS (`HTTP_301` / `HTTP_302` in the listener's redirect action), so that the
//! TLS check expects exactly that status rather than "any permanent redirect".

use crate::error::Result;

/// The declared redirect of the load balancer's HTTP listener: `(port, status)` of the
/// HTTP listener on `prefer_port` if there is one, else the first HTTP listener whose
/// default action redirects. `None` when no HTTP listener redirects.
pub async fn http_redirect_status(
    sdk: &aws_config::SdkConfig,
    load_balancer_arn: &str,
    prefer_port: u16,
) -> Result<Option<(i32, u16)>> {
    use aws_sdk_elasticloadbalancingv2::types::{ActionTypeEnum, ProtocolEnum};
    let client = aws_sdk_elasticloadbalancingv2::Client::new(sdk);
    let out = client
        .describe_listeners()
        .load_balancer_arn(load_balancer_arn)
        .send()
        .await
        .map_err(|e| super::sdk_error(&format!("listeners of {load_balancer_arn}"), e))?;
    let mut found: Vec<(i32, u16)> = out
        .listeners()
        .iter()
        .filter(|l| l.protocol() == Some(&ProtocolEnum::Http))
        .filter_map(|l| {
            let action = l
                .default_actions()
                .iter()
                .find(|a| a.r#type() == Some(&ActionTypeEnum::Redirect))?;
            let code = action.redirect_config()?.status_code()?.as_str();
            Some((l.port().unwrap_or(0), status_of(code)?))
        })
        .collect();
    found.sort_by_key(|(port, _)| *port != i32::from(prefer_port));
    Ok(found.first().copied())
}

/// `HTTP_301` → 301.
pub fn status_of(code: &str) -> Option<u16> {
    code.strip_prefix("HTTP_")?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_status_code_enum() {
        assert_eq!(status_of("HTTP_301"), Some(301));
        assert_eq!(status_of("HTTP_302"), Some(302));
        assert_eq!(status_of("301"), None);
    }
}
