//! The post-deploy gate (`harness gate`, whose command is [`crate::cmd::gate`]) the
//! canary workflow runs after `terraform apply` (through `action.yml`). It decides go / roll back from what was *requested*
//! (weights and image tags), not only from what the control plane says now:
//!
//! 1. read what was requested ([`requested`]: flags, else `--tf-outputs`);
//! 2. wait (up to `--rollout-timeout`) until the ECS rollouts are done and every target
//!    of a variant with weight > 0 is healthy, polling the control plane;
//! 3. judge the `rollout` check ([`rollout`]: weights applied, no FAILED deployment, the
//!    PRIMARY deployment runs the requested tag, targets healthy);
//! 4. run `harness verify` (passing `--changed-at` through) with the rollout check in
//!    its report and the requested tags as the releases each variant must answer with.
//!
//! Exit 0 means go; any other code means roll back (1 a check failed, 2 bad input,
//! 3 not enough evidence, 4 an error stopped a check).

pub mod requested;
pub mod rollout;
pub mod targets;
pub mod tasks;

use std::time::{Duration, Instant};

use crate::aws::{self, Truth};
use crate::cli::VerifyArgs;
use crate::config;
use crate::endpoint::Endpoint;
use crate::error::{Error, Result};
use crate::outcome::Outcome;
use crate::result::RunResult;
use crate::verify::{self, Extra};

pub use rollout::Requested;
use rollout::{Observed, VariantRollout};

/// Pause between two reads of the control plane while waiting for the rollout.
pub const ROLLOUT_POLL: Duration = Duration::from_secs(5);

/// What one gate run decided.
#[derive(Debug, Clone)]
pub struct Decision {
    /// The verification run, the `rollout` check first.
    pub run: RunResult,
    /// Its exit code (0 = go).
    pub outcome: Outcome,
    /// `NAME VERDICT` of every check that did not pass (NOT_APPLICABLE included only
    /// when it is not exit 0, which it never is).
    pub failing: Vec<String>,
}

impl Decision {
    /// Whether the gate says go: exit 0 and no check with a non-zero exit.
    pub fn go(&self) -> bool {
        self.failing.is_empty() && self.outcome.exit_code() == crate::exit::EXIT_OK
    }

    /// `GO (exit 0)` or `ROLL BACK (exit N): check VERDICT, ...`.
    pub fn line(&self) -> String {
        if self.go() {
            "GO (exit 0)".to_string()
        } else {
            format!(
                "ROLL BACK (exit {}): {}",
                self.outcome.exit_code(),
                if self.failing.is_empty() {
                    "no applicable check".to_string()
                } else {
                    self.failing.join(", ")
                }
            )
        }
    }
}

/// The gate on a resolved request: waits up to `timeout` for the rollout, judges the
/// `rollout` check, and runs `verify` with the requested releases. Used by
/// `harness gate` and by the twin's promotion flow (`harness local --promotion-flow`).
pub async fn decide(verify: VerifyArgs, req: &Requested, timeout: Duration) -> Result<Decision> {
    let cfg = config::resolve(&verify)?;
    if !cfg.has_aws_target() {
        return Err(Error::Config(
            "gate: needs the AWS target (--tf-outputs of app-infra, or --listener-arn, \
             --cluster, --stable-service, --canary-service)"
                .into(),
        ));
    }
    let endpoint = Endpoint::new(
        &cfg.url,
        cfg.http_url.as_deref(),
        &cfg.resolve,
        cfg.ca_file.as_deref(),
    )?;
    let sdk = aws::load(&cfg.aws).await?;
    let truth_req = verify::truth_request(&cfg, &endpoint);
    let started = Instant::now();
    let obs = loop {
        let truth = aws::read_truth(&sdk, &truth_req).await?;
        let mut obs = observe(&sdk, &truth, &truth_req.cluster).await?;
        obs.waited_s = started.elapsed().as_secs_f64();
        if rollout::settled(req, &obs) {
            break obs;
        }
        if started.elapsed() + ROLLOUT_POLL > timeout {
            obs.timed_out = true;
            break obs;
        }
        if !cfg.quiet {
            eprintln!(
                "gate: waiting for the rollout ({:.0} s of {} s)",
                obs.waited_s,
                timeout.as_secs()
            );
        }
        tokio::time::sleep(ROLLOUT_POLL).await;
    };
    let check = rollout::judge(req, &obs);
    let extra = Extra {
        checks: vec![check],
        expected_releases: Some((req.stable_tag.clone(), req.canary_tag.clone())),
        gate_defaults: true,
    };
    let run = verify::run_with(verify, extra).await?;
    let failing: Vec<String> = run
        .checks
        .iter()
        .filter(|c| c.verdict.exit_code() != crate::exit::EXIT_OK)
        .map(|c| format!("{} {}", c.name, c.verdict))
        .collect();
    let outcome = Outcome::from_run(&run);
    Ok(Decision {
        run,
        outcome,
        failing,
    })
}

/// One read of what the gate judges: weights, deployments with their image tags, the
/// targets registered in each variant's target groups and its running tasks' addresses.
async fn observe(sdk: &aws_config::SdkConfig, truth: &Truth, cluster: &str) -> Result<Observed> {
    let ecs = aws_sdk_ecs::Client::new(sdk);
    let elb = aws_sdk_elasticloadbalancingv2::Client::new(sdk);
    let mut variants = Vec::new();
    for svc in [&truth.stable, &truth.canary] {
        let mut deployments = Vec::new();
        for d in &svc.deployments {
            let tag = if d.task_definition == svc.task_definition {
                svc.image_tag.clone()
            } else {
                aws::task_image_tag(&ecs, &d.task_definition).await?
            };
            deployments.push((d.clone(), tag));
        }
        let mut targets = Vec::new();
        for tg in &svc.target_group_arns {
            targets.extend(aws::registered_targets(&elb, tg).await?);
        }
        variants.push(VariantRollout {
            service: svc.name.clone(),
            deployments,
            targets,
            task_ips: tasks::running_task_ips(&ecs, cluster, &svc.name).await?,
            running: svc.running,
        });
    }
    let canary = variants.pop().unwrap_or_default();
    let stable = variants.pop().unwrap_or_default();
    Ok(Observed {
        weights: (truth.stable_weight, truth.canary_weight),
        stable,
        canary,
        waited_s: 0.0,
        timed_out: false,
    })
}
