//! `harness local --promotion-flow`: a whole promotion on one twin, the way
//! deploy-canary.yml and `terraform apply` run it, with `harness gate`'s decision after
//! every step ([`plan::steps`]): 100/0 on v1, a canary v2 at 90/10, 50/50, v2 promoted
//! to stable at 100/0. Each step changes the twin as a deployment does (new task
//! definition and containers for a new release, the listener's weights at once and
//! the edge's after [`EDGE_LAG`]) and then runs the gate ([`crate::gate::decide`])
//! with `--changed-at` the moment the listener changed. When the gate says roll back,
//! the flow does what deploy-canary does (all traffic to stable on its previous
//! release, canary to zero, the injected fault undone with the step) and runs the
//! gate at 100/0 again, which must say go; then it stops.
//!
//! `--fault NAME --at-step N` injects one fault as part of step N's change
//! ([`plan::INJECTABLE`]). Exit 0 when every decision is the right one (GO on
//! healthy steps and after a rollback, ROLL BACK on the faulted step), else 1.

pub mod plan;

use std::time::{Duration, Instant};

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::cli::{LocalArgs, VerifyArgs};
use crate::error::{Error, Result};
use crate::gate::{self, Requested};
use crate::outcome::Outcome;

use crate::twin::edge::nginx::Variant;
use crate::twin::host::prereq;
use crate::twin::lifecycle::access::merge_verify_args;
use crate::twin::lifecycle::{Rollout, Twin, TwinOptions};
use crate::twin::spec::fault::Fault;
use crate::twin::spec::{
    DEFAULT_CANARY_REPLICAS, DEFAULT_STABLE_REPLICAS, TwinSpec, WafMode, Weights,
};
use crate::twin::targets::image_for_twin;
use plan::{Injection, Step, StepReport};

/// Time between the listener's change and the edge's (as ALB nodes follow a
/// ModifyListener on their own schedule).
pub const EDGE_LAG: Duration = Duration::from_secs(2);
/// `--settle` of each gate run unless the user gives one: longer than [`EDGE_LAG`]
/// plus nginx's reload (milliseconds; [`apply`] returns only once no worker of the old
/// weights is left), so sampling starts after the edge moved.
pub const SETTLE_S: u64 = 3;
/// Longest wait of each gate run for the rollout (the twin's is done at once).
pub const ROLLOUT_TIMEOUT: Duration = Duration::from_secs(60);

/// What a finished flow decided.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Flow {
    /// One report per gate run, in order (the rollback's labelled `rollback`).
    pub reports: Vec<StepReport>,
    /// The wrong decisions ([`plan::wrong`]); empty when every one was right.
    pub wrong: Vec<String>,
}

impl Flow {
    /// 0 when every decision was the right one, else 1.
    pub fn outcome(&self) -> Outcome {
        Outcome::with_code(if self.wrong.is_empty() {
            crate::exit::EXIT_OK
        } else {
            crate::exit::EXIT_CHECK_FAILED
        })
    }
}

/// `harness local --promotion-flow` ([`crate::cmd::local`]): the whole flow, with
/// every gate run's report.
pub async fn run_flow(args: LocalArgs) -> Result<Flow> {
    let inj = plan::injection(&args.faults, args.at_step)?;
    prereq::check().await?;
    let say = |msg: &str| {
        if !args.verify.quiet {
            eprintln!("promotion: {msg}");
        }
    };
    let image = image_for_twin().await?;
    let first = &plan::steps()[0];
    let mut spec = TwinSpec::healthy(first.weights, image);
    spec.stable.release = first.stable_release.into();
    spec.canary.release = first.canary_release.into();
    say(&format!(
        "bringing the twin up ({}, stable {}, canary at zero){}",
        first.weights,
        first.stable_release,
        inj.map(|i| format!("; {} at step {}", i.fault, i.step))
            .unwrap_or_default()
    ));
    let started = Instant::now();
    let mut twin = tokio::select! {
        t = Twin::start_with(spec, TwinOptions::default()) => t?,
        _ = tokio::signal::ctrl_c() => {
            return Err(Error::Runtime("interrupted (Ctrl-C); the twin was torn down".into()));
        }
    };
    say(&format!(
        "twin up in {:.1} s at {}",
        started.elapsed().as_secs_f64(),
        twin.url()
    ));
    let result = tokio::select! {
        r = flow(&mut twin, &args.verify, inj) => r,
        _ = tokio::signal::ctrl_c() => Err(Error::Runtime("interrupted (Ctrl-C)".into())),
    };
    let stopped = twin.stop().await;
    let flow = result?;
    stopped?;
    Ok(flow)
}

async fn flow(twin: &mut Twin, user: &VerifyArgs, inj: Option<Injection>) -> Result<Flow> {
    let mut reports = Vec::new();
    let mut stable_release = plan::FROM_RELEASE;
    for step in plan::steps() {
        let fault = inj.filter(|i| i.step == step.number).map(|i| i.fault);
        let changed_at = apply(twin, &step, fault, EDGE_LAG).await?;
        let report = judge(
            twin,
            user,
            step.number.to_string(),
            &step,
            changed_at,
            fault.is_none(),
        )
        .await?;
        let go = report.go;
        reports.push(report);
        if go {
            stable_release = step.stable_release;
            continue;
        }
        let changed_at = roll_back(twin, stable_release, fault).await?;
        let back = Step {
            number: step.number,
            name: "rollback",
            weights: Weights {
                stable: 100,
                canary: 0,
            },
            stable_release,
            canary_release: step.canary_release,
        };
        reports.push(judge(twin, user, "rollback".into(), &back, changed_at, true).await?);
        break;
    }
    let wrong = plan::wrong(&reports, inj);
    if wrong.is_empty() {
        println!("promotion flow: every gate decision was the right one (exit 0)");
    }
    for w in &wrong {
        println!("promotion flow: wrong decision: {w}");
    }
    Ok(Flow { reports, wrong })
}

/// Runs the gate for `step` and prints its line.
async fn judge(
    twin: &Twin,
    user: &VerifyArgs,
    label: String,
    step: &Step,
    changed_at: OffsetDateTime,
    expect_go: bool,
) -> Result<StepReport> {
    let mut args = merge_verify_args(twin.verify_args(), user);
    args.changed_at = Some(
        changed_at
            .format(&Rfc3339)
            .map_err(|e| Error::failed("formatting --changed-at", e))?,
    );
    args.settle = user.settle.or(Some(SETTLE_S));
    let req = Requested {
        stable_tag: step.stable_release.into(),
        canary_tag: step.canary_release.into(),
        stable_weight: step.weights.stable.into(),
        canary_weight: step.weights.canary.into(),
    };
    let decision = gate::decide(args, &req, ROLLOUT_TIMEOUT).await?;
    let report = StepReport {
        label,
        weights: step.weights,
        tags: (req.stable_tag, req.canary_tag),
        decision: decision.line(),
        exit: decision.outcome.exit_code(),
        go: decision.go(),
        expect_go,
    };
    println!("{}", report.line());
    Ok(report)
}

fn rollout(release: &str, replicas: u32, error_rate: f64) -> Rollout {
    Rollout {
        release: release.into(),
        replicas,
        error_rate,
    }
}

/// Applies `step` (with `fault`, if injected there) to the twin as a deployment does:
/// new containers for a new release, the listener's weights at once and the edge's
/// after `edge_lag`, the canary scaled to zero at weight 0. Returns when the listener
/// changed; the edge carries the step's weights when this returns.
pub async fn apply(
    twin: &mut Twin,
    step: &Step,
    fault: Option<Fault>,
    edge_lag: Duration,
) -> Result<OffsetDateTime> {
    let spec = twin.spec();
    if fault == Some(Fault::WafOff) {
        twin.set_waf(WafMode::DetectionOnly).await?;
    }
    let error_rate = if fault == Some(Fault::CanaryErrors) {
        crate::twin::spec::CANARY_ERROR_RATE
    } else {
        0.0
    };
    if step.stable_release != spec.stable.release {
        let to = rollout(step.stable_release, DEFAULT_STABLE_REPLICAS, 0.0);
        twin.roll_variant(Variant::Stable, &to).await?;
    }
    let canary_on = step.weights.canary > 0;
    let canary_changes = step.canary_release != spec.canary.release
        || (canary_on && spec.canary.replicas == 0)
        || error_rate != spec.canary.error_rate;
    if canary_on && canary_changes {
        let to = rollout(step.canary_release, DEFAULT_CANARY_REPLICAS, error_rate);
        twin.roll_variant(Variant::Canary, &to).await?;
    }
    let edge = if fault == Some(Fault::CanaryStarved) {
        Weights {
            stable: step.weights.stable + step.weights.canary,
            canary: 0,
        }
    } else {
        step.weights
    };
    let changed_at = OffsetDateTime::now_utc();
    if (spec.stable.listener_weight, spec.canary.listener_weight)
        != (step.weights.stable, step.weights.canary)
        || edge != step.weights
    {
        twin.set_planes(step.weights, edge, edge_lag).await?;
    }
    if !canary_on && twin.spec().canary.replicas > 0 {
        let to = rollout(step.canary_release, 0, 0.0);
        twin.roll_variant(Variant::Canary, &to).await?;
    }
    Ok(changed_at)
}

/// deploy-canary's rollback: stable back on `stable_release`, all traffic to it, the
/// canary to zero, and the injected fault undone with the step that brought it.
async fn roll_back(
    twin: &mut Twin,
    stable_release: &str,
    fault: Option<Fault>,
) -> Result<OffsetDateTime> {
    if fault == Some(Fault::WafOff) {
        twin.set_waf(WafMode::Blocking).await?;
    }
    let spec = twin.spec();
    if spec.stable.release != stable_release {
        let to = rollout(stable_release, DEFAULT_STABLE_REPLICAS, 0.0);
        twin.roll_variant(Variant::Stable, &to).await?;
    }
    let all_stable = Weights {
        stable: 100,
        canary: 0,
    };
    let changed_at = OffsetDateTime::now_utc();
    twin.set_weights(all_stable, EDGE_LAG).await?;
    if spec.canary.replicas > 0 {
        let to = rollout(&spec.canary.release, 0, 0.0);
        twin.roll_variant(Variant::Canary, &to).await?;
    }
    Ok(changed_at)
}
