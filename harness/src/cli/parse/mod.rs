//! How [`VerifyArgs`] and ([`local`]) `LocalArgs` are parsed: each command's clap struct
//! flattens the option groups of [`super::options`] that apply to it, and is then
//! turned into the flat structs the rest of the harness uses. `verify` and `gate` take
//! every group; `local` takes only the groups that apply to a twin it builds itself, so
//! `local --help` shows no target or AWS flag and `local --url …` is a usage error.
//!
//! The conversions destructure every field, so a new option that is not placed in a
//! group fails to compile instead of being silently dropped.

use clap::{ArgMatches, Args, FromArgMatches};

use super::options::{AwsArgs, DecisionArgs, HowArgs, OutputArgs, TargetArgs, TrafficArgs};
use super::{GateToken, VerifyArgs};

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

mod local;
