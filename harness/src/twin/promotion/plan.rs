//! The promotion flow as data: the four steps deploy-canary.yml takes (with the weights
//! and image tags `terraform apply` is given at each), which faults can be injected at
//! which step, and which gate decisions are the right ones. Pure, so the rules are
//! unit-tested without a twin.

use crate::error::{Error, Result};
use crate::twin::spec::Weights;
use crate::twin::spec::fault::Fault;

/// Release the stable service runs before the promotion.
pub const FROM_RELEASE: &str = "v1";
/// Release the canary brings and the promotion makes stable.
pub const TO_RELEASE: &str = "v2";
/// Number of steps of the flow.
pub const STEPS: u32 = 4;
/// Faults the flow can inject, with the steps each can be injected at: the canary
/// faults need a step where the canary gets traffic (2 and 3).
pub const INJECTABLE: [(Fault, &[u32]); 3] = [
    (Fault::CanaryErrors, &[2, 3]),
    (Fault::CanaryStarved, &[2, 3]),
    (Fault::WafOff, &[1, 2, 3, 4]),
];

/// One step of the promotion.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    /// 1-based step number.
    pub number: u32,
    /// What the step does, for the report.
    pub name: &'static str,
    /// Listener weights after the step.
    pub weights: Weights,
    /// Image tag of the stable service after the step.
    pub stable_release: &'static str,
    /// Image tag of the canary service after the step.
    pub canary_release: &'static str,
}

/// The four steps: 100/0 on v1 (canary at zero), canary v2 at 90/10, 50/50, promote
/// v2 to stable at 100/0 (canary back to zero).
pub fn steps() -> [Step; 4] {
    let w = |s, c| Weights {
        stable: s,
        canary: c,
    };
    [
        Step {
            number: 1,
            name: "stable v1 only",
            weights: w(100, 0),
            stable_release: FROM_RELEASE,
            canary_release: FROM_RELEASE,
        },
        Step {
            number: 2,
            name: "canary v2",
            weights: w(90, 10),
            stable_release: FROM_RELEASE,
            canary_release: TO_RELEASE,
        },
        Step {
            number: 3,
            name: "canary half",
            weights: w(50, 50),
            stable_release: FROM_RELEASE,
            canary_release: TO_RELEASE,
        },
        Step {
            number: 4,
            name: "promote v2",
            weights: w(100, 0),
            stable_release: TO_RELEASE,
            canary_release: TO_RELEASE,
        },
    ]
}

/// A fault injected at one step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Injection {
    /// The fault.
    pub fault: Fault,
    /// The step (1..=[`STEPS`]).
    pub step: u32,
}

/// Validates `--fault` and `--at-step` for the flow: none of them, or exactly one
/// injectable fault with a step it can be injected at.
pub fn injection(faults: &[String], at_step: Option<u32>) -> Result<Option<Injection>> {
    let faults = Fault::parse_all(faults)?;
    let fault = match (faults.as_slice(), at_step) {
        ([], None) => return Ok(None),
        ([], Some(n)) => {
            return Err(Error::Config(format!(
                "--at-step {n}: give the --fault to inject at that step"
            )));
        }
        ([f], Some(_)) => *f,
        ([_], None) => {
            return Err(Error::Config(
                "--promotion-flow --fault: give the step with --at-step N (1-4)".into(),
            ));
        }
        _ => {
            return Err(Error::Config(
                "--promotion-flow: inject one --fault at a time".into(),
            ));
        }
    };
    let step = at_step.unwrap_or_default();
    let (_, allowed) = INJECTABLE
        .iter()
        .find(|(f, _)| *f == fault)
        .ok_or_else(|| {
            let names: Vec<&str> = INJECTABLE.iter().map(|(f, _)| f.name()).collect();
            Error::Config(format!(
                "--fault {fault}: the promotion flow injects only {}",
                names.join(", ")
            ))
        })?;
    if !allowed.contains(&step) {
        let steps: Vec<String> = allowed.iter().map(u32::to_string).collect();
        return Err(Error::Config(format!(
            "--fault {fault} --at-step {step}: {fault} can be injected at step {}",
            steps.join(" or ")
        )));
    }
    Ok(Some(Injection { fault, step }))
}

/// One gate run of the flow, as reported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepReport {
    /// `1` .. `4`, or `rollback`.
    pub label: String,
    /// Weights requested.
    pub weights: Weights,
    /// (stable, canary) image tags requested.
    pub tags: (String, String),
    /// The gate's decision line (`GO (exit 0)` / `ROLL BACK (exit N): ...`).
    pub decision: String,
    /// Exit code of the gate.
    pub exit: i32,
    /// Whether the gate said go.
    pub go: bool,
    /// Whether go is the right decision (no fault injected at this step).
    pub expect_go: bool,
}

impl StepReport {
    /// The one line printed per gate run.
    pub fn line(&self) -> String {
        format!(
            "step {:<8} weights {:<6} tags {}/{}  gate {}{}",
            self.label,
            self.weights.to_string(),
            self.tags.0,
            self.tags.1,
            self.decision,
            if self.right() {
                ""
            } else if self.expect_go {
                "  (WRONG: expected GO)"
            } else {
                "  (WRONG: expected ROLL BACK)"
            }
        )
    }

    /// Whether the decision is the right one.
    pub fn right(&self) -> bool {
        self.go == self.expect_go
    }
}

/// What went wrong in a finished flow: each wrong decision, and a fault whose step
/// was never reached.
pub fn wrong(reports: &[StepReport], inj: Option<Injection>) -> Vec<String> {
    let mut out: Vec<String> = reports
        .iter()
        .filter(|r| !r.right())
        .map(|r| {
            format!(
                "step {}: gate said {} but {} was expected",
                r.label,
                if r.go { "GO" } else { "ROLL BACK" },
                if r.expect_go { "GO" } else { "ROLL BACK" }
            )
        })
        .collect();
    if let Some(i) = inj
        && !reports.iter().any(|r| r.label == i.step.to_string())
    {
        out.push(format!(
            "step {}: never reached, so {} was not injected",
            i.step, i.fault
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn steps_follow_deploy_canary() {
        let s = steps();
        let got: Vec<(String, &str, &str)> = s
            .iter()
            .map(|s| (s.weights.to_string(), s.stable_release, s.canary_release))
            .collect();
        assert_eq!(
            got,
            vec![
                ("100/0".into(), "v1", "v1"),
                ("90/10".into(), "v1", "v2"),
                ("50/50".into(), "v1", "v2"),
                ("100/0".into(), "v2", "v2"),
            ]
        );
        assert!(s.iter().zip(1..).all(|(s, n)| s.number == n));
    }

    #[test]
    fn injections_are_validated() {
        assert_eq!(injection(&[], None).unwrap(), None);
        assert_eq!(
            injection(&names(&["canary-errors"]), Some(2)).unwrap(),
            Some(Injection {
                fault: Fault::CanaryErrors,
                step: 2
            })
        );
        assert!(injection(&names(&["waf-off"]), Some(4)).is_ok());
        for (f, step, needle) in [
            (vec![], Some(2), "give the --fault"),
            (vec!["canary-errors"], None, "--at-step"),
            (vec!["canary-errors", "waf-off"], Some(2), "one --fault"),
            (vec!["tls-legacy"], Some(2), "injects only"),
            (vec!["canary-errors"], Some(1), "step 2 or 3"),
            (vec!["canary-starved"], Some(4), "step 2 or 3"),
            (vec!["waf-off"], Some(5), "step 1 or 2 or 3 or 4"),
            (vec!["nope"], Some(2), "unknown fault"),
        ] {
            match injection(&names(&f), step) {
                Err(Error::Config(m)) => assert!(m.contains(needle), "{f:?}: {m}"),
                other => panic!("{f:?} {step:?}: {other:?}"),
            }
        }
    }

    #[test]
    fn wrong_decisions_and_unreached_faults_are_named() {
        let r = |label: &str, go: bool, expect_go: bool| StepReport {
            label: label.into(),
            weights: Weights {
                stable: 90,
                canary: 10,
            },
            tags: ("v1".into(), "v2".into()),
            decision: String::new(),
            exit: i32::from(!go),
            go,
            expect_go,
        };
        let inj = Some(Injection {
            fault: Fault::CanaryErrors,
            step: 2,
        });
        let ok = [
            r("1", true, true),
            r("2", false, false),
            r("rollback", true, true),
        ];
        assert!(wrong(&ok, inj).is_empty());
        let missed = [r("1", true, true), r("2", true, false), r("3", true, true)];
        assert_eq!(wrong(&missed, inj).len(), 1);
        assert!(
            r("2", true, false)
                .line()
                .contains("WRONG: expected ROLL BACK")
        );
        let early = [r("1", false, true), r("rollback", true, true)];
        let w = wrong(&early, inj);
        assert_eq!(w.len(), 2, "{w:?}");
        assert!(w[1].contains("never reached"));
    }
}
