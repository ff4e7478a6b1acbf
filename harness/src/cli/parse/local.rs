//! How [`LocalArgs`] is parsed: `local` flattens only [`HowArgs`], the options on how
//! to verify, and the twin fills in the target ([`VerifyArgs::with_how_of`]).

use clap::{ArgMatches, Args, FromArgMatches};

use super::VerifyCli;
use crate::cli::options::HowArgs;
use crate::cli::{LocalArgs, VerifyArgs};

/// What `local` parses.
#[derive(Debug, Clone, Args)]
struct LocalCli {
    /// Weights as STABLE/CANARY, e.g. 90/10 or 100/0.
    #[arg(long, default_value = "90/10")]
    weights: String,
    /// Break the twin on purpose (repeatable): weight-drift, canary-not-scaled, waf-off,
    /// cert-expired, cert-wrong-host, tls-legacy, no-redirect, canary-errors, canary-slow,
    /// canary-starved, stale-target, redirect-drops-query, cert-not-acm, waf-no-acl,
    /// waf-no-sqli, waf-no-common, waf-no-known-bad-inputs, waf-count-sqli, node-stale.
    // Every name of `Fault::ALL`; the twin's fault tests check that (the cli cannot
    // import the twin: the module graph is a DAG).
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
