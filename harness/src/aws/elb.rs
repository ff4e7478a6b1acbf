//! ELBv2 reads: the forward action (target groups, weights, stickiness) of the listener
//! rule a sampled request meets ([`super::rules`]), the listener's TLS settings, and the
//! targets registered in a target group.

use aws_sdk_elasticloadbalancingv2::Client;
use aws_sdk_elasticloadbalancingv2::types::{Action, ActionTypeEnum, RuleCondition};

use super::rules::{self, Condition, Forward, RequestMatch, Rule};
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
    /// Target groups of the forward action that applies to the sampled request.
    pub target_groups: Vec<WeightedTargetGroup>,
    /// Non-default rules that forward to target groups.
    pub forwarding_rules: usize,
    /// Priority of the rule that applies to the sampled request (`None`: the default
    /// action).
    pub rule_priority: Option<u32>,
    /// That forward action's target-group stickiness (`TargetGroupStickinessConfig`):
    /// a client stays on one target group, so shares are per client, not per request.
    pub sticky: bool,
    /// Its duration in seconds.
    pub sticky_seconds: Option<i32>,
    /// Target groups of that action with `stickiness.enabled` (sticky to a target
    /// inside the group).
    pub sticky_target_groups: Vec<String>,
    /// Rules that could not be evaluated for the request.
    pub rule_warnings: Vec<String>,
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

/// Reads a listener and its rules and returns the forward action `req` meets.
pub async fn read_listener(
    client: &Client,
    listener_arn: &str,
    req: &RequestMatch,
) -> Result<ListenerTruth> {
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
    let rules = client
        .describe_rules()
        .listener_arn(listener_arn)
        .send()
        .await
        .map_err(|e| sdk_error(&format!("rules of listener {listener_arn}"), e))?;
    let rules: Vec<Rule> = rules
        .rules()
        .iter()
        .filter(|r| !r.is_default().unwrap_or(false) && r.priority() != Some("default"))
        .map(|r| Rule {
            priority: r
                .priority()
                .and_then(|p| p.parse().ok())
                .unwrap_or(u32::MAX),
            conditions: r.conditions().iter().map(condition).collect(),
            forward: forward(r.actions()),
        })
        .collect();
    let forwarding_rules = rules.iter().filter(|r| r.forward.is_some()).count();
    let (chosen, rule_warnings) = rules::select(&rules, req);
    let rule_priority = chosen.map(|r| r.priority);
    let fwd = match chosen {
        Some(r) => r.forward.clone().ok_or_else(|| {
            Error::Config(format!(
                "listener {listener_arn}: rule {} meets the sampled request ({}) but does not forward to target groups",
                r.priority, req.path
            ))
        })?,
        None => forward(listener.default_actions()).ok_or_else(|| {
            Error::Config(format!(
                "listener {listener_arn}: default action is not a forward to target groups"
            ))
        })?,
    };
    let target_groups = fwd.target_groups.clone();
    // Every target group forwarded to must exist (moto accepts a forward to nothing).
    let arns: Vec<String> = target_groups.iter().map(|t| t.arn.clone()).collect();
    client
        .describe_target_groups()
        .set_target_group_arns(Some(arns.clone()))
        .send()
        .await
        .map_err(|e| sdk_error(&format!("target groups of listener {listener_arn}"), e))?;
    let mut sticky_target_groups = Vec::new();
    for arn in arns {
        let attrs = client
            .describe_target_group_attributes()
            .target_group_arn(&arn)
            .send()
            .await
            .map_err(|e| sdk_error(&format!("attributes of target group {arn}"), e))?;
        let sticky = attrs
            .attributes()
            .iter()
            .any(|a| a.key() == Some("stickiness.enabled") && a.value() == Some("true"));
        if sticky {
            sticky_target_groups.push(arn);
        }
    }
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
        rule_priority,
        sticky: fwd.sticky,
        sticky_seconds: fwd.sticky_seconds,
        sticky_target_groups,
        rule_warnings,
    })
}

/// A rule condition as [`rules`] evaluates it. Both the typed configs and the legacy
/// `Values` list are read (the API returns either).
fn condition(c: &RuleCondition) -> Condition {
    let legacy = || c.values().to_vec();
    let or_legacy = |v: Option<&[String]>| v.map(<[String]>::to_vec).unwrap_or_else(legacy);
    match c.field().unwrap_or_default() {
        "path-pattern" => {
            Condition::PathPattern(or_legacy(c.path_pattern_config().map(|p| p.values())))
        }
        "host-header" => {
            Condition::HostHeader(or_legacy(c.host_header_config().map(|p| p.values())))
        }
        "http-header" => match c.http_header_config() {
            Some(h) => Condition::HttpHeader(
                h.http_header_name().unwrap_or_default().to_owned(),
                h.values().to_vec(),
            ),
            None => Condition::Unknowable("http-header without a header name".into()),
        },
        "http-request-method" => Condition::Method(or_legacy(
            c.http_request_method_config().map(|p| p.values()),
        )),
        "query-string" => Condition::QueryString(
            c.query_string_config()
                .map(|q| {
                    q.values()
                        .iter()
                        .map(|kv| {
                            (
                                kv.key().map(str::to_owned),
                                kv.value().unwrap_or_default().to_owned(),
                            )
                        })
                        .collect()
                })
                .unwrap_or_default(),
        ),
        other => Condition::Unknowable(other.to_owned()),
    }
}

/// The first forward action: its target groups and stickiness.
fn forward(actions: &[Action]) -> Option<Forward> {
    let stickiness = actions
        .iter()
        .find(|a| a.r#type() == Some(&ActionTypeEnum::Forward))
        .and_then(|a| a.forward_config())
        .and_then(|fc| fc.target_group_stickiness_config());
    let enabled = stickiness.and_then(|s| s.enabled()).unwrap_or(false);
    Some(Forward {
        target_groups: forward_targets(actions)?,
        sticky: enabled,
        sticky_seconds: stickiness
            .filter(|_| enabled)
            .and_then(|s| s.duration_seconds()),
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
