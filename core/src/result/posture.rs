//! Evidence of the `waf-posture` check ("how strong is the WAF?"): block rates of the
//! full attack corpus per category × placement × encoding with exact intervals, the
//! opt-in floors and how each was judged, and every attack that passed as a curl
//! command a user can replay. Kept apart from [`super::WafEvidence`] (the gate tier:
//! "is the WAF we deploy in force?"), which answers a different question.

use serde::{Deserialize, Serialize};

/// Counts and block rate of one group of attack requests.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PostureCell {
    /// Attack category, or `*` for all.
    pub category: String,
    /// Placement, or `*` for all.
    pub placement: String,
    /// Encoding, or `*` for all.
    pub encoding: String,
    /// Requests sent.
    pub sent: u64,
    /// Blocked by the WAF (its block status, no attribution header).
    pub blocked: u64,
    /// Answered by the app: the attack got through.
    pub passed: u64,
    /// Rate-limited (429 naming a WAF rule in `x-waf-rule`): neither block nor pass.
    pub rate_limited: u64,
    /// Neither (timeout, 5xx from the edge, a 200 block page).
    pub unresolved: u64,
    /// Block rate `blocked / (blocked + passed)` (0 when nothing resolved).
    pub rate: f64,
    /// Clopper–Pearson lower bound of the block rate at the run's level.
    pub ci_low: f64,
    /// Clopper–Pearson upper bound of the block rate at the run's level.
    pub ci_high: f64,
}

/// How an opt-in floor was judged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FloorOutcome {
    /// The interval lies at or above the floor.
    Met,
    /// The interval's upper bound is below the floor: FAIL.
    Below,
    /// The interval contains the floor: INCONCLUSIVE.
    Straddles,
}

impl FloorOutcome {
    /// Lower-case word for reports.
    pub fn label(self) -> &'static str {
        match self {
            FloorOutcome::Met => "met",
            FloorOutcome::Below => "below",
            FloorOutcome::Straddles => "straddles",
        }
    }
}

/// One opt-in floor and its judgement.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PostureFloor {
    /// `overall` or the category name.
    pub scope: String,
    /// Required block rate.
    pub floor: f64,
    /// Observed block rate of the scope.
    pub rate: f64,
    /// Clopper–Pearson bounds at the Bonferroni-adjusted level `1 − α/k` (k floors).
    pub low: f64,
    /// Upper bound, same level.
    pub high: f64,
    /// Judgement.
    pub outcome: FloorOutcome,
}

/// An attack that got through, ready to replay.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct MissedAttack {
    /// Corpus id (`category/placement/encoding/index`).
    pub id: String,
    /// Status the app answered.
    pub status: u16,
    /// The request as a shell-quoted curl command.
    pub curl: String,
}

/// Evidence of the `waf-posture` check.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PostureEvidence {
    /// Status that counts as blocked.
    pub block_status: u16,
    /// Significance level of the intervals.
    pub alpha: f64,
    /// All attacks together (category, placement and encoding `*`).
    pub overall: PostureCell,
    /// Per category.
    pub by_category: Vec<PostureCell>,
    /// Per placement.
    pub by_placement: Vec<PostureCell>,
    /// Per encoding.
    pub by_encoding: Vec<PostureCell>,
    /// Per category × placement × encoding.
    pub cells: Vec<PostureCell>,
    /// Opt-in floors (empty: report only).
    #[serde(default)]
    pub floors: Vec<PostureFloor>,
    /// Every attack that passed, as curl commands.
    #[serde(default)]
    pub missed: Vec<MissedAttack>,
}
