//! The configured truth of a canary deployment: listener weights mapped onto the two
//! ECS services through their target groups. The mapping is pure ([`map_weights`]);
//! [`read_truth`] is the I/O edge.

use super::ecs::{ServiceTruth, describe_services};
use super::elb::{
    ListenerTruth, MAX_ALB_WEIGHT, WeightedTargetGroup, find_listener, read_listener,
};
use super::rules::RequestMatch;
use crate::error::{Error, Result};

/// Which resources to read.
#[derive(Debug, Clone, Default)]
pub struct TruthRequest {
    /// Listener ARN (or `load_balancer` + `listener_port`).
    pub listener_arn: Option<String>,
    /// Load balancer name.
    pub load_balancer: Option<String>,
    /// Listener port.
    pub listener_port: Option<u16>,
    /// ECS cluster.
    pub cluster: String,
    /// Stable service name.
    pub stable_service: String,
    /// Canary service name.
    pub canary_service: String,
    /// The sampled request (host, path, headers): it picks the listener rule.
    pub request: RequestMatch,
    /// Stable's target group when the service names none (IP registration).
    pub stable_target_group: Option<String>,
    /// Canary's target group when the service names none.
    pub canary_target_group: Option<String>,
}

/// What AWS says the deployment should do.
#[derive(Debug, Clone, Default)]
pub struct Truth {
    /// The listener.
    pub listener: ListenerTruth,
    /// The stable service.
    pub stable: ServiceTruth,
    /// The canary service.
    pub canary: ServiceTruth,
    /// Sum of the weights of stable's target groups in the forward action.
    pub stable_weight: i64,
    /// Sum of the weights of canary's target groups.
    pub canary_weight: i64,
    /// Canary target group (the one in the forward action, else the service's first).
    pub canary_target_group: String,
    /// Things worth telling the user that do not invalidate the reading.
    pub warnings: Vec<String>,
}

/// Weights of stable and canary, validated: every forwarded target group must belong
/// to one of the two services, weights must be stated (when more than one group),
/// lie in 0..=999 and not sum to 0. Returns (stable, canary).
pub fn map_weights(
    forward: &[WeightedTargetGroup],
    stable_tgs: &[String],
    canary_tgs: &[String],
) -> Result<(i64, i64)> {
    let (mut stable, mut canary) = (0i64, 0i64);
    for tg in forward {
        let weight = match tg.weight {
            Some(w) => w,
            None if forward.len() == 1 => 1,
            None => {
                return Err(Error::Config(format!(
                    "listener forward action: target group {} has no weight (weights missing)",
                    tg.arn
                )));
            }
        };
        if !(0..=MAX_ALB_WEIGHT).contains(&weight) {
            return Err(Error::Config(format!(
                "listener forward action: weight {weight} of {} is outside 0..={MAX_ALB_WEIGHT}",
                tg.arn
            )));
        }
        if stable_tgs.contains(&tg.arn) {
            stable += weight;
        } else if canary_tgs.contains(&tg.arn) {
            canary += weight;
        } else {
            return Err(Error::Config(format!(
                "listener forwards to target group {} which belongs to neither the stable nor the canary service",
                tg.arn
            )));
        }
    }
    if stable + canary == 0 {
        return Err(Error::Config(
            "listener weights of stable and canary sum to 0: no traffic is forwarded".into(),
        ));
    }
    Ok((stable, canary))
}

/// Reads listener and services and maps weights onto variants.
pub async fn read_truth(sdk: &aws_config::SdkConfig, req: &TruthRequest) -> Result<Truth> {
    let elb = aws_sdk_elasticloadbalancingv2::Client::new(sdk);
    let ecs = aws_sdk_ecs::Client::new(sdk);
    let listener_arn = match (&req.listener_arn, &req.load_balancer, req.listener_port) {
        (Some(arn), _, _) => arn.clone(),
        (None, Some(lb), Some(port)) => find_listener(&elb, lb, port).await?,
        _ => {
            return Err(Error::Config(
                "give --listener-arn, or --load-balancer with --listener-port".into(),
            ));
        }
    };
    let listener = read_listener(&elb, &listener_arn, &req.request).await?;
    let mut services = describe_services(
        &ecs,
        &req.cluster,
        &[req.stable_service.as_str(), req.canary_service.as_str()],
    )
    .await?;
    let mut canary = services.pop().unwrap_or_default();
    let mut stable = services.pop().unwrap_or_default();
    for (svc, given, flag) in [
        (
            &mut stable,
            &req.stable_target_group,
            "--stable-target-group",
        ),
        (
            &mut canary,
            &req.canary_target_group,
            "--canary-target-group",
        ),
    ] {
        // A service registered by IP (app-infra's registrar) names no target group:
        // the input (Terraform's output) does. When both exist they must agree.
        match (svc.target_group_arns.is_empty(), given) {
            (true, Some(arn)) => svc.target_group_arns = vec![arn.clone()],
            (true, None) => {
                return Err(Error::Config(format!(
                    "ECS service {} names no target group: give {flag} or --tf-outputs \
                     with stable_target_group_arn/canary_target_group_arn",
                    svc.name
                )));
            }
            (false, Some(arn)) if !svc.target_group_arns.contains(arn) => {
                return Err(Error::Config(format!(
                    "{flag} {arn} is not a target group of ECS service {} ({})",
                    svc.name,
                    svc.target_group_arns.join(", ")
                )));
            }
            _ => {}
        }
    }
    if let Some(shared) = stable
        .target_group_arns
        .iter()
        .find(|a| canary.target_group_arns.contains(a))
    {
        return Err(Error::Config(format!(
            "target group {shared} is given for both stable and canary: the split needs one each"
        )));
    }
    let (stable_weight, canary_weight) = map_weights(
        &listener.target_groups,
        &stable.target_group_arns,
        &canary.target_group_arns,
    )?;
    let canary_target_group = listener
        .target_groups
        .iter()
        .map(|t| &t.arn)
        .find(|a| canary.target_group_arns.contains(a))
        .unwrap_or(&canary.target_group_arns[0])
        .clone();
    let warnings = listener_warnings(&listener, &req.request.path);
    Ok(Truth {
        listener,
        stable,
        canary,
        stable_weight,
        canary_weight,
        canary_target_group,
        warnings,
    })
}

/// What the reading of the listener implies for the sample: which rule's weights are
/// judged, rules that could not be evaluated, and stickiness.
pub fn listener_warnings(l: &ListenerTruth, path: &str) -> Vec<String> {
    let mut w = Vec::new();
    match l.rule_priority {
        Some(p) => w.push(format!(
            "the split was judged against listener rule {p}, which the sampled request ({path}) meets"
        )),
        None if l.forwarding_rules > 0 => w.push(format!(
            "listener has {} forwarding rule(s) the sampled request ({path}) does not meet; the split was judged against the default action",
            l.forwarding_rules
        )),
        None => {}
    }
    w.extend(l.rule_warnings.iter().cloned());
    if l.sticky {
        let d = l
            .sticky_seconds
            .map(|s| format!(" for {s} s"))
            .unwrap_or_default();
        w.push(format!(
            "target-group stickiness is on{d}: each client stays on one target group, so the weights are shares of clients, not of requests; sampled with a fresh connection and no cookie per request, as new clients"
        ));
    }
    if !l.sticky_target_groups.is_empty() {
        w.push(format!(
            "stickiness.enabled on {} target group(s): clients stay on one target inside a group (the split between groups is not affected)",
            l.sticky_target_groups.len()
        ));
    }
    w
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tg(arn: &str, w: Option<i64>) -> WeightedTargetGroup {
        WeightedTargetGroup {
            arn: arn.into(),
            weight: w,
        }
    }

    fn s(v: &str) -> Vec<String> {
        vec![v.to_string()]
    }

    #[test]
    fn maps_weights_to_services() {
        let fwd = [tg("a", Some(90)), tg("b", Some(10))];
        assert_eq!(map_weights(&fwd, &s("a"), &s("b")).unwrap(), (90, 10));
        assert_eq!(
            map_weights(&[tg("a", Some(0)), tg("b", Some(999))], &s("a"), &s("b")).unwrap(),
            (0, 999)
        );
        // A single forward without a weight carries everything.
        assert_eq!(
            map_weights(&[tg("a", None)], &s("a"), &s("b")).unwrap(),
            (1, 0)
        );
    }

    #[test]
    fn warnings_name_the_rule_and_the_stickiness() {
        let mut l = ListenerTruth {
            forwarding_rules: 2,
            ..ListenerTruth::default()
        };
        let w = listener_warnings(&l, "/");
        assert!(w[0].contains("default action"), "{w:?}");
        l.rule_priority = Some(5);
        l.sticky = true;
        l.sticky_seconds = Some(3600);
        l.sticky_target_groups = vec!["tg".into()];
        let w = listener_warnings(&l, "/api/x");
        assert!(w[0].contains("rule 5") && w[0].contains("/api/x"), "{w:?}");
        assert!(
            w[1].contains("shares of clients") && w[1].contains("3600"),
            "{w:?}"
        );
        assert!(w[2].contains("stickiness.enabled"), "{w:?}");
    }

    #[test]
    fn rejects_bad_forward_configs() {
        for (fwd, why) in [
            (vec![tg("a", Some(90)), tg("b", None)], "no weight"),
            (vec![tg("a", Some(1000)), tg("b", Some(1))], "outside"),
            (vec![tg("a", Some(-1)), tg("b", Some(1))], "outside"),
            (vec![tg("a", Some(0)), tg("b", Some(0))], "sum to 0"),
            (vec![tg("a", Some(1)), tg("x", Some(1))], "neither"),
        ] {
            match map_weights(&fwd, &s("a"), &s("b")) {
                Err(Error::Config(m)) => {
                    assert!(m.contains(why), "{m}");
                    assert!(!m.contains('\n'));
                }
                other => panic!("{why}: {other:?}"),
            }
        }
    }
}
