//! Inputs about *when* and *what* to sample, and the input checks that keep bad values
//! from reaching AWS or the sampler (exit 2, one line, before any traffic).
//!
//! * **When.** ELBv2 does not say when a listener last changed, and each ALB node
//!   applies a change on its own schedule (seconds), so a gate that samples right after
//!   `terraform apply` can see the old split. `--changed-at TIME` (RFC 3339, the end of
//!   the apply) makes the run wait until `--settle` seconds after it.
//! * **What.** `--path` and `--header` choose which listener rule's weights apply and
//!   are sent with every request ([`RequestSpec`]).
//! * **Checks.** `--rps` must be finite and at least [`MIN_RPS`]; a listener ARN must
//!   have the ALB listener form, so a typo is a usage error rather than an AWS error.

use std::time::Duration;

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::VerifyConfig;
use super::sources::{FileConfig, TfOutputs};
use crate::cli::VerifyArgs;
use crate::error::{Error, Result};
use crate::sample::RequestSpec;

pub use crate::sample::MIN_RPS;

/// Default seconds to wait after `--changed-at` before sampling: ALB nodes apply
/// listener changes within seconds; 30 s leaves a margin.
pub const DEFAULT_SETTLE_S: u64 = 30;
/// Longest accepted `--settle`.
pub const MAX_SETTLE_S: u64 = 3600;
/// How far in the future `--changed-at` may lie (clock skew between the machine that
/// ran `terraform apply` and this one); further is a usage error.
pub const MAX_CLOCK_SKEW: Duration = Duration::from_secs(60);

/// When the listener last changed and what each request carries.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Extras {
    /// Target groups of the variants, when the services do not name them.
    pub target_groups: TargetGroups,
    /// Path and headers sent with every request; they also pick the listener rule.
    pub request: RequestSpec,
    /// End of the change (`--changed-at`).
    pub changed_at: Option<OffsetDateTime>,
    /// Time to wait after `changed_at` before sampling (`--settle`).
    pub settle: Duration,
}

/// Target group ARNs given as inputs (flags, `--config`, `--tf-outputs`). app-infra's
/// services carry no `loadBalancers` block (the registrar Lambda registers task IPs
/// across VPCs), so ECS cannot say which target group is whose; Terraform can.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TargetGroups {
    /// Stable's target group ARN.
    pub stable: Option<String>,
    /// Canary's target group ARN.
    pub canary: Option<String>,
}

impl Extras {
    /// How long to wait at `now` before sampling (zero without `--changed-at`).
    pub fn settle_wait(&self, now: OffsetDateTime) -> Duration {
        let Some(at) = self.changed_at else {
            return Duration::ZERO;
        };
        let until = at + self.settle;
        let left = until - now;
        if left.is_positive() {
            Duration::try_from(left).unwrap_or(Duration::ZERO)
        } else {
            Duration::ZERO
        }
    }

    /// `--flag value` pairs that reproduce these inputs.
    pub fn flags(&self) -> Vec<(String, String)> {
        let mut out = self.request.flags();
        for (flag, arn) in [
            ("stable-target-group", &self.target_groups.stable),
            ("canary-target-group", &self.target_groups.canary),
        ] {
            if let Some(arn) = arn {
                out.push((flag.into(), arn.clone()));
            }
        }
        if let Some(at) = self.changed_at.and_then(|t| t.format(&Rfc3339).ok()) {
            out.push(("changed-at".into(), at));
            out.push(("settle".into(), self.settle.as_secs().to_string()));
        }
        out
    }
}

/// Merges the flags over the `--config` file and validates.
pub(super) fn resolve(args: &VerifyArgs, file: &FileConfig, tf: &TfOutputs) -> Result<Extras> {
    let target_groups = TargetGroups {
        stable: (args.stable_target_group.clone())
            .or(file.stable_target_group.clone())
            .or(tf.stable_target_group_arn.clone()),
        canary: (args.canary_target_group.clone())
            .or(file.canary_target_group.clone())
            .or(tf.canary_target_group_arn.clone()),
    };
    let path = args.path.as_deref().or(file.path.as_deref());
    let headers = if args.headers.is_empty() {
        &file.headers
    } else {
        &args.headers
    };
    let request = RequestSpec::parse(path, headers)?.with_gate_token(
        args.gate_token
            .as_ref()
            .map(|t| t.0.clone())
            .or_else(|| std::env::var(crate::sample::GATE_TOKEN_ENV).ok()),
    )?;
    let changed_at = args
        .changed_at
        .as_deref()
        .or(file.changed_at.as_deref())
        .map(|s| parse_changed_at(s, OffsetDateTime::now_utc()))
        .transpose()?;
    let settle_s = args.settle.or(file.settle_s).unwrap_or(DEFAULT_SETTLE_S);
    if settle_s > MAX_SETTLE_S {
        return Err(Error::Config(format!(
            "--settle {settle_s}: at most {MAX_SETTLE_S} seconds"
        )));
    }
    Ok(Extras {
        target_groups,
        request,
        changed_at,
        settle: Duration::from_secs(settle_s),
    })
}

/// Parses `--changed-at` (RFC 3339); a time more than [`MAX_CLOCK_SKEW`] after `now`
/// is rejected.
pub fn parse_changed_at(s: &str, now: OffsetDateTime) -> Result<OffsetDateTime> {
    let t = OffsetDateTime::parse(s.trim(), &Rfc3339).map_err(|e| {
        Error::Config(format!(
            "--changed-at {s:?}: not an RFC 3339 time such as 2026-12-01T12:00:00Z ({e})"
        ))
    })?;
    if t - now > MAX_CLOCK_SKEW {
        return Err(Error::Config(format!(
            "--changed-at {s}: lies more than {} s in the future (clock or input wrong)",
            MAX_CLOCK_SKEW.as_secs()
        )));
    }
    Ok(t)
}

/// Checks the form `arn:PARTITION:elasticloadbalancing:REGION:ACCOUNT:listener/app/NAME/ID/ID`.
pub fn validate_listener_arn(arn: &str) -> Result<()> {
    let bad = |why: &str| {
        Err(Error::Config(format!(
            "--listener-arn {arn:?}: {why}; expected arn:PARTITION:elasticloadbalancing:REGION:ACCOUNT:listener/app/NAME/ID/ID"
        )))
    };
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    let [prefix, partition, service, region, account, resource] = parts[..] else {
        return bad("not an ARN");
    };
    let lower = |s: &str| s.chars().all(|c| c.is_ascii_lowercase() || c == '-');
    if prefix != "arn" || !partition.starts_with("aws") || !lower(partition) {
        return bad("not an AWS ARN");
    }
    if service != "elasticloadbalancing" {
        return bad("not an Elastic Load Balancing ARN");
    }
    let region_ok = region.rsplit_once('-').is_some_and(|(head, n)| {
        head.contains('-') && lower(head) && !n.is_empty() && n.chars().all(|c| c.is_ascii_digit())
    });
    if !region_ok {
        return bad("bad region");
    }
    if account.len() != 12 || !account.chars().all(|c| c.is_ascii_digit()) {
        return bad("account must be 12 digits");
    }
    let segs: Vec<&str> = resource.split('/').collect();
    let hex = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_hexdigit());
    let name_ok = |s: &str| {
        (1..=32).contains(&s.len())
            && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
            && !s.starts_with('-')
            && !s.ends_with('-')
    };
    match segs[..] {
        ["listener", "app", name, lb, id] if name_ok(name) && hex(lb) && hex(id) => Ok(()),
        ["listener", kind, ..] if kind != "app" => bad("not an Application Load Balancer listener"),
        _ => bad("not a listener resource"),
    }
}

/// Quotes `s` for a POSIX shell when it holds anything beyond a safe set.
pub fn shell_quote(s: &str) -> String {
    if !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./:=,@%+".contains(c))
    {
        s.to_owned()
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}

/// Checks of inputs the rest of `validate` does not cover.
pub(super) fn validate(cfg: &VerifyConfig) -> Result<()> {
    if !(cfg.rps.is_finite() && cfg.rps >= MIN_RPS) {
        return Err(Error::Config(format!(
            "--rps {}: must be a number of at least {MIN_RPS}",
            cfg.rps
        )));
    }
    if let Some(arn) = &cfg.listener_arn {
        validate_listener_arn(arn)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const ARN: &str = "arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/poem-alb/50dc6c495c0c9188/f2f7dc8efc522ab2";

    fn t(s: &str) -> OffsetDateTime {
        OffsetDateTime::parse(s, &Rfc3339).unwrap()
    }

    #[test]
    fn accepts_listener_arns() {
        validate_listener_arn(ARN).unwrap();
        validate_listener_arn(
            &ARN.replace(":aws:", ":aws-us-gov:")
                .replace("us-east-1", "us-gov-west-1"),
        )
        .unwrap();
        validate_listener_arn(
            &ARN.replace(":aws:", ":aws-cn:")
                .replace("us-east-1", "cn-north-1"),
        )
        .unwrap();
    }

    #[test]
    fn rejects_malformed_arns_with_one_line() {
        for bad in [
            "nonsense",
            "",
            "arn:aws:elasticloadbalancing",
            &ARN.replace("elasticloadbalancing", "ecs"),
            &ARN.replace("us-east-1", "useast1"),
            &ARN.replace("123456789012", "1234"),
            &ARN.replace("listener/app", "listener/net"),
            &ARN.replace("listener/app", "loadbalancer/app"),
            &ARN.replace("/f2f7dc8efc522ab2", ""),
            &ARN.replace("50dc6c495c0c9188", "xyz"),
            &ARN.replace("poem-alb", "bad_name"),
            &format!("{ARN}/extra"),
        ] {
            match validate_listener_arn(bad) {
                Err(Error::Config(m)) => {
                    assert!(m.contains("--listener-arn"), "{m}");
                    assert!(!m.contains('\n'));
                }
                other => panic!("{bad}: {other:?}"),
            }
        }
    }

    #[test]
    fn changed_at_parses_and_refuses_the_future() {
        let now = t("2026-12-01T12:00:00Z");
        assert_eq!(
            parse_changed_at("2026-12-01T11:59:00Z", now).unwrap(),
            t("2026-12-01T11:59:00Z")
        );
        // Within the clock-skew allowance.
        parse_changed_at("2026-12-01T12:00:59+00:00", now).unwrap();
        for bad in ["2026-12-01T12:01:01Z", "yesterday", "2026-12-01 12:00", ""] {
            assert!(
                matches!(parse_changed_at(bad, now), Err(Error::Config(m)) if m.contains("--changed-at") && !m.contains('\n')),
                "{bad}"
            );
        }
    }

    #[test]
    fn settle_wait_counts_from_the_change() {
        let now = t("2026-12-01T12:00:00Z");
        let e = |at: &str| Extras {
            changed_at: Some(t(at)),
            settle: Duration::from_secs(DEFAULT_SETTLE_S),
            ..Extras::default()
        };
        assert_eq!(Extras::default().settle_wait(now), Duration::ZERO);
        assert_eq!(
            e("2026-12-01T11:59:50Z").settle_wait(now),
            Duration::from_secs(20)
        );
        assert_eq!(e("2026-12-01T11:59:00Z").settle_wait(now), Duration::ZERO);
        assert_eq!(
            e("2026-12-01T12:00:10Z").settle_wait(now),
            Duration::from_secs(40)
        );
        let flags = e("2026-12-01T11:59:50Z").flags();
        assert_eq!(
            flags[0],
            ("changed-at".into(), "2026-12-01T11:59:50Z".into())
        );
    }
}
