//! The result model: what a run found, as data. Checks produce it, every report format
//! renders it (JSON, JUnit, Markdown, HTML), and `harness report` reads it back.
//! It is the one contract between the engine and the renderers; change it additively
//! and bump [`SCHEMA_VERSION`] on breaking changes.

mod evidence;
mod sample;

use serde::{Deserialize, Serialize};

pub use evidence::{
    Evidence, FalsePositive, HealthEvidence, LatencyComparison, PathPoint, ProtocolProbe,
    RedirectEvidence, ScaleEvidence, SplitEvidence, TlsEvidence, WafCell, WafEvidence, WebAclInfo,
};
pub use sample::{HistogramBucket, LatencySummary, SampleSummary, VariantStats};

use crate::exit;

/// Version of the `report.json` schema (`schemas/report.schema.json`).
pub const SCHEMA_VERSION: u32 = 1;

/// Outcome of one check, or of a whole run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Verdict {
    /// The evidence shows the deployment does what is configured.
    Pass,
    /// Not enough evidence either way.
    Inconclusive,
    /// The evidence shows a deviation.
    Fail,
}

impl Verdict {
    /// Worst of two verdicts: FAIL > INCONCLUSIVE > PASS.
    pub fn worst(self, other: Verdict) -> Verdict {
        self.max(other)
    }

    /// Combined verdict of many; an empty list has no evidence and is INCONCLUSIVE.
    pub fn combine<I: IntoIterator<Item = Verdict>>(verdicts: I) -> Verdict {
        verdicts
            .into_iter()
            .reduce(Verdict::worst)
            .unwrap_or(Verdict::Inconclusive)
    }

    /// The documented exit code for this verdict.
    pub fn exit_code(self) -> i32 {
        match self {
            Verdict::Pass => exit::EXIT_OK,
            Verdict::Fail => exit::EXIT_CHECK_FAILED,
            Verdict::Inconclusive => exit::EXIT_INCONCLUSIVE,
        }
    }

    /// Upper-case label as shown in reports.
    pub fn label(self) -> &'static str {
        match self {
            Verdict::Pass => "PASS",
            Verdict::Fail => "FAIL",
            Verdict::Inconclusive => "INCONCLUSIVE",
        }
    }
}

impl std::fmt::Display for Verdict {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.label())
    }
}

/// Result of one check.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CheckResult {
    /// Check name: `split`, `scale`, `health`, `tls` or `waf`.
    pub name: String,
    /// The verdict.
    pub verdict: Verdict,
    /// One or two sentences a person reads first.
    pub summary: String,
    /// Non-fatal findings (SRM warning, missing HSTS, rate limiting suspected, ...).
    #[serde(default)]
    pub warnings: Vec<String>,
    /// The numbers behind the verdict.
    pub evidence: Evidence,
}

/// What was verified.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Target {
    /// HTTPS URL sampled.
    pub url: String,
    /// Host name (used for the run folder name).
    pub host: String,
    /// Listener ARN that holds the configured weights.
    #[serde(default)]
    pub listener_arn: Option<String>,
    /// ECS cluster.
    #[serde(default)]
    pub cluster: Option<String>,
    /// ECS stable service.
    #[serde(default)]
    pub stable_service: Option<String>,
    /// ECS canary service.
    #[serde(default)]
    pub canary_service: Option<String>,
}

/// Settings that shaped the decisions, recorded for reproducibility.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RunSettings {
    /// Significance level.
    pub alpha: f64,
    /// Equivalence margin (absolute share).
    pub margin: f64,
    /// Request budget.
    pub max_requests: u64,
    /// Concurrency.
    pub concurrency: usize,
    /// Rate cap, requests per second.
    #[serde(default)]
    pub rps: Option<f64>,
    /// Checks selected.
    pub checks: Vec<String>,
}

/// Everything one run found: serialised as `report.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunResult {
    /// [`SCHEMA_VERSION`] at the time of writing.
    pub schema_version: u32,
    /// Version of the harness that produced the run.
    pub harness_version: String,
    /// RFC 3339 UTC start time.
    pub started_at: String,
    /// RFC 3339 UTC end time.
    pub finished_at: String,
    /// The exact command to reproduce the run.
    pub command: String,
    /// What was verified.
    pub target: Target,
    /// Decision settings.
    pub settings: RunSettings,
    /// Aggregates of the traffic sample (absent when no traffic check ran).
    #[serde(default)]
    pub sample: Option<SampleSummary>,
    /// One entry per check run.
    pub checks: Vec<CheckResult>,
    /// Worst verdict of all checks (INCONCLUSIVE when there are none).
    pub verdict: Verdict,
}

impl RunResult {
    /// Recomputes the overall verdict from the checks.
    pub fn overall(checks: &[CheckResult]) -> Verdict {
        Verdict::combine(checks.iter().map(|c| c.verdict))
    }

    /// Exit code of the run.
    pub fn exit_code(&self) -> i32 {
        self.verdict.exit_code()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn worst_verdict_wins() {
        use Verdict::*;
        assert_eq!(Verdict::combine([Pass, Pass]), Pass);
        assert_eq!(Verdict::combine([Pass, Inconclusive]), Inconclusive);
        assert_eq!(Verdict::combine([Inconclusive, Fail, Pass]), Fail);
        assert_eq!(Verdict::combine([]), Inconclusive);
    }

    #[test]
    fn exit_codes_match_contract() {
        assert_eq!(Verdict::Pass.exit_code(), 0);
        assert_eq!(Verdict::Fail.exit_code(), 1);
        assert_eq!(Verdict::Inconclusive.exit_code(), 3);
    }
}
