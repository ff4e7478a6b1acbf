//! ELBv2 reads: the listener's forward action (target groups and weights), its TLS
//! settings, and the targets registered in a target group.

use aws_sdk_elasticloadbalancingv2::Client;
use aws_sdk_elasticloadbalancingv2::types::{Action, ActionTypeEnum};

use super::sdk_error;
use crate::error::{Error, Result};

/// Highest weight ALB accepts on a target group of a forward action.
pub const MAX_ALB_WEIGHT: i64 = 999;

/// One target group of a forward action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WeightedTargetGroup {
    /// Target group ARN.
    pub arn: String,
    /// Raw weight (`None` when the listener does not state one).
    pub weight: Option<i64>,
}

/// What the listener is configured to do.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ListenerTruth {
    /// Listener ARN.
    pub listener_arn: String,
    /// Load balancer ARN.
    pub load_balancer_arn: String,
    /// Port.
    pub port: Option<i32>,
    /// Protocol (HTTPS, HTTP).
    pub protocol: Option<String>,
    /// SslPolicy of an HTTPS listener.
    pub ssl_policy: Option<String>,
    /// Default certificate ARN.
    pub certificate_arn: Option<String>,
    /// Target groups of the default forward action.
    pub target_groups: Vec<WeightedTargetGroup>,
    /// Non-default rules that forward elsewhere (reported as a warning: the sampled
    /// path is judged against the default action).
    pub forwarding_rules: usize,
}

/// One registered target and its health state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegisteredTarget {
    /// Target id (IP or instance id).
    pub id: String,
    /// Port.
    pub port: Option<i32>,
    /// Health state (healthy, draining, ...).
    pub state: String,
}

/// Reads a listener, its default forward action and its rules.
pub async fn read_listener(client: &Client, listener_arn: &str) -> Result<ListenerTruth> {
    let out = client
        .describe_listeners()
        .listener_arns(listener_arn)
        .send()
        .await
        .map_err(|e| sdk_error(&format!("listener {listener_arn}"), e))?;
    let listener = out
        .listeners()
        .first()
        .ok_or_else(|| Error::Config(format!("listener {listener_arn} not found")))?;
    let target_groups = forward_targets(listener.default_actions()).ok_or_else(|| {
        Error::Config(format!(
            "listener {listener_arn}: default action is not a forward to target groups"
        ))
    })?;
    let rules = client
        .describe_rules()
        .listener_arn(listener_arn)
        .send()
        .await
        .map_err(|e| sdk_error(&format!("rules of listener {listener_arn}"), e))?;
    let forwarding_rules = rules
        .rules()
        .iter()
        .filter(|r| !r.is_default().unwrap_or(false))
        .filter(|r| forward_targets(r.actions()).is_some())
        .count();
    // Every target group forwarded to must exist (moto accepts a forward to nothing).
    let arns: Vec<String> = target_groups.iter().map(|t| t.arn.clone()).collect();
    client
        .describe_target_groups()
        .set_target_group_arns(Some(arns))
        .send()
        .await
        .map_err(|e| sdk_error(&format!("target groups of listener {listener_arn}"), e))?;
    Ok(ListenerTruth {
        listener_arn: listener_arn.to_owned(),
        load_balancer_arn: listener.load_balancer_arn().unwrap_or_default().to_owned(),
        port: listener.port(),
        protocol: listener.protocol().map(|p| p.as_str().to_owned()),
        ssl_policy: listener.ssl_policy().map(str::to_owned),
        certificate_arn: listener
            .certificates()
            .iter()
            .find(|c| c.is_default().unwrap_or(true))
            .and_then(|c| c.certificate_arn())
            .map(str::to_owned),
        target_groups,
        forwarding_rules,
    })
}

/// The target groups of the first forward action, if any.
fn forward_targets(actions: &[Action]) -> Option<Vec<WeightedTargetGroup>> {
    let forward = actions
        .iter()
        .find(|a| a.r#type() == Some(&ActionTypeEnum::Forward))?;
    let tuples: Vec<WeightedTargetGroup> = forward
        .forward_config()
        .map(|fc| {
            fc.target_groups()
                .iter()
                .filter_map(|t| {
                    Some(WeightedTargetGroup {
                        arn: t.target_group_arn()?.to_owned(),
                        weight: t.weight().map(i64::from),
                    })
                })
                .collect()
        })
        .unwrap_or_default();
    if !tuples.is_empty() {
        return Some(tuples);
    }
    // A plain forward to one target group carries all the traffic.
    forward.target_group_arn().map(|arn| {
        vec![WeightedTargetGroup {
            arn: arn.to_owned(),
            weight: Some(1),
        }]
    })
}

/// Finds the listener ARN of `load_balancer` (name) on `port`.
pub async fn find_listener(client: &Client, load_balancer: &str, port: u16) -> Result<String> {
    let lbs = client
        .describe_load_balancers()
        .names(load_balancer)
        .send()
        .await
        .map_err(|e| sdk_error(&format!("load balancer {load_balancer}"), e))?;
    let lb_arn = lbs
        .load_balancers()
        .first()
        .and_then(|lb| lb.load_balancer_arn())
        .ok_or_else(|| Error::Config(format!("load balancer {load_balancer} not found")))?
        .to_owned();
    let listeners = client
        .describe_listeners()
        .load_balancer_arn(&lb_arn)
        .send()
        .await
        .map_err(|e| sdk_error(&format!("listeners of {load_balancer}"), e))?;
    listeners
        .listeners()
        .iter()
        .find(|l| l.port() == Some(i32::from(port)))
        .and_then(|l| l.listener_arn())
        .map(str::to_owned)
        .ok_or_else(|| {
            Error::Config(format!(
                "load balancer {load_balancer} has no listener on port {port}"
            ))
        })
}

/// Targets registered in a target group (DescribeTargetHealth).
pub async fn registered_targets(
    client: &Client,
    target_group_arn: &str,
) -> Result<Vec<RegisteredTarget>> {
    let out = client
        .describe_target_health()
        .target_group_arn(target_group_arn)
        .send()
        .await
        .map_err(|e| sdk_error(&format!("target health of {target_group_arn}"), e))?;
    Ok(out
        .target_health_descriptions()
        .iter()
        .map(|d| RegisteredTarget {
            id: d
                .target()
                .and_then(|t| t.id())
                .unwrap_or_default()
                .to_owned(),
            port: d.target().and_then(|t| t.port()),
            state: d
                .target_health()
                .and_then(|h| h.state())
                .map(|s| s.as_str().to_owned())
                .unwrap_or_else(|| "unknown".into()),
        })
        .collect())
}
