//! Command-line interface (clap derive). Each `///` comment on a clap field is the
//! `--help` text. Parsing only: no I/O happens here; [`crate::run`] dispatches.
//!
//! `verify`'s options come in groups ([`options`]); each command flattens the groups
//! that mean something for it (`parse`), so `local`, whose target is the twin it
//! builds, offers no target or AWS flag.

pub mod options;
mod parse;
#[cfg(test)]
mod tests;

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::exit::EXIT_CODES_HELP;

/// Verification harness for canary deployments on ECS Fargate behind an ALB with WAF.
#[derive(Debug, Parser)]
#[command(name = "harness", version, about, after_help = EXIT_CODES_HELP)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Subcommands of `harness`.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Verify a live deployment: sample the split, check scale-to-zero, canary health,
    /// TLS and WAF, and write reports.
    #[command(after_help = EXIT_CODES_HELP)]
    Verify(Box<VerifyArgs>),
    /// Bring up the local twin of production, verify it, write the report, tear it down.
    #[command(after_help = EXIT_CODES_HELP)]
    Local(Box<LocalArgs>),
    /// Keep a local twin running for exploration (`up`), move its weights (`weights`)
    /// or stop it (`down`).
    Twin(TwinArgs),
    /// Re-render HTML, JUnit and Markdown reports from a run folder's `report.json`.
    Report(ReportArgs),
    /// Pool the runs of several runners (`verify`/`gate --shard I/N`) into one report:
    /// counts add, histograms merge, verdicts are recomputed from the pooled evidence.
    #[command(after_help = EXIT_CODES_HELP)]
    Merge(MergeArgs),
    /// The post-deploy gate: wait for the rollout, check that what was requested
    /// (weights, image tags) is what runs, then verify. Exit 0 means go; any other
    /// code means roll back.
    #[command(after_help = EXIT_CODES_HELP)]
    Gate(Box<GateArgs>),
}

/// Inputs of `harness verify`. Flags win over `--config`, which wins over `--tf-outputs`.
///
/// A flat struct that the rest of the harness reads and builds; on the command line its
/// options come from the groups of [`options`] (see `parse`), where each one's
/// `--help` text lives.
#[derive(Debug, Clone, Default)]
pub struct VerifyArgs {
    /// TOML file with any of the options (`--config`).
    pub config: Option<PathBuf>,
    /// `terraform output -json` of app-infra (`--tf-outputs`).
    pub tf_outputs: Option<PathBuf>,
    /// HTTPS URL of the load balancer (`--url`).
    pub url: Option<String>,
    /// ARN of the HTTPS listener (`--listener-arn`).
    pub listener_arn: Option<String>,
    /// Load balancer name (`--load-balancer`).
    pub load_balancer: Option<String>,
    /// Listener port, with `load_balancer` (`--listener-port`).
    pub listener_port: Option<u16>,
    /// ECS cluster name or ARN (`--cluster`).
    pub cluster: Option<String>,
    /// ECS service of the stable variant (`--stable-service`).
    pub stable_service: Option<String>,
    /// ECS service of the canary variant (`--canary-service`).
    pub canary_service: Option<String>,
    /// Private CA to trust besides the system roots (`--ca-file`).
    pub ca_file: Option<PathBuf>,
    /// Plain-HTTP URL probed for the redirect (`--http-url`).
    pub http_url: Option<String>,
    /// `HOST:PORT:ADDR` pins (`--resolve`).
    pub resolve: Vec<String>,
    /// Checks to run (`--checks`).
    pub checks: Vec<String>,
    /// Significance level (`--alpha`).
    pub alpha: Option<f64>,
    /// Equivalence margin (`--margin`).
    pub margin: Option<f64>,
    /// Leak margin at weight 0 or 100 (`--leak-margin`).
    pub leak_margin: Option<f64>,
    /// Budget of sampled requests (`--max-requests`).
    pub max_requests: Option<u64>,
    /// Requests in flight (`--concurrency`).
    pub concurrency: Option<usize>,
    /// Rate cap in requests per second (`--rps`).
    pub rps: Option<f64>,
    /// Per-request timeout in ms (`--timeout-ms`).
    pub timeout_ms: Option<u64>,
    /// A fresh connection per request (`--fresh-connections`).
    pub fresh_connections: bool,
    /// Floor on the WAF posture block rate (`--waf-min-block-rate`).
    pub waf_min_block_rate: Option<f64>,
    /// `CATEGORY=RATE` floors (`--waf-category-floor`).
    pub waf_category_floors: Vec<String>,
    /// Minimum days before the certificate expires (`--min-cert-days`).
    pub min_cert_days: Option<i64>,
    /// WebACL name the load balancer must have (`--web-acl-name`).
    pub web_acl_name: Option<String>,
    /// Managed rule groups the WebACL must deploy (`--web-acl-group`).
    pub web_acl_groups: Vec<String>,
    /// Fail TLS without HSTS (`--require-hsts`).
    pub require_hsts: bool,
    /// Least HSTS max-age (`--hsts-min-max-age`).
    pub hsts_min_max_age: Option<u64>,
    /// Wait for a canary at weight 0 to drain (`--drain-timeout-s`).
    pub drain_timeout_s: Option<u64>,
    /// AWS endpoint override (`--aws-endpoint-url`, `AWS_ENDPOINT_URL`).
    pub aws_endpoint_url: Option<String>,
    /// AWS region (`--aws-region`, `AWS_REGION`).
    pub aws_region: Option<String>,
    /// AWS profile (`--aws-profile`, `AWS_PROFILE`).
    pub aws_profile: Option<String>,
    /// AWS shared credentials file (`--aws-credentials-file`).
    pub aws_credentials_file: Option<PathBuf>,
    /// Folder of the run folders (`--report-dir`).
    pub report_dir: Option<PathBuf>,
    /// No progress bar (`--quiet`).
    pub quiet: bool,
    /// When the listener last changed (`--changed-at`).
    pub changed_at: Option<String>,
    /// Seconds after `changed_at` before sampling (`--settle`).
    pub settle: Option<u64>,
    /// This runner's shard `I/N` (`--shard`).
    pub shard: Option<String>,
    /// Path appended to the URL (`--path`).
    pub path: Option<String>,
    /// `NAME:VALUE` headers sent with every request (`--header`).
    pub headers: Vec<String>,
    /// Target group ARN of stable (`--stable-target-group`).
    pub stable_target_group: Option<String>,
    /// Target group ARN of canary (`--canary-target-group`).
    pub canary_target_group: Option<String>,
    /// Print the plan and send no traffic (`--plan`).
    pub plan: bool,
    /// The gate's WAF token when a caller (the local twin) supplies it; preferred over
    /// `HARNESS_GATE_TOKEN`. Not a flag: a token on a command line would leak.
    pub gate_token: Option<GateToken>,
}

/// A gate token whose `Debug` does not show it.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct GateToken(pub String);

impl std::fmt::Debug for GateToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("GateToken(<redacted>)")
    }
}

/// Inputs of `harness local`: the twin's shape and the verification options that
/// apply to a twin (no target or AWS options: the twin is the target). On the command
/// line see `parse`.
#[derive(Debug, Clone)]
pub struct LocalArgs {
    /// Weights as STABLE/CANARY (`--weights`, default 90/10).
    pub weights: String,
    /// Faults to inject (`--fault`, repeatable).
    pub faults: Vec<String>,
    /// Leave the twin running (`--keep`).
    pub keep: bool,
    /// Run a whole promotion instead of one verification (`--promotion-flow`).
    pub promotion_flow: bool,
    /// The promotion step at which the fault is injected (`--at-step`).
    pub at_step: Option<u32>,
    /// Verification options passed to `verify`; the target options are left empty for
    /// the twin to fill in.
    pub verify: VerifyArgs,
}

/// `harness twin up|weights|down`.
#[derive(Debug, Clone, Args)]
pub struct TwinArgs {
    /// up, weights or down.
    #[command(subcommand)]
    pub action: TwinAction,
}

/// Twin lifecycle actions.
#[derive(Debug, Clone, Subcommand)]
pub enum TwinAction {
    /// Start a twin and leave it running.
    Up(TwinUpArgs),
    /// Stop exactly what `up` started.
    Down(TwinDownArgs),
    /// Move the weights of a running twin: the listener (moto) at once, the edge
    /// (nginx) after --edge-lag, as a deployment reaches ALB nodes.
    Weights(TwinWeightsArgs),
}

/// Inputs of `harness twin weights`.
#[derive(Debug, Clone, Args)]
pub struct TwinWeightsArgs {
    /// New weights as STABLE/CANARY, e.g. 50/50 or 100/0.
    pub weights: String,
    /// Seconds between the listener change and the edge change.
    #[arg(long, value_name = "SECONDS", default_value_t = 0.0)]
    pub edge_lag: f64,
    /// Folder holding the twin's state, as given to `up`.
    #[arg(long, value_name = "DIR")]
    pub state_dir: Option<PathBuf>,
}

/// Inputs of `harness twin up`.
#[derive(Debug, Clone, Args)]
pub struct TwinUpArgs {
    /// Weights as STABLE/CANARY, e.g. 90/10 or 100/0.
    #[arg(long, default_value = "90/10")]
    pub weights: String,
    /// Break the twin on purpose (repeatable); see `harness local --help`.
    #[arg(long = "fault", value_name = "NAME")]
    pub faults: Vec<String>,
    /// Print shell-evaluable NAME=value lines and nothing else on stdout.
    #[arg(long)]
    pub env: bool,
    /// Folder holding the twin's state (config, certificates, pids).
    #[arg(long, value_name = "DIR")]
    pub state_dir: Option<PathBuf>,
}

/// Inputs of `harness twin down`.
#[derive(Debug, Clone, Args)]
pub struct TwinDownArgs {
    /// Folder holding the twin's state, as given to `up`.
    #[arg(long, value_name = "DIR")]
    pub state_dir: Option<PathBuf>,
}

/// Inputs of `harness report`.
#[derive(Debug, Clone, Args)]
pub struct ReportArgs {
    /// A run folder holding `report.json`.
    pub run_dir: PathBuf,
}

/// Inputs of `harness merge`.
#[derive(Debug, Clone, Args)]
pub struct MergeArgs {
    /// The shards' runs: each a run folder, its `report.json`, or a `--report-dir`
    /// holding exactly one run folder (as `reports/shard-*` of a matrix job).
    #[arg(required = true, value_name = "RUN_DIR")]
    pub runs: Vec<PathBuf>,
    /// Folder that receives the merged `<UTC timestamp>-<target>/` run folder.
    #[arg(long, value_name = "DIR", default_value = "reports")]
    pub report_dir: PathBuf,
    /// No summary on stderr.
    #[arg(long, short)]
    pub quiet: bool,
}

/// Inputs of `harness gate`. The requested weights and tags default to the values in
/// `--tf-outputs` (`stable_weight`, `canary_weight`, `stable_image_tag`,
/// `canary_image_tag`), which is what `terraform apply` was asked to deploy.
#[derive(Debug, Clone, Args)]
pub struct GateArgs {
    /// Image tag the stable service must run.
    #[arg(long, value_name = "TAG")]
    pub stable_tag: Option<String>,
    /// Image tag the canary service must run.
    #[arg(long, value_name = "TAG")]
    pub canary_tag: Option<String>,
    /// Listener weight requested for stable.
    #[arg(long, value_name = "N")]
    pub stable_weight: Option<i64>,
    /// Listener weight requested for canary.
    #[arg(long, value_name = "N")]
    pub canary_weight: Option<i64>,
    /// Longest wait, in seconds, for the ECS rollouts to finish and every routed
    /// target to be healthy before judging.
    #[arg(long, value_name = "SECONDS", default_value_t = 600)]
    pub rollout_timeout: u64,
    /// Verification options, as for `harness verify`.
    #[command(flatten)]
    pub verify: VerifyArgs,
}
