//! The `rollout` check of `harness gate`: did the deployment the workflow asked for
//! actually happen? `harness verify` judges what the load balancer does against what
//! the control plane says *now*; after an ECS circuit-breaker rollback the control
//! plane says the old release, and verify would pass a release that never ran. The
//! gate therefore compares the control plane with what was *requested*:
//!
//! - the listener's weights are the requested weights (Terraform applied them);
//! - no deployment of either service is `FAILED` (circuit breaker tripped), and the
//!   PRIMARY deployment runs the requested image tag (a rollback makes the old task
//!   definition primary again);
//! - a PRIMARY deployment still `IN_PROGRESS` after the wait is INCONCLUSIVE;
//! - every registered target of a variant with weight > 0 is healthy, and there is at
//!   least one (ECS "stable" only means tasks RUNNING, not that the ALB routes to them).
//!
//! Pure: the I/O (reads, waiting) is in [`super`].

use crate::aws::{DeploymentInfo, RegisteredTarget};
use crate::result::{CheckResult, Evidence, Verdict};

/// Rollout state ECS gives a deployment the circuit breaker stopped.
pub const ROLLOUT_FAILED: &str = "FAILED";
/// Rollout state of a deployment still being rolled out.
pub const ROLLOUT_IN_PROGRESS: &str = "IN_PROGRESS";
/// Deployment status of the deployment ECS is converging to.
pub const PRIMARY: &str = "PRIMARY";
/// Target health state that receives traffic.
pub const HEALTHY: &str = "healthy";

/// What the workflow asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Requested {
    /// Image tag of the stable service.
    pub stable_tag: String,
    /// Image tag of the canary service.
    pub canary_tag: String,
    /// Listener weight of stable.
    pub stable_weight: i64,
    /// Listener weight of canary.
    pub canary_weight: i64,
}

/// One variant as the control plane shows it.
#[derive(Debug, Clone, Default)]
pub struct VariantRollout {
    /// ECS service name.
    pub service: String,
    /// Deployments of the service, each with the image tag of its task definition.
    pub deployments: Vec<(DeploymentInfo, Option<String>)>,
    /// Targets registered in the variant's target group.
    pub targets: Vec<RegisteredTarget>,
}

/// What the gate read, after waiting.
#[derive(Debug, Clone, Default)]
pub struct Observed {
    /// Listener weights (stable, canary).
    pub weights: (i64, i64),
    /// Stable.
    pub stable: VariantRollout,
    /// Canary.
    pub canary: VariantRollout,
    /// Seconds spent waiting for the rollout and the targets to settle.
    pub waited_s: f64,
}

/// Findings of one variant: (failures, still-settling notes).
fn variant_findings(
    label: &str,
    v: &VariantRollout,
    tag: &str,
    weight: i64,
) -> (Vec<String>, Vec<String>) {
    let (mut fail, mut pending) = (Vec::new(), Vec::new());
    for (d, _) in &v.deployments {
        if d.rollout_state.as_deref() == Some(ROLLOUT_FAILED) {
            fail.push(format!(
                "{label} service {}: deployment of {} FAILED (ECS circuit breaker)",
                v.service, d.task_definition
            ));
        }
    }
    match v.deployments.iter().find(|(d, _)| d.status == PRIMARY) {
        None => fail.push(format!(
            "{label} service {}: no PRIMARY deployment",
            v.service
        )),
        Some((d, primary_tag)) => {
            if primary_tag.as_deref() != Some(tag) {
                fail.push(format!(
                    "{label} service {} runs image tag {} but {tag} was requested \
                     (rolled back or not deployed)",
                    v.service,
                    primary_tag.as_deref().unwrap_or("(none)")
                ));
            } else if d.rollout_state.as_deref() == Some(ROLLOUT_IN_PROGRESS) {
                pending.push(format!(
                    "{label} service {}: deployment of {tag} still IN_PROGRESS",
                    v.service
                ));
            }
        }
    }
    if weight > 0 {
        let unhealthy: Vec<String> = v
            .targets
            .iter()
            .filter(|t| t.state != HEALTHY)
            .map(|t| format!("{} ({})", t.id, t.state))
            .collect();
        if v.targets.is_empty() {
            pending.push(format!(
                "{label} has weight {weight} but no registered target"
            ));
        } else if !unhealthy.is_empty() {
            pending.push(format!(
                "{label} targets not healthy: {}",
                unhealthy.join(", ")
            ));
        }
    }
    (fail, pending)
}

/// Whether everything that can still change has settled (the gate stops waiting).
pub fn settled(req: &Requested, obs: &Observed) -> bool {
    let s = variant_findings("stable", &obs.stable, &req.stable_tag, req.stable_weight);
    let c = variant_findings("canary", &obs.canary, &req.canary_tag, req.canary_weight);
    // A failure will not heal by waiting; pending notes might.
    !s.0.is_empty() || !c.0.is_empty() || (s.1.is_empty() && c.1.is_empty())
}

/// The `rollout` check.
pub fn judge(req: &Requested, obs: &Observed) -> CheckResult {
    let mut failures = Vec::new();
    let mut pending = Vec::new();
    if obs.weights != (req.stable_weight, req.canary_weight) {
        failures.push(format!(
            "listener weights are {}/{} but {}/{} was requested",
            obs.weights.0, obs.weights.1, req.stable_weight, req.canary_weight
        ));
    }
    for (label, v, tag, w) in [
        ("stable", &obs.stable, &req.stable_tag, req.stable_weight),
        ("canary", &obs.canary, &req.canary_tag, req.canary_weight),
    ] {
        let (f, p) = variant_findings(label, v, tag, w);
        failures.extend(f);
        pending.extend(p);
    }
    let (verdict, summary) = if !failures.is_empty() {
        (Verdict::Fail, failures.join("; "))
    } else if !pending.is_empty() {
        (
            Verdict::Inconclusive,
            format!(
                "not settled after {:.0} s: {}",
                obs.waited_s,
                pending.join("; ")
            ),
        )
    } else {
        (
            Verdict::Pass,
            format!(
                "listener at {}/{}; stable runs {}, canary runs {}; every routed target \
                 healthy (settled after {:.0} s)",
                req.stable_weight, req.canary_weight, req.stable_tag, req.canary_tag, obs.waited_s
            ),
        )
    };
    CheckResult {
        name: "rollout".into(),
        verdict,
        summary,
        warnings: Vec::new(),
        evidence: Evidence::None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dep(status: &str, state: &str, td: &str) -> DeploymentInfo {
        DeploymentInfo {
            status: status.into(),
            rollout_state: Some(state.into()),
            desired: 1,
            running: 1,
            pending: 0,
            task_definition: td.into(),
        }
    }

    fn target(id: &str, state: &str) -> RegisteredTarget {
        RegisteredTarget {
            id: id.into(),
            port: Some(80),
            state: state.into(),
        }
    }

    fn healthy_variant(service: &str, tag: &str) -> VariantRollout {
        VariantRollout {
            service: service.into(),
            deployments: vec![(dep("PRIMARY", "COMPLETED", "td:2"), Some(tag.into()))],
            targets: vec![target("10.0.0.1", "healthy")],
        }
    }

    fn requested() -> Requested {
        Requested {
            stable_tag: "v1".into(),
            canary_tag: "v2".into(),
            stable_weight: 90,
            canary_weight: 10,
        }
    }

    fn healthy() -> Observed {
        Observed {
            weights: (90, 10),
            stable: healthy_variant("app-stable", "v1"),
            canary: healthy_variant("app-canary", "v2"),
            waited_s: 3.0,
        }
    }

    #[test]
    fn a_healthy_rollout_passes() {
        let c = judge(&requested(), &healthy());
        assert_eq!(c.verdict, Verdict::Pass, "{}", c.summary);
        assert!(settled(&requested(), &healthy()));
    }

    /// After a circuit-breaker rollback ECS lists the failed deployment and makes the
    /// previous task definition PRIMARY again: both facts fail the gate, with reasons.
    #[test]
    fn a_circuit_breaker_rollback_fails_naming_it() {
        let mut obs = healthy();
        obs.canary.deployments = vec![
            (dep("PRIMARY", "COMPLETED", "td:1"), Some("v1".into())),
            (dep("ACTIVE", "FAILED", "td:2"), Some("v2".into())),
        ];
        let c = judge(&requested(), &obs);
        assert_eq!(c.verdict, Verdict::Fail);
        assert!(
            c.summary.contains("FAILED (ECS circuit breaker)"),
            "{}",
            c.summary
        );
        assert!(
            c.summary.contains("runs image tag v1 but v2"),
            "{}",
            c.summary
        );
        assert!(
            settled(&requested(), &obs),
            "a failure does not heal by waiting"
        );
    }

    #[test]
    fn weights_not_applied_fail() {
        let mut obs = healthy();
        obs.weights = (100, 0);
        let c = judge(&requested(), &obs);
        assert_eq!(c.verdict, Verdict::Fail);
        assert!(c.summary.contains("100/0 but 90/10"), "{}", c.summary);
    }

    #[test]
    fn unhealthy_or_missing_targets_are_not_settled() {
        let mut obs = healthy();
        obs.canary.targets = vec![target("10.0.0.2", "initial")];
        assert!(!settled(&requested(), &obs));
        let c = judge(&requested(), &obs);
        assert_eq!(c.verdict, Verdict::Inconclusive);
        assert!(c.summary.contains("10.0.0.2 (initial)"), "{}", c.summary);
        obs.canary.targets.clear();
        assert_eq!(judge(&requested(), &obs).verdict, Verdict::Inconclusive);
        // At canary weight 0 the canary's targets do not matter (scale judges them).
        let mut req = requested();
        req.stable_weight = 100;
        req.canary_weight = 0;
        obs.weights = (100, 0);
        assert_eq!(judge(&req, &obs).verdict, Verdict::Pass);
    }

    #[test]
    fn a_rollout_in_progress_is_inconclusive() {
        let mut obs = healthy();
        obs.canary.deployments = vec![(dep("PRIMARY", "IN_PROGRESS", "td:2"), Some("v2".into()))];
        assert!(!settled(&requested(), &obs));
        assert_eq!(judge(&requested(), &obs).verdict, Verdict::Inconclusive);
    }

    /// moto only ever reports COMPLETED / IN_PROGRESS, so the rolled-back path is fed
    /// from SDK fixtures: ECS's own `Deployment` shapes, mapped by the reader's code.
    #[test]
    fn sdk_deployments_of_a_rollback_fail_the_gate() {
        use aws_sdk_ecs::types::{Deployment, DeploymentRolloutState};
        let sdk = [
            Deployment::builder()
                .status("PRIMARY")
                .rollout_state(DeploymentRolloutState::InProgress)
                .task_definition("arn:aws:ecs:eu-west-1:1:task-definition/app-canary:7")
                .desired_count(1)
                .build(),
            Deployment::builder()
                .status("ACTIVE")
                .rollout_state(DeploymentRolloutState::Failed)
                .rollout_state_reason("ECS deployment circuit breaker: tasks failed to start.")
                .task_definition("arn:aws:ecs:eu-west-1:1:task-definition/app-canary:8")
                .build(),
        ];
        let mut obs = healthy();
        obs.canary.deployments = sdk
            .iter()
            .map(crate::aws::deployment_info)
            .zip([Some("v1".to_string()), Some("v2".to_string())])
            .collect();
        let c = judge(&requested(), &obs);
        assert_eq!(c.verdict, Verdict::Fail);
        assert!(c.summary.contains("app-canary:8 FAILED"), "{}", c.summary);
    }

    #[test]
    fn no_primary_deployment_fails() {
        let mut obs = healthy();
        obs.stable.deployments.clear();
        assert_eq!(judge(&requested(), &obs).verdict, Verdict::Fail);
    }
}
