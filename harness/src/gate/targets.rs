//! Target-group verification of the `rollout` check, as Argo Rollouts' AWS Load
//! Balancer verification does at every weight: the targets registered in a routed
//! variant's target group must be exactly the addresses of its RUNNING tasks. In
//! app-infra a registrar Lambda (not ECS) registers task IPs, so the two can drift:
//!
//! - a registered target that is no running task is a *stale target*: the ALB sends
//!   that variant's share to an address nothing of the release serves → FAIL;
//! - a running task that is not registered is a *missing target*: the release runs
//!   but gets no traffic yet → INCONCLUSIVE while the gate waits, FAIL after the
//!   rollout timeout (the registrar never caught up).
//!
//! Targets in state `draining` are being deregistered and take no new connections;
//! they are left out of both comparisons.
//!
//! When the control plane reports no task address for a service (moto's ECS is a
//! store: services launch no tasks, and `ListTasks` ignores `serviceName`; see
//! [`super::tasks`] for why the twin cannot report its containers' addresses), the
//! address comparison cannot be made and the summary says so ("compared by count: the
//! endpoint reports no task addresses"). What can still be
//! compared is the count: more live registered targets than the service's
//! `runningCount` means at least one registered target is no running task, so it
//! fails naming the registered targets it could not match.
//!
//! Pure: the reads are in [`super`].

use super::rollout::VariantRollout;

/// Target health state of a target being deregistered.
pub const DRAINING: &str = "draining";

/// What the comparison found for one variant.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TargetFindings {
    /// Failures that waiting will not heal (stale targets).
    pub fail: Vec<String>,
    /// Running tasks not registered yet (INCONCLUSIVE while waiting, FAIL after).
    pub missing: Vec<String>,
    /// Notes for the summary (comparison not applicable and why).
    pub notes: Vec<String>,
}

/// Compares the live registered targets of `v` with its running tasks. Only called for
/// a variant with weight > 0.
pub fn compare(label: &str, v: &VariantRollout) -> TargetFindings {
    let mut out = TargetFindings::default();
    let live: Vec<&str> = v
        .targets
        .iter()
        .filter(|t| t.state != DRAINING)
        .map(|t| t.id.as_str())
        .collect();
    if v.task_ips.is_empty() {
        out.notes.push(format!(
            "{label} service {}: compared by count: the endpoint reports no task addresses",
            v.service
        ));
        if i64::try_from(live.len()).unwrap_or(i64::MAX) > v.running {
            out.fail.push(format!(
                "{label}: {} live targets registered ({}) but service {} runs {} task(s): \
                 stale target among them",
                live.len(),
                live.join(", "),
                v.service,
                v.running
            ));
        }
        return out;
    }
    for ip in &live {
        if !v.task_ips.iter().any(|t| t == ip) {
            out.fail.push(format!(
                "{label}: stale target {ip} (registered, no running task of {} has it)",
                v.service
            ));
        }
    }
    for ip in &v.task_ips {
        if !live.contains(&ip.as_str()) {
            out.missing.push(format!(
                "{label}: missing target {ip} (running task of {} not registered)",
                v.service
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aws::RegisteredTarget;

    fn variant(targets: &[(&str, &str)], tasks: &[&str], running: i64) -> VariantRollout {
        VariantRollout {
            service: "app-canary".into(),
            targets: targets
                .iter()
                .map(|(id, state)| RegisteredTarget {
                    id: (*id).into(),
                    port: Some(80),
                    state: (*state).into(),
                })
                .collect(),
            task_ips: tasks.iter().map(|s| (*s).into()).collect(),
            running,
            ..VariantRollout::default()
        }
    }

    #[test]
    fn targets_equal_to_tasks_match() {
        let v = variant(
            &[("10.0.0.1", "healthy"), ("10.0.0.2", "healthy")],
            &["10.0.0.2", "10.0.0.1"],
            2,
        );
        assert_eq!(compare("canary", &v), TargetFindings::default());
    }

    #[test]
    fn a_target_no_task_runs_is_stale() {
        let v = variant(
            &[("10.0.0.1", "healthy"), ("10.255.255.1", "healthy")],
            &["10.0.0.1"],
            1,
        );
        let f = compare("canary", &v);
        assert_eq!(f.fail.len(), 1, "{f:?}");
        assert!(f.fail[0].contains("stale target 10.255.255.1"), "{f:?}");
        assert!(f.missing.is_empty());
    }

    #[test]
    fn a_task_not_registered_is_missing() {
        let v = variant(&[("10.0.0.1", "healthy")], &["10.0.0.1", "10.0.0.9"], 2);
        let f = compare("canary", &v);
        assert!(f.fail.is_empty(), "{f:?}");
        assert_eq!(f.missing.len(), 1);
        assert!(f.missing[0].contains("missing target 10.0.0.9"), "{f:?}");
    }

    #[test]
    fn draining_targets_are_left_out() {
        let v = variant(
            &[("10.0.0.1", "healthy"), ("10.0.0.5", "draining")],
            &["10.0.0.1"],
            1,
        );
        assert_eq!(compare("canary", &v), TargetFindings::default());
        let v = variant(&[("10.0.0.5", "draining")], &[], 0);
        assert!(compare("canary", &v).fail.is_empty());
    }

    /// Without task addresses only the count can be compared, and the summary says the
    /// address comparison was not made.
    #[test]
    fn without_task_addresses_only_an_excess_of_targets_fails() {
        let ok = variant(&[("127.0.0.1", "healthy")], &[], 1);
        let f = compare("canary", &ok);
        assert!(f.fail.is_empty() && f.missing.is_empty(), "{f:?}");
        assert!(
            f.notes[0].contains("compared by count: the endpoint reports no task addresses"),
            "{f:?}"
        );
        let stale = variant(
            &[("127.0.0.1", "healthy"), ("10.255.255.1", "healthy")],
            &[],
            1,
        );
        let f = compare("canary", &stale);
        assert_eq!(f.fail.len(), 1, "{f:?}");
        assert!(f.fail[0].contains("10.255.255.1"), "{f:?}");
        assert!(f.fail[0].contains("runs 1 task"), "{f:?}");
    }
}
