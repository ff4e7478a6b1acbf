//! The listener write a deployment makes (ModifyListener, as `terraform apply` does),
//! against the twin's moto: the default forward action's weights over the two target
//! groups.

use aws_sdk_elasticloadbalancingv2::types::Certificate;

use crate::aws::sdk_error;
use crate::error::Result;
use crate::twin::control_plane::seed::forward_action;
use crate::twin::spec::Weights;

/// Replaces the listener's default forward action with `w` over the two target
/// groups, keeping its certificates (moto, like ELBv2, wants them repeated).
pub async fn set_listener_weights(
    sdk: &aws_config::SdkConfig,
    listener_arn: &str,
    stable_tg: &str,
    canary_tg: &str,
    w: Weights,
) -> Result<()> {
    let elb = aws_sdk_elasticloadbalancingv2::Client::new(sdk);
    let current = elb
        .describe_listeners()
        .listener_arns(listener_arn)
        .send()
        .await
        .map_err(|e| sdk_error(&format!("listener {listener_arn}"), e))?;
    let certificates: Vec<Certificate> = current
        .listeners()
        .first()
        .map(|l| l.certificates().to_vec())
        .unwrap_or_default();
    elb.modify_listener()
        .listener_arn(listener_arn)
        .set_certificates((!certificates.is_empty()).then_some(certificates))
        .default_actions(forward_action(
            stable_tg,
            w.stable.into(),
            canary_tg,
            w.canary.into(),
        ))
        .send()
        .await
        .map_err(|e| sdk_error(&format!("modify listener {listener_arn}"), e))?;
    Ok(())
}
