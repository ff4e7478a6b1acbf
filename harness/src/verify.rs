//! `harness verify`: merge inputs, read the configured truth from AWS, sample, run the
//! checks, write the reports. The orchestration edge; the decisions live in `checks`.
//!
//! Exit-code policy (see [`crate::exit`]): configuration problems (flags, files,
//! weights, unknown ARNs, split config rejected by the monitor) are [`Error::Config`]
//! → 2 before any traffic is sent; an AWS read failing after retries before sampling
//! → 4; a target that answered not a single request → [`Error::Unreachable`] → 4.
//! Once traffic has been sampled nothing gathered is lost: a check whose read or probe
//! fails becomes an ERROR check ([`errored`]), the report is written with every check
//! that completed, and the worst check verdict decides (0 PASS, 1 FAIL, 3
//! INCONCLUSIVE, 4 ERROR; [`crate::result::Verdict::exit_code`]). Responses without
//! attribution above [`MAX_UNATTRIBUTED_SHARE`] turn a PASS of a traffic check into
//! INCONCLUSIVE: they are never silently dropped.

mod drain;
mod errored;
mod listener;
pub mod plan;
mod posture;
mod release;
mod sampling;
mod security;

pub use plan::run as plan_only;

use std::time::Duration;

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::aws::{self, Truth, TruthRequest};
use crate::checks::{health, scale, split, tls, waf};
use crate::cli::VerifyArgs;
use crate::config::{self, CheckName, VerifyConfig};
use crate::endpoint::Endpoint;
use crate::error::{Error, Result};
use crate::result::{
    CheckResult, RunResult, RunSettings, SCHEMA_VERSION, SampleSummary, ShardSettings, Target,
};
use errored::errored;
use sampling::{guard_unattributed, sample_target};

/// Largest share of responses without `x-variant` that still lets a traffic check pass
/// (one threshold, owned by the statistics the checks decide with).
pub use crate::stats::MAX_UNATTRIBUTED_SHARE;
/// Batch size when no split monitor drives the looks.
const DEFAULT_BATCH: u64 = 500;
/// Tolerated excess of the canary 5xx rate over stable (absolute).
pub const HEALTH_ERROR_TOLERANCE: f64 = health::DEFAULT_ERROR_TOLERANCE;
/// Tolerated slowdown of the canary median latency (ms).
pub const HEALTH_LATENCY_TOLERANCE_MS: f64 = health::DEFAULT_LATENCY_TOLERANCE_MS;
/// Status app-infra's WAF rate rules answer with (`waf.tf` custom response, with
/// `x-waf-rule` naming the rule): a rate-limit block, never counted as an attack block
/// or a canary error.
pub const RATE_LIMIT_STATUS: &str = "429";
/// Status that counts as "blocked by the WAF" (ALB WAF's default block answer).
pub const WAF_BLOCK_STATUS: u16 = 403;
/// Required share of the attack corpus blocked.
pub const WAF_MIN_BLOCK_RATE: f64 = 0.95;

/// What a caller adds to a verification (the deploy gate, [`crate::gate`]).
#[derive(Debug, Clone, Default)]
pub struct Extra {
    /// Checks decided before the traffic checks (e.g. the gate's `rollout`), reported
    /// first and combined into the run's verdict.
    pub checks: Vec<CheckResult>,
    /// Releases (stable, canary) each variant must answer with in `x-release`, instead
    /// of the image tags of the services' current task definitions (which a
    /// circuit-breaker rollback has already turned back to the old release).
    pub expected_releases: Option<(String, String)>,
    /// The gate's default checks: when no check is named, leave out those that are
    /// not [`CheckName::in_gate_default`] (the waf-posture measurement).
    pub gate_defaults: bool,
}

/// Runs a verification and writes its reports.
pub async fn run(args: VerifyArgs) -> Result<RunResult> {
    run_with(args, Extra::default()).await
}

/// [`run`] with the gate's additions.
pub async fn run_with(args: VerifyArgs, extra: Extra) -> Result<RunResult> {
    let started_at = now();
    let mut cfg = config::resolve(&args)?;
    if extra.gate_defaults && !cfg.checks_named {
        cfg.checks.retain(|c| c.in_gate_default());
    }
    let endpoint = Endpoint::new(
        &cfg.url,
        cfg.http_url.as_deref(),
        &cfg.resolve,
        cfg.ca_file.as_deref(),
    )?;

    let sdk = if cfg.has_aws_target() || cfg.load_balancer_arn.is_some() {
        Some(aws::load(&cfg.aws).await?)
    } else {
        None
    };
    // Wait out the settle time first: the weights that count are the ones in force
    // once the change has reached every node.
    let settled = listener::settle(&cfg.extras, cfg.quiet).await;
    let truth_req = truth_request(&cfg, &endpoint);
    let truth = match (&sdk, cfg.has_aws_target()) {
        (Some(sdk), true) => Some(aws::read_truth(sdk, &truth_req).await?),
        _ => None,
    };

    // A shard judges its fixed share with the fixed-n test; the monitor still checks
    // the design of the whole plan (budget adequacy) before any traffic.
    let share = cfg.shard.map(|s| s.share(cfg.max_requests)).transpose()?;
    let split_cfg = truth.as_ref().map(|t| split::SplitConfig {
        stable_weight: t.stable_weight,
        canary_weight: t.canary_weight,
        alpha: cfg.alpha,
        margin: cfg.margin,
        leak_margin: cfg.leak_margin,
        max_requests: cfg.max_requests,
    });
    let mut monitor = match (&split_cfg, cfg.runs(CheckName::Split)) {
        (Some(c), true) => Some(split::SplitMonitor::new(c.clone())?),
        _ => None,
    };

    let mut checks = extra.checks;
    let needs_sample = [CheckName::Split, CheckName::Scale, CheckName::Health]
        .into_iter()
        .any(|c| cfg.runs(c));
    // Health plans its sample from the configured weights (when read) and budget.
    let weights = truth.as_ref().map(|t| (t.stable_weight, t.canary_weight));
    let health_cfg = health::config(cfg.alpha, weights, share.unwrap_or(cfg.max_requests));
    let plan = cfg.runs(CheckName::Health).then_some(&health_cfg);
    let summary = if needs_sample {
        match sample_target(&cfg, &endpoint, truth.as_ref(), monitor.as_mut(), plan).await {
            Ok(s) => Some(s),
            // A target no request reaches (e.g. an expired or wrong-host certificate) is
            // still judged by the probes: the traffic checks are ERROR with the reason,
            // TLS and WAF run, and the report is written. With no probe selected there
            // is nothing to judge: the run stops with exit 4 as before.
            Err(e @ Error::Unreachable(_))
                if cfg.runs(CheckName::Tls)
                    || cfg.runs(CheckName::Waf)
                    || cfg.runs(CheckName::WafPosture) =>
            {
                for c in [CheckName::Split, CheckName::Scale, CheckName::Health] {
                    if cfg.runs(c) {
                        checks.push(errored::unable_to_sample(c.as_str(), &e));
                    }
                }
                None
            }
            Err(e) => return Err(e),
        }
    } else {
        None
    };

    if let (Some(summary), Some(monitor), Some(c)) = (&summary, monitor, &split_cfg) {
        let mut result = match (cfg.shard, share) {
            (Some(s), Some(n)) => {
                let scope =
                    format!("this shard's {n} requests (shard {s}; pool with harness merge)");
                split::fixed_n(
                    &split::SplitConfig {
                        max_requests: n,
                        ..c.clone()
                    },
                    summary,
                    &scope,
                )?
            }
            _ => monitor.finish(summary),
        };
        if let Some(t) = &truth {
            release::apply(&mut result, summary, t, extra.expected_releases.as_ref());
            result.warnings.extend(t.warnings.iter().cloned());
            if let Some(sdk) = &sdk {
                listener::recheck(&mut result, sdk, &truth_req, t, &cfg.extras.request).await;
            }
        }
        checks.push(result);
    }
    if cfg.runs(CheckName::Scale)
        && let (Some(sdk), Some(t), Some(s)) = (&sdk, &truth, &summary)
    {
        checks.push(match scale_check(&cfg, sdk, t, s).await {
            Ok(c) => c,
            Err(e) => errored("scale", &e),
        });
    }
    if let (Some(summary), true) = (&summary, cfg.runs(CheckName::Health)) {
        checks.push(health::evaluate(summary, &health_cfg));
    }
    if let Some(s) = &summary {
        for c in &mut checks {
            guard_unattributed(c, s);
        }
    }
    listener::record_settle(&mut checks, settled);
    if cfg.runs(CheckName::Tls) {
        let http_port = endpoint.http_url.port_or_known_default().unwrap_or(80);
        let (truth_tls, notes) = security::tls_truth(sdk.as_ref(), truth.as_ref(), http_port).await;
        let settings = tls::TlsSettings {
            min_cert_days: cfg.min_cert_days,
            require_hsts: cfg.require_hsts,
            hsts_min_max_age: cfg.hsts_min_max_age,
        };
        let mut c = tls::check(&endpoint, &settings, truth_tls.as_ref()).await;
        c.warnings.extend(notes);
        checks.push(c);
    }
    if cfg.runs(CheckName::Waf) {
        let settings = waf::WafSettings {
            block_status: WAF_BLOCK_STATUS,
            rps: cfg.rps,
            concurrency: cfg.concurrency,
            alpha: cfg.alpha,
            timeout: cfg.timeout,
            expect: waf::gate::AclExpect {
                name: cfg.web_acl_name.clone(),
                groups: cfg.web_acl_groups.clone(),
            },
        };
        let lookup = security::web_acl_lookup(&cfg, sdk.as_ref(), truth.as_ref()).await;
        checks.push(waf::check(&endpoint, &settings, lookup).await);
    }
    if cfg.runs(CheckName::WafPosture) {
        checks.push(posture::check(&cfg, &endpoint).await);
    }

    let result = RunResult {
        schema_version: SCHEMA_VERSION,
        harness_version: env!("CARGO_PKG_VERSION").to_string(),
        started_at,
        finished_at: now(),
        command: cfg.command_line(),
        target: Target {
            url: cfg.url.clone(),
            host: endpoint.host().to_string(),
            listener_arn: truth
                .as_ref()
                .map(|t| t.listener.listener_arn.clone())
                .or(cfg.listener_arn.clone()),
            cluster: cfg.cluster.clone(),
            stable_service: cfg.stable_service.clone(),
            canary_service: cfg.canary_service.clone(),
        },
        settings: RunSettings {
            alpha: cfg.alpha,
            margin: cfg.margin,
            max_requests: cfg.max_requests,
            concurrency: cfg.concurrency,
            rps: Some(cfg.rps),
            checks: cfg.checks.iter().map(|c| c.as_str().to_string()).collect(),
            shard: cfg.shard.zip(share).map(|(s, requests)| ShardSettings {
                index: s.index,
                count: s.count,
                planned_requests: cfg.max_requests,
                requests,
                weights: weights.map(|(a, b)| [a, b]),
                leak_margin: cfg.leak_margin,
            }),
        },
        verdict: RunResult::overall(&checks),
        sample: summary,
        checks,
    };
    let dir = crate::report::write_run(&result, &cfg.report_dir)?;
    print_summary(&result, &dir);
    Ok(result)
}

fn now() -> String {
    OffsetDateTime::now_utc()
        .format(&Rfc3339)
        .unwrap_or_else(|_| String::from("unknown"))
}

pub(crate) fn truth_request(cfg: &VerifyConfig, endpoint: &Endpoint) -> TruthRequest {
    TruthRequest {
        request: aws::RequestMatch::for_sample(&endpoint.url, &cfg.extras.request),
        listener_arn: cfg.listener_arn.clone(),
        load_balancer: cfg.load_balancer.clone(),
        listener_port: cfg.listener_port,
        cluster: cfg.cluster.clone().unwrap_or_default(),
        stable_service: cfg.stable_service.clone().unwrap_or_default(),
        canary_service: cfg.canary_service.clone().unwrap_or_default(),
        stable_target_group: cfg.extras.target_groups.stable.clone(),
        canary_target_group: cfg.extras.target_groups.canary.clone(),
    }
}

async fn scale_check(
    cfg: &VerifyConfig,
    sdk: &aws_config::SdkConfig,
    truth: &Truth,
    summary: &SampleSummary,
) -> Result<CheckResult> {
    let weight0 = truth.canary_weight == 0;
    let (cap, waited_s) = drain::read_capacity(
        sdk,
        cfg.cluster.as_deref().unwrap_or_default(),
        &truth.canary.name,
        &truth.canary_target_group,
        weight0,
        if weight0 {
            cfg.drain_timeout
        } else {
            Duration::ZERO
        },
    )
    .await?;
    Ok(scale::evaluate(&scale::ScaleInput {
        canary_weight: truth.canary_weight,
        desired: cap.desired,
        running: cap.running,
        pending: cap.pending,
        registered_targets: cap.registered_targets,
        canary_hits: summary.canary.responses,
        n: summary.attributed(),
        alpha: cfg.alpha,
        leak_margin: cfg.leak_margin,
        waited_s,
    }))
}

fn print_summary(result: &RunResult, dir: &std::path::Path) {
    eprint!("{}", crate::report::text::run_summary(result));
    eprintln!("  reports: {}", dir.display());
}

#[cfg(test)]
mod tests;
