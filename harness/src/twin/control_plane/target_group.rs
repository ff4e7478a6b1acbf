//! The target groups of the twin's seed, as app-infra's `aws_lb_target_group.variant`
//! declares them (port, health check path/port/matcher, deregistration delay, from
//! [`crate::twin::spec::terraform::Declared`]), with the twin's containers registered by IP.

use aws_sdk_elasticloadbalancingv2::types::{
    Matcher, ProtocolEnum, TargetDescription, TargetGroupAttribute, TargetTypeEnum,
};

use crate::aws::sdk_error;
use crate::error::{Error, Result};
use crate::twin::spec::terraform::Declared;

/// Creates the target group `name` in `vpc_id` and registers `targets` (ip, port).
pub async fn target_group(
    elb: &aws_sdk_elasticloadbalancingv2::Client,
    d: &Declared,
    name: &str,
    vpc_id: &str,
    targets: &[(String, u16)],
) -> Result<String> {
    let arn = elb
        .create_target_group()
        .name(name)
        .protocol(ProtocolEnum::Http)
        .port(i32::from(d.app_port))
        .vpc_id(vpc_id)
        .target_type(TargetTypeEnum::Ip)
        .health_check_path(&d.health_path)
        .health_check_port(d.health_check_port.to_string())
        .matcher(Matcher::builder().http_code(&d.health_matcher).build())
        .send()
        .await
        .map_err(|e| sdk_error("seed: create target group", e))?
        .target_groups()
        .first()
        .and_then(|t| t.target_group_arn())
        .ok_or_else(|| Error::Aws(format!("seed: target group {name} returned no ARN")))?
        .to_owned();
    elb.modify_target_group_attributes()
        .target_group_arn(&arn)
        .attributes(
            TargetGroupAttribute::builder()
                .key("deregistration_delay.timeout_seconds")
                .value(d.deregistration_delay_s.to_string())
                .build(),
        )
        .send()
        .await
        .map_err(|e| sdk_error("seed: target group deregistration delay", e))?;
    if !targets.is_empty() {
        let descs = targets
            .iter()
            .map(|(ip, port)| {
                TargetDescription::builder()
                    .id(ip)
                    .port(i32::from(*port))
                    .build()
            })
            .collect();
        elb.register_targets()
            .target_group_arn(&arn)
            .set_targets(Some(descs))
            .send()
            .await
            .map_err(|e| sdk_error("seed: register targets", e))?;
    }
    Ok(arn)
}
