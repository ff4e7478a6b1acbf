//! Fixtures and tests of the `rollout` check ([`super`]), kept apart so the check
//! itself stays short.

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
        task_ips: vec!["10.0.0.1".into()],
        running: 1,
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
        timed_out: false,
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
    obs.canary.task_ips = vec!["10.0.0.2".into()];
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

/// Target-group verification: a stale target fails at once; a missing one is
/// waited for and fails only once the rollout timeout is over.
#[test]
fn stale_targets_fail_and_missing_ones_fail_after_the_timeout() {
    let mut obs = healthy();
    obs.canary.targets.push(target("10.255.255.1", "healthy"));
    assert!(settled(&requested(), &obs), "a stale target does not heal");
    let c = judge(&requested(), &obs);
    assert_eq!(c.verdict, Verdict::Fail);
    assert!(
        c.summary.contains("stale target 10.255.255.1"),
        "{}",
        c.summary
    );

    let mut obs = healthy();
    obs.stable.task_ips.push("10.0.0.7".into());
    assert!(!settled(&requested(), &obs));
    let c = judge(&requested(), &obs);
    assert_eq!(c.verdict, Verdict::Inconclusive);
    assert!(
        c.summary.contains("missing target 10.0.0.7"),
        "{}",
        c.summary
    );
    obs.timed_out = true;
    assert_eq!(judge(&requested(), &obs).verdict, Verdict::Fail);

    // Without task addresses the summary says the comparison was not made.
    let mut obs = healthy();
    obs.canary.task_ips.clear();
    let c = judge(&requested(), &obs);
    assert_eq!(c.verdict, Verdict::Pass, "{}", c.summary);
    assert!(c.summary.contains("compared by count"), "{}", c.summary);
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
