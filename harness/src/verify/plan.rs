//! `harness verify --plan`: what each check will need, computed from the configuration
//! and the listener weights alone, before any traffic is sent. Operators use it to
//! size `--max-requests` and `--rps` (and the time a gate takes) ahead of a promotion
//! step, and a budget too small for the split test is reported here with the budget
//! it needs, exactly as `verify` would reject it.
//!
//! The split figures are exact: the expected requests to a verdict at the configured
//! share come from the group-sequential recursion on the planned looks
//! ([`crate::stats::group_sequential`]), the maximum is the budget; at weight 0/100 the
//! leak test stops after exactly its sample `n` when no hit arrives. [`plan`] computes
//! and [`render`] formats (pure functions); [`run`] reads the weights from AWS and
//! prints.

use crate::aws;
use crate::checks::split::{SplitConfig, SplitMonitor};
use crate::cli::VerifyArgs;
use crate::config::{self, CheckName, VerifyConfig};
use crate::error::{Error, Result};

/// `harness verify --plan`: reads the configuration and the listener weights (AWS
/// reads only), prints what each check will need and sends no traffic. An inadequate
/// split budget is the configuration error `verify` would stop with.
pub async fn run(args: VerifyArgs) -> Result<()> {
    let cfg = config::resolve(&args)?;
    let weights = if cfg.has_aws_target() {
        let sdk = aws::load(&cfg.aws).await?;
        let endpoint = crate::endpoint::Endpoint::new(
            &cfg.url,
            cfg.http_url.as_deref(),
            &cfg.resolve,
            cfg.ca_file.as_deref(),
        )?;
        let t = aws::read_truth(&sdk, &super::truth_request(&cfg, &endpoint)).await?;
        Some((t.stable_weight, t.canary_weight))
    } else {
        None
    };
    let (mut plans, problem) = plan(&cfg, weights);
    if cfg.runs(CheckName::WafPosture) {
        plans.push(super::posture::plan_line(&cfg));
    }
    print!("{}", render(&plans, cfg.rps));
    problem.map_or(Ok(()), Err)
}

/// What one check will need.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckPlan {
    /// Check name as on the command line.
    pub check: String,
    /// Expected requests when the deployment is as configured (`None`: sends none of
    /// its own or cannot be planned).
    pub requests_expected: Option<u64>,
    /// Most requests it can send.
    pub requests_max: Option<u64>,
    /// How the figures come about, or why there are none.
    pub note: String,
}

/// The plan of the checks selected in `cfg` that draw on the sampled traffic, for the
/// listener `weights` (stable, canary) when they were read. The second value is the
/// configuration error `verify` would stop with (an inadequate budget), if any.
pub fn plan(cfg: &VerifyConfig, weights: Option<(i64, i64)>) -> (Vec<CheckPlan>, Option<Error>) {
    let mut out = Vec::new();
    let mut problem = None;
    let Some((stable, canary)) = weights else {
        return (out, problem);
    };
    let split_cfg = SplitConfig {
        stable_weight: stable,
        canary_weight: canary,
        alpha: cfg.alpha,
        margin: cfg.margin,
        leak_margin: cfg.leak_margin,
        max_requests: cfg.max_requests,
    };
    let monitor = SplitMonitor::new(split_cfg);
    let zero_weight = stable == 0 || canary == 0;
    if cfg.runs(CheckName::Split) {
        let line = match &monitor {
            Ok(m) if zero_weight => CheckPlan {
                check: "split".into(),
                requests_expected: Some(m.leak_n()),
                requests_max: Some(m.leak_n()),
                note: format!(
                    "weight {stable}/{canary}: leak test, {} responses with no hit on the \
                     zero-weight side bound its share below the leak margin {:.3}% at \
                     {:.0}% confidence; any hit FAILs at once",
                    thousands(m.leak_n()),
                    100.0 * cfg.leak_margin,
                    100.0 * (1.0 - cfg.alpha)
                ),
            },
            Ok(m) => {
                let h = m.healthy_operating();
                let band = m.band();
                CheckPlan {
                    check: "split".into(),
                    requests_expected: Some(h.expected_n.round() as u64),
                    requests_max: Some(cfg.max_requests),
                    note: format!(
                        "weight {stable}/{canary}: band {:.2}% ± {:.2}%, P(PASS | healthy) = \
                         {:.4} within the budget (exact); {} looks at nominal level {:.3e}",
                        100.0 * band.center,
                        100.0 * band.margin,
                        h.pass,
                        m.planned_looks().len(),
                        m.nominal_level().unwrap_or(cfg.alpha)
                    ),
                }
            }
            Err(e) => CheckPlan {
                check: "split".into(),
                requests_expected: None,
                requests_max: Some(cfg.max_requests),
                note: e.to_string(),
            },
        };
        out.push(line);
    }
    if cfg.runs(CheckName::Scale) {
        let n = crate::stats::zero_weight_n(cfg.leak_margin, cfg.alpha);
        out.push(if canary == 0 {
            CheckPlan {
                check: "scale".into(),
                requests_expected: Some(n),
                requests_max: Some(n),
                note: format!(
                    "canary weight 0: ECS and target-group reads (waits up to {} s for the \
                     drain) and {} responses with no canary hit (shared with split)",
                    cfg.drain_timeout.as_secs(),
                    thousands(n)
                ),
            }
        } else {
            CheckPlan {
                check: "scale".into(),
                requests_expected: None,
                requests_max: None,
                note: format!(
                    "not applicable: canary weight {canary} > 0: scale-to-zero applies only \
                     at weight 0"
                ),
            }
        });
    }
    if cfg.runs(CheckName::Health) {
        let tol = crate::checks::health::DEFAULT_ERROR_TOLERANCE;
        let (expected, note) = crate::checks::health::plan::describe(
            (stable, canary),
            cfg.max_requests,
            cfg.alpha,
            tol,
        );
        let max = expected.map(|_| cfg.max_requests);
        out.push(CheckPlan {
            check: "health".into(),
            requests_expected: expected,
            requests_max: max,
            note,
        });
    }
    if cfg.runs(CheckName::Split) {
        problem = monitor.err().map(Error::from);
    }
    (out, problem)
}

/// The plan as text, one line per check, with the wall time at `rps` requests per
/// second.
pub fn render(plans: &[CheckPlan], rps: f64) -> String {
    let count = |n: Option<u64>| n.map_or("-".to_string(), thousands);
    let time = |n: Option<u64>| n.map_or("-".to_string(), |n| seconds(n as f64 / rps));
    let mut out = format!(
        "{:<6} {:>10} {:>10} {:>9} {:>9}  note (wall time at {rps} requests/s)\n",
        "check", "expected", "max", "t(exp)", "t(max)"
    );
    for p in plans {
        out.push_str(&format!(
            "{:<6} {:>10} {:>10} {:>9} {:>9}  {}\n",
            p.check,
            count(p.requests_expected),
            count(p.requests_max),
            time(p.requests_expected),
            time(p.requests_max),
            p.note
        ));
    }
    out
}

fn seconds(s: f64) -> String {
    if s < 120.0 {
        format!("{s:.0} s")
    } else {
        format!("{:.1} min", s / 60.0)
    }
}

fn thousands(n: u64) -> String {
    crate::checks::split::thousands(n)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::VerifyArgs;

    fn cfg(extra: impl Fn(&mut VerifyArgs)) -> VerifyConfig {
        let mut args = VerifyArgs {
            url: Some("https://plan.example/".into()),
            listener_arn: Some(
                "arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/a/1/2".into(),
            ),
            cluster: Some("c".into()),
            stable_service: Some("s".into()),
            canary_service: Some("k".into()),
            ..VerifyArgs::default()
        };
        extra(&mut args);
        crate::config::resolve(&args).unwrap()
    }

    #[test]
    fn interior_weights_plan_the_sequential_test_exactly() {
        let c = cfg(|_| {});
        let (plans, problem) = plan(&c, Some((90, 10)));
        assert!(problem.is_none());
        let split = &plans[0];
        assert_eq!(split.check, "split");
        assert_eq!(split.requests_max, Some(20_000));
        let m = SplitMonitor::new(SplitConfig::new(90, 10)).unwrap();
        let expected = m.healthy_operating().expected_n.round() as u64;
        assert_eq!(split.requests_expected, Some(expected));
        assert!(expected > m.planned_looks()[0] && expected < 20_000);
        assert!(
            plans[1].note.starts_with("not applicable"),
            "{:?}",
            plans[1]
        );
        let text = render(&plans, 200.0);
        assert!(text.contains("100 s"), "{text}");
        assert_eq!(text.lines().count(), 4, "{text}");
        assert!(text.contains("health") && text.contains("7,290"), "{text}");
    }

    #[test]
    fn weight_zero_plans_the_leak_test() {
        let c = cfg(|_| {});
        let (plans, problem) = plan(&c, Some((100, 0)));
        assert!(problem.is_none());
        assert_eq!(plans[0].requests_expected, Some(4_603));
        assert_eq!(plans[0].requests_max, Some(4_603));
        assert_eq!(plans[1].requests_expected, Some(4_603));
        assert!(render(&plans, 200.0).contains("4,603"));
    }

    #[test]
    fn inadequate_budget_is_planned_and_reported() {
        let c = cfg(|a| a.max_requests = Some(1_000));
        let (plans, problem) = plan(&c, Some((0, 100)));
        let Some(Error::Config(msg)) = problem else {
            panic!("{problem:?}")
        };
        assert!(msg.contains("4,603"), "{msg}");
        assert_eq!(plans[0].requests_expected, None);
        assert!(plans[0].note.contains("4,603"));
    }
}
