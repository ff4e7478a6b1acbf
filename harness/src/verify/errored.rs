//! The ERROR result of a check whose AWS read or probe failed after traffic was
//! sampled. Such a failure must not cost the run its report: the check becomes ERROR
//! with the failure, on one line, as its summary, the other checks and the sample are
//! kept, and the run exits 4 through the verdict precedence (FAIL still wins).

use crate::error::{Error, one_line};
use crate::result::{CheckResult, Evidence, Verdict};

/// An ERROR check named `name` whose summary is `err` and its causes on one line (the
/// verdict already says the check could not finish).
pub(super) fn errored(name: &str, err: &Error) -> CheckResult {
    CheckResult {
        name: name.to_string(),
        verdict: Verdict::Error,
        summary: one_line(err),
        warnings: vec![],
        evidence: Evidence::None,
    }
}

/// An ERROR traffic check: no request reached the target, so it gathered nothing.
pub(super) fn unable_to_sample(name: &str, err: &Error) -> CheckResult {
    CheckResult {
        name: name.to_string(),
        verdict: Verdict::Error,
        summary: format!("could not sample the target: {}", one_line(err)),
        warnings: vec![],
        evidence: Evidence::None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::result::RunResult;

    #[test]
    fn an_error_after_sampling_is_an_error_check_with_a_one_line_reason() {
        let c = errored(
            "scale",
            &Error::Aws("ECS services in cluster web: boom".into()),
        );
        assert_eq!(c.verdict, Verdict::Error);
        assert_eq!(c.summary, "AWS: ECS services in cluster web: boom");
        let pass = CheckResult {
            name: "split".into(),
            verdict: Verdict::Pass,
            summary: "ok".into(),
            warnings: vec![],
            evidence: Evidence::None,
        };
        let mut checks = vec![pass, c];
        assert_eq!(RunResult::overall(&checks), Verdict::Error);
        assert_eq!(RunResult::overall(&checks[..1]), Verdict::Pass);
        checks[0].verdict = Verdict::Fail;
        assert_eq!(RunResult::overall(&checks), Verdict::Fail);
    }
}
