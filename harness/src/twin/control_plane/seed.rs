//! Seeds moto with exactly what app-infra's Terraform declares, through aws-sdk-rust:
//! VPC + two subnets + security group (EC2), ALB, two IP target groups with their
//! targets, HTTPS listener with a weighted forward, HTTP listener (redirect), ACM
//! certificate, optional WebACL, ECS cluster, task definitions and services.
//!
//! moto's ECS is a store, not a scheduler (moto/ecs/models.py): `create_service` sets
//! runningCount = 0 and pendingCount = desiredCount; `update_service(desiredCount=d)`
//! sets desired = running = d and pending = 0. So a service whose plan has
//! running = desired is created with 0 and updated to d; one with running = 0 is
//! created with its desired count (all pending). Other combinations cannot be
//! represented and are a configuration error. moto validates nothing (weights, forward
//! targets): the harness does.

use aws_sdk_elasticloadbalancingv2::types::{
    Action, ActionTypeEnum, Certificate, ForwardActionConfig, LoadBalancerSchemeEnum,
    LoadBalancerTypeEnum, ProtocolEnum, RedirectActionConfig, RedirectActionStatusCodeEnum,
    TargetGroupTuple,
};

use crate::aws::sdk_error;
use crate::error::{Error, Result};
use crate::twin::control_plane::ecs::service;
use crate::twin::control_plane::target_group::target_group;
use crate::twin::spec::terraform::Declared;

/// What to create in the control plane.
#[derive(Debug, Clone, Default)]
pub struct SeedPlan {
    /// Name prefix of the network the shared stack owns (VPC, subnets), e.g. "poem".
    /// The app's resources (load balancer and its security group, target groups,
    /// WebACL, cluster, services, task families) are named as Terraform names them
    /// ([`Declared::names`]).
    pub name: String,
    /// Host name of the service (the ACM certificate's domain).
    pub host: String,
    /// Stable weight on the HTTPS listener.
    pub stable_weight: i64,
    /// Canary weight on the HTTPS listener.
    pub canary_weight: i64,
    /// Image tag (release) of stable.
    pub stable_tag: String,
    /// Image tag (release) of canary.
    pub canary_tag: String,
    /// ECS desired count of stable.
    pub stable_desired: i32,
    /// ECS desired count of canary.
    pub canary_desired: i32,
    /// Running stable tasks (what the twin really runs).
    pub stable_running: i32,
    /// Running canary tasks.
    pub canary_running: i32,
    /// Stable targets (ip, port) registered in the stable target group.
    pub stable_targets: Vec<(String, u16)>,
    /// Canary targets registered in the canary target group.
    pub canary_targets: Vec<(String, u16)>,
    /// Leaf certificate PEM imported into ACM.
    pub certificate_pem: String,
    /// Its private key PEM.
    pub private_key_pem: String,
    /// CA chain PEM.
    pub chain_pem: Option<String>,
    /// Listener SslPolicy, e.g. ELBSecurityPolicy-TLS13-1-2-2021-06.
    pub ssl_policy: String,
    /// Whether the HTTP:80 listener redirects to HTTPS.
    pub redirect_http: bool,
    /// Whether a WebACL is created and associated with the ALB.
    pub waf: bool,
    /// Whether the WebACL, when created, is associated with the ALB.
    pub waf_associated: bool,
    /// What Terraform declares (ports, health check, listeners, redirect, WAF rate
    /// rules); `None`: read from [`crate::twin::spec::terraform::app_infra_dir`] at seed time.
    pub declared: Option<Declared>,
}

/// Identifiers of what was seeded.
#[derive(Debug, Clone, Default)]
pub struct Seeded {
    /// ALB ARN.
    pub load_balancer_arn: String,
    /// HTTPS:443 listener ARN.
    pub listener_arn: String,
    /// HTTP:80 listener ARN.
    pub http_listener_arn: String,
    /// Stable target group ARN.
    pub stable_target_group_arn: String,
    /// Canary target group ARN.
    pub canary_target_group_arn: String,
    /// ACM certificate ARN.
    pub certificate_arn: String,
    /// WebACL ARN, when seeded.
    pub web_acl_arn: Option<String>,
    /// ECS cluster name.
    pub cluster: String,
    /// Stable service name.
    pub stable_service: String,
    /// Canary service name.
    pub canary_service: String,
}

/// Creates everything in `plan` in the control plane `sdk` points at.
pub async fn seed(sdk: &aws_config::SdkConfig, plan: &SeedPlan) -> Result<Seeded> {
    validate(plan)?;
    let declared = match &plan.declared {
        Some(d) => d.clone(),
        None => Declared::load_default()?,
    };
    let d = &declared;
    let region = sdk
        .region()
        .map(|r| r.as_ref().to_owned())
        .unwrap_or_else(|| "us-east-1".into());
    let (vpc_id, subnets, security_group) =
        network(sdk, plan, &region, &d.names.alb_security_group).await?;

    let elb = aws_sdk_elasticloadbalancingv2::Client::new(sdk);
    let lb = elb
        .create_load_balancer()
        .name(&d.names.load_balancer)
        .set_subnets(Some(subnets.clone()))
        .security_groups(&security_group)
        .scheme(LoadBalancerSchemeEnum::InternetFacing)
        .r#type(LoadBalancerTypeEnum::Application)
        .send()
        .await
        .map_err(|e| sdk_error("seed: create load balancer", e))?;
    let load_balancer_arn = lb
        .load_balancers()
        .first()
        .and_then(|l| l.load_balancer_arn())
        .ok_or_else(|| Error::Aws("seed: create load balancer returned no ARN".into()))?
        .to_owned();
    let stable_tg = target_group(
        &elb,
        d,
        &d.names.stable_target_group,
        &vpc_id,
        &plan.stable_targets,
    )
    .await?;
    let canary_tg = target_group(
        &elb,
        d,
        &d.names.canary_target_group,
        &vpc_id,
        &plan.canary_targets,
    )
    .await?;

    let certificate_arn = if plan.certificate_pem.is_empty() {
        String::new()
    } else {
        let acm = aws_sdk_acm::Client::new(sdk);
        let mut req = acm
            .import_certificate()
            .certificate(aws_sdk_acm::primitives::Blob::new(
                plan.certificate_pem.as_bytes(),
            ))
            .private_key(aws_sdk_acm::primitives::Blob::new(
                plan.private_key_pem.as_bytes(),
            ));
        if let Some(chain) = &plan.chain_pem {
            req = req.certificate_chain(aws_sdk_acm::primitives::Blob::new(chain.as_bytes()));
        }
        req.send()
            .await
            .map_err(|e| sdk_error("seed: import certificate", e))?
            .certificate_arn()
            .unwrap_or_default()
            .to_owned()
    };

    let mut https = elb
        .create_listener()
        .load_balancer_arn(&load_balancer_arn)
        .protocol(ProtocolEnum::Https)
        .port(i32::from(d.https_port))
        .ssl_policy(&plan.ssl_policy)
        .default_actions(forward_action(
            &stable_tg,
            plan.stable_weight,
            &canary_tg,
            plan.canary_weight,
        ));
    if !certificate_arn.is_empty() {
        https = https.certificates(
            Certificate::builder()
                .certificate_arn(&certificate_arn)
                .build(),
        );
    }
    let https_listener_arn = listener_arn(
        https
            .send()
            .await
            .map_err(|e| sdk_error("seed: create HTTPS listener", e))?
            .listeners(),
    )?;
    let http_action = if plan.redirect_http {
        Action::builder()
            .r#type(ActionTypeEnum::Redirect)
            .redirect_config(
                RedirectActionConfig::builder()
                    .protocol("HTTPS")
                    .port(d.redirect_port.to_string())
                    .status_code(RedirectActionStatusCodeEnum::from(
                        format!("HTTP_{}", d.redirect_status).as_str(),
                    ))
                    .build(),
            )
            .build()
    } else {
        forward_action(
            &stable_tg,
            plan.stable_weight,
            &canary_tg,
            plan.canary_weight,
        )
    };
    let http_listener_arn = listener_arn(
        elb.create_listener()
            .load_balancer_arn(&load_balancer_arn)
            .protocol(ProtocolEnum::Http)
            .port(i32::from(d.http_port))
            .default_actions(http_action)
            .send()
            .await
            .map_err(|e| sdk_error("seed: create HTTP listener", e))?
            .listeners(),
    )?;

    let web_acl_arn = if plan.waf {
        let acl = crate::twin::control_plane::waf::web_acl(
            sdk,
            &d.names.web_acl,
            &d.managed_groups,
            &d.rate_rules,
        )
        .await?;
        if plan.waf_associated {
            crate::twin::control_plane::waf::associate(sdk, &acl, &load_balancer_arn).await?;
        }
        Some(acl)
    } else {
        None
    };

    let ecs = aws_sdk_ecs::Client::new(sdk);
    let cluster = d.names.cluster.clone();
    ecs.create_cluster()
        .cluster_name(&cluster)
        .send()
        .await
        .map_err(|e| sdk_error("seed: create ECS cluster", e))?;
    let stable_service = d.names.stable_service.clone();
    let canary_service = d.names.canary_service.clone();
    for (svc, family, tag, desired, running) in [
        (
            &stable_service,
            &d.names.stable_family,
            &plan.stable_tag,
            plan.stable_desired,
            plan.stable_running,
        ),
        (
            &canary_service,
            &d.names.canary_family,
            &plan.canary_tag,
            plan.canary_desired,
            plan.canary_running,
        ),
    ] {
        service(
            &ecs,
            &cluster,
            svc,
            family,
            &format!("{}:{tag}", d.names.image_repository),
            &[d.app_port, d.health_port],
            desired,
            running,
        )
        .await?;
    }

    Ok(Seeded {
        load_balancer_arn,
        listener_arn: https_listener_arn,
        http_listener_arn,
        stable_target_group_arn: stable_tg,
        canary_target_group_arn: canary_tg,
        certificate_arn,
        web_acl_arn,
        cluster,
        stable_service,
        canary_service,
    })
}

fn validate(plan: &SeedPlan) -> Result<()> {
    if plan.name.is_empty() {
        return Err(Error::Config("seed plan: empty name".into()));
    }
    for (which, desired, running) in [
        ("stable", plan.stable_desired, plan.stable_running),
        ("canary", plan.canary_desired, plan.canary_running),
    ] {
        if desired < 0 || running < 0 || (running != desired && running != 0) {
            return Err(Error::Config(format!(
                "seed plan: {which} desired {desired} / running {running} cannot be represented in moto (running must be 0 or equal desired)"
            )));
        }
    }
    Ok(())
}

async fn network(
    sdk: &aws_config::SdkConfig,
    plan: &SeedPlan,
    region: &str,
    alb_security_group: &str,
) -> Result<(String, Vec<String>, String)> {
    let ec2 = crate::aws::ec2_query::Ec2Query::new(sdk).await?;
    let vpc_id = ec2
        .create_vpc("10.0.0.0/16", &format!("{}-public", plan.name))
        .await?;
    let mut subnets = Vec::new();
    for (i, az) in ["a", "b"].iter().enumerate() {
        let id = ec2
            .create_subnet(
                &vpc_id,
                &format!("10.0.{i}.0/24"),
                &format!("{region}{az}"),
                &format!("{}-public-{az}", plan.name),
            )
            .await?;
        subnets.push(id);
    }
    let sg = ec2
        .create_security_group(alb_security_group, "ALB of the canary twin", &vpc_id)
        .await?;
    Ok((vpc_id, subnets, sg))
}

/// A forward action with both target groups and their weights.
pub fn forward_action(stable_tg: &str, stable_w: i64, canary_tg: &str, canary_w: i64) -> Action {
    let tuple = |arn: &str, w: i64| {
        TargetGroupTuple::builder()
            .target_group_arn(arn)
            .weight(i32::try_from(w).unwrap_or(i32::MAX))
            .build()
    };
    Action::builder()
        .r#type(ActionTypeEnum::Forward)
        .forward_config(
            ForwardActionConfig::builder()
                .target_groups(tuple(stable_tg, stable_w))
                .target_groups(tuple(canary_tg, canary_w))
                .build(),
        )
        .build()
}

fn listener_arn(listeners: &[aws_sdk_elasticloadbalancingv2::types::Listener]) -> Result<String> {
    listeners
        .first()
        .and_then(|l| l.listener_arn())
        .map(str::to_owned)
        .ok_or_else(|| Error::Aws("seed: create listener returned no ARN".into()))
}
