//! Command-line interface (clap derive). Each `///` comment is the `--help` text.
//! Parsing only: no I/O happens here; [`crate::run`] dispatches.

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
    /// The post-deploy gate: wait for the rollout, check that what was requested
    /// (weights, image tags) is what runs, then verify. Exit 0 means go; any other
    /// code means roll back.
    #[command(after_help = EXIT_CODES_HELP)]
    Gate(Box<GateArgs>),
}

/// Inputs of `harness verify`. Flags win over `--config`, which wins over `--tf-outputs`.
#[derive(Debug, Clone, Default, Args)]
pub struct VerifyArgs {
    /// TOML file with any of the options below (same names, snake_case).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// JSON of `terraform output -json` from app-infra (url, listener_arn, cluster,
    /// stable_service_name, canary_service_name).
    #[arg(long, value_name = "FILE")]
    pub tf_outputs: Option<PathBuf>,
    /// HTTPS URL of the load balancer (its DNS name or the public host name).
    #[arg(long)]
    pub url: Option<String>,
    /// ARN of the HTTPS listener whose forward action holds the configured weights.
    #[arg(long)]
    pub listener_arn: Option<String>,
    /// Load balancer name, used with --listener-port when the listener ARN is unknown.
    #[arg(long)]
    pub load_balancer: Option<String>,
    /// Listener port, used with --load-balancer.
    #[arg(long)]
    pub listener_port: Option<u16>,
    /// ECS cluster name or ARN.
    #[arg(long)]
    pub cluster: Option<String>,
    /// ECS service name of the stable variant.
    #[arg(long)]
    pub stable_service: Option<String>,
    /// ECS service name of the canary variant.
    #[arg(long)]
    pub canary_service: Option<String>,
    /// PEM file with a private CA to trust in addition to the system roots
    /// (TLS verification is never disabled).
    #[arg(long, value_name = "FILE")]
    pub ca_file: Option<PathBuf>,
    /// Plain-HTTP URL to probe for the HTTPS redirect (default: http://HOST/).
    #[arg(long)]
    pub http_url: Option<String>,
    /// Pin HOST:PORT to ADDR, as curl's --resolve (repeatable).
    #[arg(long, value_name = "HOST:PORT:ADDR")]
    pub resolve: Vec<String>,
    /// Checks to run, comma separated: split,scale,health,tls,waf,waf-posture
    /// (default: all; `harness gate` leaves waf-posture out unless named).
    #[arg(long, value_delimiter = ',')]
    pub checks: Vec<String>,
    /// Significance level of every statistical decision.
    #[arg(long)]
    pub alpha: Option<f64>,
    /// Equivalence margin around the configured canary share (absolute, 0.02 = ±2 pp).
    #[arg(long)]
    pub margin: Option<f64>,
    /// Leak margin at weight 0 or 100: the zero-weight side PASSes only after
    /// ln(alpha)/ln(1 - leak margin) responses with no hit on it (default 0.001 = 0.1 %).
    #[arg(long)]
    pub leak_margin: Option<f64>,
    /// Upper bound on sampled requests for the split check.
    #[arg(long)]
    pub max_requests: Option<u64>,
    /// Requests in flight at once.
    #[arg(long)]
    pub concurrency: Option<usize>,
    /// Rate cap in requests per second (protects production).
    #[arg(long)]
    pub rps: Option<f64>,
    /// Per-request timeout in milliseconds.
    #[arg(long)]
    pub timeout_ms: Option<u64>,
    /// Open a fresh connection for every request (defeats connection reuse).
    #[arg(long)]
    pub fresh_connections: bool,
    /// Opt-in floor on the WAF posture block rate over the whole attack corpus
    /// (e.g. 0.9): FAIL when the interval lies below it, INCONCLUSIVE when it contains
    /// it. Without it (the default) waf-posture only reports.
    #[arg(long, value_name = "RATE")]
    pub waf_min_block_rate: Option<f64>,
    /// Opt-in floor on one attack category's posture block rate, CATEGORY=RATE
    /// (repeatable; also `[waf_category_floors]` in --config), e.g. sqli=0.95.
    #[arg(long = "waf-category-floor", value_name = "CATEGORY=RATE")]
    pub waf_category_floors: Vec<String>,
    /// Minimum days before the certificate expires.
    #[arg(long)]
    pub min_cert_days: Option<i64>,
    /// Name the WebACL on the load balancer must have (the waf check FAILs naming both
    /// when another WebACL is associated). Default: the name in `--tf-outputs`'
    /// `web_acl_arn`.
    #[arg(long)]
    pub web_acl_name: Option<String>,
    /// AWS managed rule group the WebACL must deploy, not in Count mode (repeatable; the
    /// waf check FAILs naming a missing one). Default: the `waf_managed_rule_groups` of
    /// `--tf-outputs`.
    #[arg(long = "web-acl-group", value_name = "NAME")]
    pub web_acl_groups: Vec<String>,
    /// Fail the TLS check when HSTS is missing (default: a warning).
    #[arg(long)]
    pub require_hsts: bool,
    /// Fail the TLS check when HSTS is missing or its max-age is below SECS
    /// (implies --require-hsts; default: the max-age served is reported only).
    #[arg(long, value_name = "SECS")]
    pub hsts_min_max_age: Option<u64>,
    /// Seconds to wait for a canary at weight 0 to drain to zero tasks and targets.
    #[arg(long)]
    pub drain_timeout_s: Option<u64>,
    /// AWS endpoint override (moto, LocalStack).
    #[arg(long, env = "AWS_ENDPOINT_URL")]
    pub aws_endpoint_url: Option<String>,
    /// AWS region.
    #[arg(long, env = "AWS_REGION")]
    pub aws_region: Option<String>,
    /// AWS profile of the shared config/credentials files.
    #[arg(long, env = "AWS_PROFILE")]
    pub aws_profile: Option<String>,
    /// AWS shared credentials file (default chain's location otherwise).
    #[arg(long, env = "AWS_SHARED_CREDENTIALS_FILE", value_name = "FILE")]
    pub aws_credentials_file: Option<PathBuf>,
    /// Folder that receives `<UTC timestamp>-<target>/` run folders.
    #[arg(long, value_name = "DIR")]
    pub report_dir: Option<PathBuf>,
    /// No progress bar.
    #[arg(long, short)]
    pub quiet: bool,
    /// When the listener last changed (RFC 3339, e.g. the end of `terraform apply`):
    /// sampling starts only `--settle` seconds after it. ELBv2 does not report it.
    #[arg(long, value_name = "TIME")]
    pub changed_at: Option<String>,
    /// Seconds to wait after --changed-at before sampling (default 30).
    #[arg(long, value_name = "SECONDS")]
    pub settle: Option<u64>,
    /// Path appended to --url on every request; it also picks the listener rule
    /// (path-pattern conditions) whose weights are judged.
    #[arg(long, value_name = "PATH")]
    pub path: Option<String>,
    /// Header sent with every request (repeatable); it also picks the listener rule
    /// (http-header conditions) whose weights are judged.
    #[arg(long = "header", value_name = "NAME:VALUE")]
    pub headers: Vec<String>,
    /// Target group ARN of the stable variant, for services registered by IP without a
    /// `loadBalancers` block (as app-infra does; `--tf-outputs` gives it).
    #[arg(long, value_name = "ARN")]
    pub stable_target_group: Option<String>,
    /// Target group ARN of the canary variant (see --stable-target-group).
    #[arg(long, value_name = "ARN")]
    pub canary_target_group: Option<String>,
    /// Print what each check will need (requests, wall time at --rps) after reading
    /// the configuration and the weights, send no traffic, and exit (2 when the budget
    /// is too small for the split test).
    #[arg(long)]
    pub plan: bool,
    /// The gate's WAF token when a caller (the local twin) supplies it; preferred over
    /// `HARNESS_GATE_TOKEN`. Not a flag: a token on a command line would leak.
    #[arg(skip)]
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

/// Inputs of `harness local`.
#[derive(Debug, Clone, Args)]
pub struct LocalArgs {
    /// Weights as STABLE/CANARY, e.g. 90/10 or 100/0.
    #[arg(long, default_value = "90/10")]
    pub weights: String,
    /// Break the twin on purpose (repeatable): weight-drift, canary-not-scaled, waf-off,
    /// cert-expired, cert-wrong-host, tls-legacy, no-redirect, canary-errors, canary-slow,
    /// canary-starved.
    #[arg(long = "fault", value_name = "NAME")]
    pub faults: Vec<String>,
    /// Leave the twin running after the verification (stop it with `harness twin down`).
    #[arg(long)]
    pub keep: bool,
    /// Run a whole promotion on the twin instead of one verification: 100/0 on v1, a
    /// canary v2 at 90/10, 50/50, promote v2 at 100/0, with `harness gate`'s decision
    /// at each step and deploy-canary's rollback when it says roll back.
    #[arg(long, conflicts_with_all = ["keep", "weights"])]
    pub promotion_flow: bool,
    /// With --promotion-flow: the step (1-4) at which the one --fault is injected.
    #[arg(long, value_name = "N", requires = "promotion_flow")]
    pub at_step: Option<u32>,
    /// Verification options passed to `verify` (target options are filled in by the twin).
    #[command(flatten)]
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
