//! Inputs of `harness verify`, merged and validated once: command-line flags win over
//! the `--config` TOML file, which wins over `--tf-outputs` (the JSON of
//! `terraform output -json` of app-infra), which wins over the defaults below. Every
//! problem is an [`Error::Config`] with a one-line message (exit 2).
//!
//! Relative paths in the TOML file are taken relative to the working directory.

use std::path::PathBuf;
use std::time::Duration;

use crate::aws::AwsOptions;
use crate::cli::VerifyArgs;
use crate::error::{Error, Result};
use crate::result::Shard;

mod command_line;
pub mod input;
mod posture_floors;
mod sources;
mod validate;

use input::Extras;
pub use posture_floors::PostureFloors;

use sources::{FileConfig, TfOutputs, read_tf_outputs, read_toml};
#[cfg(test)]
use sources::{parse_tf_outputs, parse_toml};

/// Significance level, margin and request budget: the split check's defaults.
pub use harness_core::checks::split::{
    DEFAULT_ALPHA, DEFAULT_LEAK_MARGIN, DEFAULT_MARGIN, DEFAULT_MAX_REQUESTS,
};
/// Default requests in flight: modest, this may be production.
pub const DEFAULT_CONCURRENCY: usize = 8;
/// Default rate cap in requests per second: modest, this may be production.
pub const DEFAULT_RPS: f64 = 200.0;
/// Default per-request timeout.
pub const DEFAULT_TIMEOUT_MS: u64 = 5_000;
/// Default minimum days before certificate expiry.
pub const DEFAULT_MIN_CERT_DAYS: i64 = 21;
/// Default wait for a weight-0 canary to drain.
pub const DEFAULT_DRAIN_TIMEOUT_S: u64 = 60;
/// Default report folder.
pub const DEFAULT_REPORT_DIR: &str = "reports";
/// Highest accepted concurrency.
pub const MAX_CONCURRENCY: usize = 1024;

/// A check `harness verify` can run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum CheckName {
    /// Observed split vs listener weights.
    Split,
    /// Scale-to-zero of a weight-0 canary (or capacity of a weighted one).
    Scale,
    /// Canary errors and latency vs stable.
    Health,
    /// Certificate, protocols, redirect, HSTS.
    Tls,
    /// WAF blocks attacks, passes benign traffic.
    Waf,
    /// WAF posture: block rate of the full attack corpus (report only by default).
    WafPosture,
}

impl CheckName {
    /// All checks in run order.
    pub const ALL: [CheckName; 6] = [
        CheckName::Split,
        CheckName::Scale,
        CheckName::Health,
        CheckName::Tls,
        CheckName::Waf,
        CheckName::WafPosture,
    ];

    /// Name as used on the command line and in reports.
    pub const fn as_str(self) -> &'static str {
        match self {
            CheckName::Split => "split",
            CheckName::Scale => "scale",
            CheckName::Health => "health",
            CheckName::Tls => "tls",
            CheckName::Waf => "waf",
            CheckName::WafPosture => "waf-posture",
        }
    }

    fn parse(s: &str) -> Result<Self> {
        CheckName::ALL
            .into_iter()
            .find(|c| c.as_str() == s.trim().to_ascii_lowercase())
            .ok_or_else(|| {
                Error::Config(format!(
                    "--checks: unknown check {s:?} (expected split, scale, health, tls, waf, waf-posture)"
                ))
            })
    }

    /// Whether `harness gate` runs the check when no check is named: the gate tier
    /// is the `waf` check; the posture measurement belongs to `verify` and `local`.
    pub fn in_gate_default(self) -> bool {
        self != CheckName::WafPosture
    }

    /// Whether the check needs the configured truth from AWS.
    pub fn needs_aws(self) -> bool {
        matches!(self, CheckName::Split | CheckName::Scale)
    }
}

/// Merged, validated inputs of a verification.
#[derive(Debug, Clone)]
pub struct VerifyConfig {
    /// HTTPS URL to sample.
    pub url: String,
    /// Plain-HTTP URL for the redirect probe.
    pub http_url: Option<String>,
    /// `HOST:PORT:ADDR` pins.
    pub resolve: Vec<String>,
    /// Private CA file.
    pub ca_file: Option<PathBuf>,
    /// Listener ARN.
    pub listener_arn: Option<String>,
    /// Load balancer ARN (from Terraform outputs; for the WebACL lookup).
    pub load_balancer_arn: Option<String>,
    /// Load balancer name (with `listener_port`).
    pub load_balancer: Option<String>,
    /// Listener port.
    pub listener_port: Option<u16>,
    /// ECS cluster.
    pub cluster: Option<String>,
    /// Stable service.
    pub stable_service: Option<String>,
    /// Canary service.
    pub canary_service: Option<String>,
    /// Checks to run, in run order.
    pub checks: Vec<CheckName>,
    /// Whether the checks were named (`--checks` or `checks` in `--config`).
    pub checks_named: bool,
    /// Opt-in floors of the waf-posture check.
    pub waf_floors: PostureFloors,
    /// Significance level.
    pub alpha: f64,
    /// Equivalence margin.
    pub margin: f64,
    /// Leak margin at weight 0 or 100.
    pub leak_margin: f64,
    /// Request budget.
    pub max_requests: u64,
    /// Requests in flight.
    pub concurrency: usize,
    /// Rate cap.
    pub rps: f64,
    /// Per-request timeout.
    pub timeout: Duration,
    /// Fresh connection per request.
    pub fresh_connections: bool,
    /// Minimum certificate days.
    pub min_cert_days: i64,
    /// Expected WebACL name (`--web-acl-name`).
    pub web_acl_name: Option<String>,
    /// Managed rule groups the WebACL must deploy (`--web-acl-group`, else Terraform's
    /// `waf_managed_rule_groups` output).
    pub web_acl_groups: Option<Vec<String>>,
    /// HSTS required.
    pub require_hsts: bool,
    /// Minimum HSTS max-age in seconds (implies HSTS required).
    pub hsts_min_max_age: Option<u64>,
    /// Wait for a weight-0 canary to drain.
    pub drain_timeout: Duration,
    /// How to reach AWS.
    pub aws: AwsOptions,
    /// Report folder.
    pub report_dir: PathBuf,
    /// No progress bar.
    pub quiet: bool,
    /// `--changed-at`/`--settle`, `--path`/`--header`.
    pub extras: Extras,
    /// This runner's shard (`--shard I/N`): a fixed share of `max_requests`, no early
    /// stop ([`harness_core::result::Shard`]).
    pub shard: Option<Shard>,
}

impl VerifyConfig {
    /// Whether enough AWS inputs were given to read the configured truth.
    pub fn has_aws_target(&self) -> bool {
        (self.listener_arn.is_some()
            || (self.load_balancer.is_some() && self.listener_port.is_some()))
            && self.cluster.is_some()
            && self.stable_service.is_some()
            && self.canary_service.is_some()
    }

    /// Whether `check` is selected.
    pub fn runs(&self, check: CheckName) -> bool {
        self.checks.contains(&check)
    }
}

/// Merges flags > `--config` > `--tf-outputs` > defaults and validates the result.
pub fn resolve(args: &VerifyArgs) -> Result<VerifyConfig> {
    let file = match &args.config {
        Some(p) => read_toml(p)?,
        None => FileConfig::default(),
    };
    let tf = match &args.tf_outputs {
        Some(p) => read_tf_outputs(p)?,
        None => TfOutputs::default(),
    };
    merge(args, file, tf)
}

fn merge(args: &VerifyArgs, file: FileConfig, tf: TfOutputs) -> Result<VerifyConfig> {
    fn pick<T>(flag: Option<T>, file: Option<T>, tf: Option<T>) -> Option<T> {
        flag.or(file).or(tf)
    }
    let extras = input::resolve(args, &file, &tf)?;
    let url = pick(args.url.clone(), file.url, tf.url).ok_or_else(|| {
        Error::Config("no target URL: give --url, `url` in --config, or --tf-outputs".into())
    })?;
    let checks_given: Vec<String> = if !args.checks.is_empty() {
        args.checks.clone()
    } else {
        file.checks.unwrap_or_default()
    };
    let mut cfg = VerifyConfig {
        url,
        http_url: pick(args.http_url.clone(), file.http_url, None),
        resolve: if args.resolve.is_empty() {
            file.resolve
        } else {
            args.resolve.clone()
        },
        ca_file: pick(args.ca_file.clone(), file.ca_file, None),
        listener_arn: pick(
            args.listener_arn.clone(),
            file.listener_arn,
            tf.listener_arn,
        ),
        load_balancer_arn: pick(None, file.load_balancer_arn, tf.alb_arn),
        load_balancer: pick(args.load_balancer.clone(), file.load_balancer, None),
        listener_port: pick(args.listener_port, file.listener_port, None),
        cluster: pick(args.cluster.clone(), file.cluster, tf.cluster_name),
        stable_service: pick(
            args.stable_service.clone(),
            file.stable_service,
            tf.stable_service_name,
        ),
        canary_service: pick(
            args.canary_service.clone(),
            file.canary_service,
            tf.canary_service_name,
        ),
        checks: Vec::new(),
        checks_named: !checks_given.is_empty(),
        waf_floors: PostureFloors::merge(
            (args.waf_min_block_rate, &args.waf_category_floors),
            (file.waf_min_block_rate, file.waf_category_floors),
        )?,
        alpha: pick(args.alpha, file.alpha, None).unwrap_or(DEFAULT_ALPHA),
        margin: pick(args.margin, file.margin, None).unwrap_or(DEFAULT_MARGIN),
        leak_margin: pick(args.leak_margin, file.leak_margin, None).unwrap_or(DEFAULT_LEAK_MARGIN),
        max_requests: pick(args.max_requests, file.max_requests, None)
            .unwrap_or(DEFAULT_MAX_REQUESTS),
        concurrency: pick(args.concurrency, file.concurrency, None).unwrap_or(DEFAULT_CONCURRENCY),
        rps: pick(args.rps, file.rps, None).unwrap_or(DEFAULT_RPS),
        timeout: Duration::from_millis(
            pick(args.timeout_ms, file.timeout_ms, None).unwrap_or(DEFAULT_TIMEOUT_MS),
        ),
        fresh_connections: args.fresh_connections || file.fresh_connections.unwrap_or(false),
        web_acl_name: pick(
            args.web_acl_name.clone(),
            file.web_acl_name,
            tf.web_acl_name.clone(),
        ),
        web_acl_groups: if args.web_acl_groups.is_empty() {
            tf.web_acl_groups.clone()
        } else {
            Some(args.web_acl_groups.clone())
        },
        min_cert_days: pick(args.min_cert_days, file.min_cert_days, None)
            .unwrap_or(DEFAULT_MIN_CERT_DAYS),
        require_hsts: args.require_hsts || file.require_hsts.unwrap_or(false),
        hsts_min_max_age: pick(args.hsts_min_max_age, file.hsts_min_max_age, None),
        drain_timeout: Duration::from_secs(
            pick(args.drain_timeout_s, file.drain_timeout_s, None)
                .unwrap_or(DEFAULT_DRAIN_TIMEOUT_S),
        ),
        aws: AwsOptions {
            endpoint_url: pick(args.aws_endpoint_url.clone(), file.aws_endpoint_url, None),
            region: pick(args.aws_region.clone(), file.aws_region, None),
            profile: pick(args.aws_profile.clone(), file.aws_profile, None),
            credentials_file: pick(
                args.aws_credentials_file.clone(),
                file.aws_credentials_file,
                None,
            ),
        },
        report_dir: pick(args.report_dir.clone(), file.report_dir, None)
            .unwrap_or_else(|| PathBuf::from(DEFAULT_REPORT_DIR)),
        quiet: args.quiet || file.quiet.unwrap_or(false),
        extras,
        shard: pick(args.shard.as_deref(), file.shard.as_deref(), None)
            .map(Shard::parse)
            .transpose()?,
    };
    cfg.checks = select_checks(&checks_given, cfg.has_aws_target())?;
    validate::validate(&cfg)?;
    if let Some(s) = cfg.shard {
        s.share(cfg.max_requests)?;
    }
    Ok(cfg)
}

/// Explicit checks must have their inputs; by default every check whose inputs are
/// present runs (split and scale need the AWS target).
fn select_checks(given: &[String], has_aws: bool) -> Result<Vec<CheckName>> {
    if given.is_empty() {
        return Ok(CheckName::ALL
            .into_iter()
            .filter(|c| has_aws || !c.needs_aws())
            .collect());
    }
    let mut checks = given
        .iter()
        .filter(|s| !s.trim().is_empty())
        .map(|s| CheckName::parse(s))
        .collect::<Result<Vec<_>>>()?;
    checks.sort();
    checks.dedup();
    if checks.is_empty() {
        return Err(Error::Config("--checks: no check selected".into()));
    }
    if let Some(c) = checks.iter().find(|c| c.needs_aws())
        && !has_aws
    {
        return Err(Error::Config(format!(
            "check {} needs the AWS target: --listener-arn (or --load-balancer and --listener-port), --cluster, --stable-service, --canary-service",
            c.as_str()
        )));
    }
    Ok(checks)
}

#[cfg(test)]
mod tests;
