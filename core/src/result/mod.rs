//! The result model: what a run found, as data. Checks produce it, every report format
//! renders it (JSON, JUnit, Markdown, HTML), and `harness report` reads it back.
//! It is the one contract between the engine and the renderers; change it additively
//! and bump [`SCHEMA_VERSION`] on breaking changes.

mod evidence;
mod nodes;
mod posture;
mod sample;
mod shard;
mod split;
mod tls;
mod waf_gate;

use serde::{Deserialize, Serialize};

pub use evidence::{
    ChangePointEvidence, Evidence, FalsePositive, HealthBounds, HealthEvidence, LatencyComparison,
    PathPoint, QuantileShift, ScaleEvidence, SplitEvidence, WafCell, WafEvidence, WebAclInfo,
};
pub use nodes::{NodeCounts, NodeEvidence, NodeHomogeneity};
pub use posture::{FloorOutcome, MissedAttack, PostureCell, PostureEvidence, PostureFloor};
pub use sample::{
    HISTOGRAM_BUCKET_RATIO, HISTOGRAM_FIRST_BUCKET_US, HistogramBucket, LatencySummary,
    SampleSummary, VariantStats,
};
pub use shard::{Shard, ShardSettings};
pub use tls::{ProtocolProbe, RedirectEvidence, TlsEvidence, rfc3339};
pub use waf_gate::{FalsePositiveRate, GateGroup, GateRow, ManagedGroupInfo};

use crate::exit;

/// Version of the `report.json` schema (`schemas/report.schema.json`).
pub const SCHEMA_VERSION: u32 = 1;

/// Outcome of one check, or of a whole run.
///
/// The five states and their precedence are defined here once, for every check and
/// every report. A run's verdict is the worst of its checks in this order (the
/// derived `Ord` is the precedence):
///
/// | state | exit | meaning |
/// | --- | --- | --- |
/// | `FAIL` | 1 | the evidence shows a deviation |
/// | `ERROR` | 4 | a read or probe failed, so the check could not finish |
/// | `INCONCLUSIVE` | 3 | the check ran but the evidence decides neither way |
/// | `PASS` | 0 | the evidence shows the deployment does what is configured |
/// | `NOT_APPLICABLE` | 0 | the check cannot apply here (e.g. scale-to-zero at canary weight 10); the summary says why |
///
/// `NOT_APPLICABLE` never makes a run INCONCLUSIVE: it is left out of the
/// combination. A run in which no check applied at all has verified nothing and is
/// INCONCLUSIVE.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Verdict {
    /// The check cannot apply to this deployment (the summary says why).
    #[serde(rename = "NOT_APPLICABLE")]
    NotApplicable,
    /// The evidence shows the deployment does what is configured.
    #[serde(rename = "PASS")]
    Pass,
    /// Not enough evidence either way.
    #[serde(rename = "INCONCLUSIVE")]
    Inconclusive,
    /// A read or probe failed and stopped the check (the summary names it).
    #[serde(rename = "ERROR")]
    Error,
    /// The evidence shows a deviation.
    #[serde(rename = "FAIL")]
    Fail,
}

impl Verdict {
    /// Every state, in precedence order (least severe first).
    pub const ALL: [Verdict; 5] = [
        Verdict::NotApplicable,
        Verdict::Pass,
        Verdict::Inconclusive,
        Verdict::Error,
        Verdict::Fail,
    ];

    /// Worst of two verdicts: FAIL > ERROR > INCONCLUSIVE > PASS > NOT_APPLICABLE.
    pub fn worst(self, other: Verdict) -> Verdict {
        self.max(other)
    }

    /// Combined verdict of many. NOT_APPLICABLE checks are left out; a list with no
    /// applicable check has no evidence and is INCONCLUSIVE.
    pub fn combine<I: IntoIterator<Item = Verdict>>(verdicts: I) -> Verdict {
        verdicts
            .into_iter()
            .filter(|v| *v != Verdict::NotApplicable)
            .reduce(Verdict::worst)
            .unwrap_or(Verdict::Inconclusive)
    }

    /// The documented exit code for this verdict.
    pub fn exit_code(self) -> i32 {
        match self {
            Verdict::Pass | Verdict::NotApplicable => exit::EXIT_OK,
            Verdict::Fail => exit::EXIT_CHECK_FAILED,
            Verdict::Inconclusive => exit::EXIT_INCONCLUSIVE,
            Verdict::Error => exit::EXIT_RUNTIME,
        }
    }

    /// Upper-case label as shown in reports.
    pub fn label(self) -> &'static str {
        match self {
            Verdict::NotApplicable => "NOT APPLICABLE",
            Verdict::Pass => "PASS",
            Verdict::Fail => "FAIL",
            Verdict::Inconclusive => "INCONCLUSIVE",
            Verdict::Error => "ERROR",
        }
    }

    /// Lower-case, dash-free token (CSS classes, file names).
    pub fn token(self) -> &'static str {
        match self {
            Verdict::NotApplicable => "not-applicable",
            Verdict::Pass => "pass",
            Verdict::Fail => "fail",
            Verdict::Inconclusive => "inconclusive",
            Verdict::Error => "error",
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
    /// The runner's shard when the run was one of several (`--shard I/N`): a fixed
    /// share of the planned sample, no early stop, poolable by `harness merge`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shard: Option<ShardSettings>,
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
    /// Worst verdict of the applicable checks ([`Verdict::combine`]).
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
        assert_eq!(Verdict::combine([NotApplicable, Pass]), Pass);
        assert_eq!(
            Verdict::combine([NotApplicable, NotApplicable]),
            Inconclusive
        );
        assert_eq!(
            Verdict::combine([Inconclusive, NotApplicable]),
            Inconclusive
        );
        assert_eq!(Verdict::combine([Inconclusive, Error]), Error);
        assert_eq!(Verdict::combine([Error, Fail, Inconclusive]), Fail);
    }

    #[test]
    fn exit_codes_match_contract() {
        assert_eq!(Verdict::Pass.exit_code(), 0);
        assert_eq!(Verdict::Fail.exit_code(), 1);
        assert_eq!(Verdict::Inconclusive.exit_code(), 3);
        assert_eq!(Verdict::Error.exit_code(), 4);
        assert_eq!(Verdict::NotApplicable.exit_code(), 0);
    }
}
