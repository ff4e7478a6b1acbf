//! The option groups of `verify`, `gate` and `local`, each a clap `Args` struct that a
//! command flattens. Three groups say how to verify and apply to any target, the twin
//! included ([`OutputArgs`], [`TrafficArgs`], [`DecisionArgs`]); two name a live target
//! and how to reach AWS ([`TargetArgs`], [`AwsArgs`]) and are offered only by `verify`
//! and `gate`, since `local` builds its target itself. Each `///` is the `--help` text.

use std::path::PathBuf;

use clap::Args;

/// Configuration file, reports and progress output.
#[derive(Debug, Clone, Default, Args)]
#[command(next_help_heading = "Configuration and output")]
pub struct OutputArgs {
    /// TOML file with any of this command's options (same names, snake_case).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Folder that receives `<UTC timestamp>-<target>/` run folders.
    #[arg(long, value_name = "DIR")]
    pub report_dir: Option<PathBuf>,
    /// No progress bar.
    #[arg(long, short)]
    pub quiet: bool,
}

/// How the sampled traffic is sent, and when sampling starts.
#[derive(Debug, Clone, Default, Args)]
#[command(next_help_heading = "Traffic")]
pub struct TrafficArgs {
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
    /// Path appended to the target URL on every request; it also picks the listener
    /// rule (path-pattern conditions) whose weights are judged.
    #[arg(long, value_name = "PATH")]
    pub path: Option<String>,
    /// Header sent with every request (repeatable); it also picks the listener rule
    /// (http-header conditions) whose weights are judged.
    #[arg(long = "header", value_name = "NAME:VALUE")]
    pub headers: Vec<String>,
    /// When the listener last changed (RFC 3339, e.g. the end of `terraform apply`):
    /// sampling starts only `--settle` seconds after it. ELBv2 does not report it.
    #[arg(long, value_name = "TIME")]
    pub changed_at: Option<String>,
    /// Seconds to wait after --changed-at before sampling (default 30).
    #[arg(long, value_name = "SECONDS")]
    pub settle: Option<u64>,
    /// Run as shard I of N runners (e.g. 2/3): send a fixed share of the planned
    /// sample (--max-requests / N, the remainder to the first shards) and stop no test
    /// early, so that `harness merge` can pool the shards; this run's own verdicts are
    /// the fixed-n tests on its share.
    #[arg(long, value_name = "I/N")]
    pub shard: Option<String>,
}

/// Which checks run and the thresholds of their decisions.
#[derive(Debug, Clone, Default, Args)]
#[command(next_help_heading = "Checks and decisions")]
pub struct DecisionArgs {
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
    /// Fail the TLS check when HSTS is missing (default: a warning).
    #[arg(long)]
    pub require_hsts: bool,
    /// Fail the TLS check when HSTS is missing or its max-age is below SECS
    /// (implies --require-hsts; default: the max-age served is reported only).
    #[arg(long, value_name = "SECS")]
    pub hsts_min_max_age: Option<u64>,
    /// Seconds the scale check waits for a canary at weight 0 to drain to zero tasks
    /// and targets before it judges the last reading (default 60).
    #[arg(long, value_name = "SECONDS")]
    pub drain_timeout_s: Option<u64>,
}

/// The live deployment under verification: where it answers and what AWS calls it.
#[derive(Debug, Clone, Default, Args)]
#[command(next_help_heading = "Target")]
pub struct TargetArgs {
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
    /// Target group ARN of the stable variant, for services registered by IP without a
    /// `loadBalancers` block (as app-infra does; `--tf-outputs` gives it).
    #[arg(long, value_name = "ARN")]
    pub stable_target_group: Option<String>,
    /// Target group ARN of the canary variant (see --stable-target-group).
    #[arg(long, value_name = "ARN")]
    pub canary_target_group: Option<String>,
    /// PEM file with a private CA to trust in addition to the system roots
    /// (TLS verification is never disabled).
    #[arg(long, value_name = "FILE")]
    pub ca_file: Option<PathBuf>,
    /// Plain-HTTP URL to probe for the HTTPS redirect (default: http://HOST/).
    #[arg(long)]
    pub http_url: Option<String>,
    /// Pin HOST:PORT to ADDR, as curl's --resolve (repeatable). Several addresses for
    /// one HOST:PORT (`HOST:PORT:ADDR1,ADDR2`, or the flag repeated) are load-balancer
    /// nodes: the sampler spreads its connections over them and reports each one.
    #[arg(long, value_name = "HOST:PORT:ADDR[,ADDR...]")]
    pub resolve: Vec<String>,
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
}

/// How to reach AWS.
#[derive(Debug, Clone, Default, Args)]
#[command(next_help_heading = "AWS")]
pub struct AwsArgs {
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
}

/// The options of `verify` that apply to any target, the local twin included.
#[derive(Debug, Clone, Default, Args)]
pub struct HowArgs {
    /// Checks and decision thresholds.
    #[command(flatten)]
    pub decision: DecisionArgs,
    /// Traffic shape and start.
    #[command(flatten)]
    pub traffic: TrafficArgs,
    /// Configuration file and output.
    #[command(flatten)]
    pub output: OutputArgs,
}
