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
//!   least one (ECS "stable" only means tasks RUNNING, not that the ALB routes to them);
//! - the registered targets of a variant with weight > 0 are exactly its running tasks'
//!   addresses ([`super::targets`]: stale target FAIL, missing target INCONCLUSIVE
//!   while waiting and FAIL after the timeout).
//!
//! Pure: the I/O (reads, waiting) is in [`super`].

use super::targets;
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
    /// Private IPv4 addresses of the service's RUNNING tasks (empty when the control
    /// plane reports none).
    pub task_ips: Vec<String>,
    /// The service's `runningCount`.
    pub running: i64,
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
    /// Whether the wait ended at the rollout timeout (what is still missing fails).
    pub timed_out: bool,
}

/// Findings of one variant: (failures, still-settling notes, summary notes). Missing
/// targets are failures once `timed_out`, still settling before.
fn variant_findings(
    label: &str,
    v: &VariantRollout,
    tag: &str,
    weight: i64,
    timed_out: bool,
) -> (Vec<String>, Vec<String>, Vec<String>) {
    let (mut fail, mut pending, mut notes) = (Vec::new(), Vec::new(), Vec::new());
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
        let t = targets::compare(label, v);
        fail.extend(t.fail);
        if timed_out {
            fail.extend(t.missing);
        } else {
            pending.extend(t.missing);
        }
        notes.extend(t.notes);
    }
    (fail, pending, notes)
}

/// Whether everything that can still change has settled (the gate stops waiting).
pub fn settled(req: &Requested, obs: &Observed) -> bool {
    let s = variant_findings(
        "stable",
        &obs.stable,
        &req.stable_tag,
        req.stable_weight,
        false,
    );
    let c = variant_findings(
        "canary",
        &obs.canary,
        &req.canary_tag,
        req.canary_weight,
        false,
    );
    // A failure will not heal by waiting; pending notes might.
    !s.0.is_empty() || !c.0.is_empty() || (s.1.is_empty() && c.1.is_empty())
}

/// The `rollout` check.
pub fn judge(req: &Requested, obs: &Observed) -> CheckResult {
    let mut failures = Vec::new();
    let mut pending = Vec::new();
    let mut notes = Vec::new();
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
        let (f, p, n) = variant_findings(label, v, tag, w, obs.timed_out);
        failures.extend(f);
        pending.extend(p);
        notes.extend(n);
    }
    let (verdict, mut summary) = if !failures.is_empty() {
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
                 healthy and every routed target a running task (settled after {:.0} s)",
                req.stable_weight, req.canary_weight, req.stable_tag, req.canary_tag, obs.waited_s
            ),
        )
    };
    if !notes.is_empty() {
        summary = format!("{summary}; {}", notes.join("; "));
    }
    CheckResult {
        name: "rollout".into(),
        verdict,
        summary,
        warnings: notes,
        evidence: Evidence::None,
    }
}

#[cfg(test)]
#[path = "rollout_tests.rs"]
mod tests;
