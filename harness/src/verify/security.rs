//! The AWS reads behind the TLS and WAF checks: ACM's view of the listener's
//! certificate (compared with the certificate served), the HTTP listener's redirect
//! status, and the WebACL associated with the load balancer. A read that fails is said in the report, never skipped silently.

use crate::aws::{self, Truth};
use crate::checks::{tls, waf};
use crate::config::VerifyConfig;

/// The control plane's TLS truth (listener policy and certificate, ACM's view of that
/// certificate, the HTTP listener's redirect status) and notes on what could not be
/// read ("not available from this endpoint"), so nothing is skipped silently.
pub(super) async fn tls_truth(
    sdk: Option<&aws_config::SdkConfig>,
    truth: Option<&Truth>,
    http_port: u16,
) -> (Option<tls::TlsTruth>, Vec<String>) {
    let (Some(sdk), Some(t)) = (sdk, truth) else {
        return (None, vec![]);
    };
    let mut notes = Vec::new();
    let mut out = tls::TlsTruth {
        ssl_policy: t.listener.ssl_policy.clone(),
        certificate_arn: t.listener.certificate_arn.clone(),
        ..tls::TlsTruth::default()
    };
    if let Some(arn) = t.listener.certificate_arn.as_deref() {
        match aws::acm::certificate(sdk, arn).await {
            Ok(acm) => {
                for (what, missing) in [
                    ("not-after", acm.not_after.is_none()),
                    ("serial", acm.serial.is_none()),
                ] {
                    if missing {
                        notes.push(format!(
                            "ACM {what} of {arn} not compared (not available from this endpoint)"
                        ));
                    }
                }
                notes.extend(acm.notes.iter().map(|n| {
                    format!("ACM fingerprint not compared (not available from this endpoint): {n}")
                }));
                out.acm_not_after = acm.not_after;
                out.acm_serial = acm.serial;
                out.acm_sha256 = acm.sha256;
            }
            Err(e) => notes.push(format!(
                "ACM certificate not compared (not available from this endpoint): {}",
                crate::error::one_line(&e)
            )),
        }
    } else {
        notes.push("the HTTPS listener names no certificate: ACM not compared".into());
    }
    match aws::redirect::http_redirect_status(sdk, &t.listener.load_balancer_arn, http_port).await {
        Ok(Some((_, status))) => out.redirect_status = Some(status),
        Ok(None) => notes.push(
            "no HTTP listener with a redirect action on the load balancer: redirect status \
             compared with 301/308"
                .into(),
        ),
        Err(e) => notes.push(format!(
            "HTTP listener not read (not available from this endpoint): {}",
            crate::error::one_line(&e)
        )),
    }
    (Some(out), notes)
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
