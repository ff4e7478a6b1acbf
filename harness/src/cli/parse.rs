//! How [`VerifyArgs`] and [`LocalArgs`] are parsed: each command's clap struct
//! flattens the option groups of [`super::options`] that apply to it, and is then
//! turned into the flat structs the rest of the harness uses. `verify` and `gate` take
//! every group; `local` takes only the groups that apply to a twin it builds itself, so
//! `local --help` shows no target or AWS flag and `local --url …` is a usage error.
//!
//! The conversions destructure every field, so a new option that is not placed in a
//! group fails to compile instead of being silently dropped.

use clap::{ArgMatches, Args, FromArgMatches};

use super::options::{AwsArgs, DecisionArgs, HowArgs, OutputArgs, TargetArgs, TrafficArgs};
use super::{GateToken, LocalArgs, VerifyArgs};

/// What `verify` (and `gate`) parse.
#[derive(Debug, Clone, Default, Args)]
struct VerifyCli {
    /// Print what each check will need (requests, wall time at --rps) after reading
    /// the configuration and the weights, send no traffic, and exit (2 when the budget
    /// is too small for the split test).
    #[arg(long)]
    plan: bool,
    #[command(flatten)]
    target: TargetArgs,
    #[command(flatten)]
    aws: AwsArgs,
    #[command(flatten)]
    how: HowArgs,
    #[arg(skip)]
    gate_token: Option<GateToken>,
}

/// What `local` parses.
#[derive(Debug, Clone, Args)]
struct LocalCli {
    /// Weights as STABLE/CANARY, e.g. 90/10 or 100/0.
    #[arg(long, default_value = "90/10")]
    weights: String,
    /// Break the twin on purpose (repeatable): weight-drift, canary-not-scaled, waf-off,
    /// cert-expired, cert-wrong-host, tls-legacy, no-redirect, canary-errors, canary-slow,
    /// canary-starved, node-stale.
    #[arg(long = "fault", value_name = "NAME")]
    faults: Vec<String>,
    /// Leave the twin running after the verification (stop it with `harness twin down`).
    #[arg(long)]
    keep: bool,
    /// Run a whole promotion on the twin instead of one verification: 100/0 on v1, a
    /// canary v2 at 90/10, 50/50, promote v2 at 100/0, with `harness gate`'s decision
    /// at each step and deploy-canary's rollback when it says roll back.
    #[arg(long, conflicts_with_all = ["keep", "weights"])]
    promotion_flow: bool,
    /// With --promotion-flow: the step (1-4) at which the one --fault is injected.
    #[arg(long, value_name = "N", requires = "promotion_flow")]
    at_step: Option<u32>,
    /// How to verify the twin (its target options are filled in by the twin).
    #[command(flatten)]
    how: HowArgs,
}

impl VerifyCli {
    fn join(self) -> VerifyArgs {
        let VerifyCli {
            target:
                TargetArgs {
                    tf_outputs,
                    url,
                    listener_arn,
                    load_balancer,
                    listener_port,
                    cluster,
                    stable_service,
                    canary_service,
                    stable_target_group,
                    canary_target_group,
                    ca_file,
                    http_url,
                    resolve,
                    web_acl_name,
                    web_acl_groups,
                },
            aws:
                AwsArgs {
                    aws_endpoint_url,
                    aws_region,
                    aws_profile,
                    aws_credentials_file,
                },
            how:
                HowArgs {
                    decision:
                        DecisionArgs {
                            checks,
                            alpha,
                            margin,
                            leak_margin,
                            waf_min_block_rate,
                            waf_category_floors,
                            min_cert_days,
                            require_hsts,
                            hsts_min_max_age,
                            drain_timeout_s,
                        },
                    traffic:
                        TrafficArgs {
                            max_requests,
                            concurrency,
                            rps,
                            timeout_ms,
                            fresh_connections,
                            path,
                            headers,
                            changed_at,
                            settle,
                            shard,
                        },
                    output:
                        OutputArgs {
                            config,
                            report_dir,
                            quiet,
                        },
                },
            plan,
            gate_token,
        } = self;
        VerifyArgs {
            config,
            tf_outputs,
            url,
            listener_arn,
            load_balancer,
            listener_port,
            cluster,
            stable_service,
            canary_service,
            ca_file,
            http_url,
            resolve,
            checks,
            alpha,
            margin,
            leak_margin,
            max_requests,
            concurrency,
            rps,
            timeout_ms,
            fresh_connections,
            waf_min_block_rate,
            waf_category_floors,
            min_cert_days,
            web_acl_name,
            web_acl_groups,
            require_hsts,
            hsts_min_max_age,
            drain_timeout_s,
            aws_endpoint_url,
            aws_region,
            aws_profile,
            aws_credentials_file,
            report_dir,
            quiet,
            changed_at,
            settle,
            shard,
            path,
            headers,
            stable_target_group,
            canary_target_group,
            plan,
            gate_token,
        }
    }

    fn split(args: VerifyArgs) -> VerifyCli {
        let VerifyArgs {
            config,
            tf_outputs,
            url,
            listener_arn,
            load_balancer,
            listener_port,
            cluster,
            stable_service,
            canary_service,
            ca_file,
            http_url,
            resolve,
            checks,
            alpha,
            margin,
            leak_margin,
            max_requests,
            concurrency,
            rps,
            timeout_ms,
            fresh_connections,
            waf_min_block_rate,
            waf_category_floors,
            min_cert_days,
            web_acl_name,
            web_acl_groups,
            require_hsts,
            hsts_min_max_age,
            drain_timeout_s,
            aws_endpoint_url,
            aws_region,
            aws_profile,
            aws_credentials_file,
            report_dir,
            quiet,
            changed_at,
            settle,
            shard,
            path,
            headers,
            stable_target_group,
            canary_target_group,
            plan,
            gate_token,
        } = args;
        let target = TargetArgs {
            tf_outputs,
            url,
            listener_arn,
            load_balancer,
            listener_port,
            cluster,
            stable_service,
            canary_service,
            stable_target_group,
            canary_target_group,
            ca_file,
            http_url,
            resolve,
            web_acl_name,
            web_acl_groups,
        };
        let aws = AwsArgs {
            aws_endpoint_url,
            aws_region,
            aws_profile,
            aws_credentials_file,
        };
        let decision = DecisionArgs {
            checks,
            alpha,
            margin,
            leak_margin,
            waf_min_block_rate,
            waf_category_floors,
            min_cert_days,
            require_hsts,
            hsts_min_max_age,
            drain_timeout_s,
        };
        let traffic = TrafficArgs {
            max_requests,
            concurrency,
            rps,
            timeout_ms,
            fresh_connections,
            path,
            headers,
            changed_at,
            settle,
            shard,
        };
        let output = OutputArgs {
            config,
            report_dir,
            quiet,
        };
        let how = HowArgs {
            decision,
            traffic,
            output,
        };
        VerifyCli {
            target,
            aws,
            how,
            plan,
            gate_token,
        }
    }
}

impl FromArgMatches for VerifyArgs {
    fn from_arg_matches(matches: &ArgMatches) -> Result<Self, clap::Error> {
        VerifyCli::from_arg_matches(matches).map(VerifyCli::join)
    }

    fn update_from_arg_matches(&mut self, matches: &ArgMatches) -> Result<(), clap::Error> {
        let mut cli = VerifyCli::split(std::mem::take(self));
        let updated = cli.update_from_arg_matches(matches);
        *self = cli.join();
        updated
    }
}

impl Args for VerifyArgs {
    fn group_id() -> Option<clap::Id> {
        VerifyCli::group_id()
    }

    fn augment_args(cmd: clap::Command) -> clap::Command {
        VerifyCli::augment_args(cmd)
    }

    fn augment_args_for_update(cmd: clap::Command) -> clap::Command {
        VerifyCli::augment_args_for_update(cmd)
    }
}

impl LocalCli {
    fn join(self) -> LocalArgs {
        let LocalCli {
            weights,
            faults,
            keep,
            promotion_flow,
            at_step,
            how,
        } = self;
        LocalArgs {
            weights,
            faults,
            keep,
            promotion_flow,
            at_step,
            verify: VerifyArgs::from(how),
        }
    }
}

impl VerifyArgs {
    /// This command's target and AWS options with `user`'s options on how to verify
    /// (every [`HowArgs`] field, so a new one cannot be forgotten): what `harness
    /// local` runs against the twin it built.
    pub fn with_how_of(self, user: &VerifyArgs) -> VerifyArgs {
        let how = VerifyCli::split(user.clone()).how;
        VerifyCli {
            how,
            ..VerifyCli::split(self)
        }
        .join()
    }
}

impl From<HowArgs> for VerifyArgs {
    /// Verification options with no target: the twin (or a test) fills that in.
    fn from(how: HowArgs) -> Self {
        VerifyCli {
            how,
            ..VerifyCli::default()
        }
        .join()
    }
}

impl FromArgMatches for LocalArgs {
    fn from_arg_matches(matches: &ArgMatches) -> Result<Self, clap::Error> {
        LocalCli::from_arg_matches(matches).map(LocalCli::join)
    }

    fn update_from_arg_matches(&mut self, matches: &ArgMatches) -> Result<(), clap::Error> {
        // Only the options `local` parses are updated; the rest of `verify` is kept.
        let mut parts = VerifyCli::split(std::mem::take(&mut self.verify));
        let mut cli = LocalCli {
            weights: std::mem::take(&mut self.weights),
            faults: std::mem::take(&mut self.faults),
            keep: self.keep,
            promotion_flow: self.promotion_flow,
            at_step: self.at_step,
            how: parts.how,
        };
        let updated = cli.update_from_arg_matches(matches);
        (self.weights, self.faults, self.keep) = (cli.weights, cli.faults, cli.keep);
        (self.promotion_flow, self.at_step) = (cli.promotion_flow, cli.at_step);
        parts.how = cli.how;
        self.verify = parts.join();
        updated
    }
}

impl Args for LocalArgs {
    fn group_id() -> Option<clap::Id> {
        LocalCli::group_id()
    }

    fn augment_args(cmd: clap::Command) -> clap::Command {
        LocalCli::augment_args(cmd)
    }

    fn augment_args_for_update(cmd: clap::Command) -> clap::Command {
        LocalCli::augment_args_for_update(cmd)
    }
}
