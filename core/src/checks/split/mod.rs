//! The `split` check: observed canary share against the listener's weights, decided
//! sequentially. The rules are written out in [`crate::stats`]; this file holds the
//! state between looks and turns it into a [`CheckResult`].

use crate::error::Result;
use crate::result::{CheckResult, Evidence, PathPoint, SampleSummary, SplitEvidence};
use crate::stats::group_sequential::Operating;
use crate::stats::{self, Band, Decision, Interval, LookPlan, MAX_UNATTRIBUTED_SHARE};

mod config;
mod converge;
mod design;
mod fixed;
mod fixed_nodes;
mod nodes;
pub mod release;
mod verdict;

pub use config::{
    DEFAULT_ALPHA, DEFAULT_LEAK_MARGIN, DEFAULT_MARGIN, DEFAULT_MAX_REQUESTS, FIRST_LOOK_FRACTION,
    LOOK_RATIO, MAX_WEIGHT, MIN_FIRST_LOOK, MIN_PASS_PROBABILITY, SplitConfig, ZERO_WEIGHT_LOOKS,
};
pub use converge::{CHECKPOINTS_PER_FIRST_LOOK, SETTLE_BUDGET_FRACTION, SETTLE_S};
pub use design::{BUDGET_SEARCH_LIMIT, smallest_budget, thousands};
pub use fixed::fixed_n;
pub use nodes::NODE_ALPHA;

/// Why sampling stopped before the budget.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stop {
    Pass,
    Fail,
    /// The unattributed share is shown to exceed the limit.
    Unattributed,
    /// The share of requests without a response is shown to exceed the limit.
    Lost,
}

/// The numbers of one look.
#[derive(Debug, Clone, Copy)]
struct Look {
    requests: u64,
    n: u64,
    canary: u64,
    interval: Interval,
    alpha: f64,
}

/// Sequential state of the split test; the sampler asks it after every batch.
///
/// Use: `let mut m = SplitMonitor::new(cfg)?; loop { send m.batch_size() more
/// requests; if m.observe(&summary) { break } }; m.finish(&summary)`. Call
/// [`SplitMonitor::batch_size`] before every batch: the looks are spaced
/// geometrically, so the batch grows.
#[derive(Debug, Clone)]
pub struct SplitMonitor {
    config: SplitConfig,
    p0: f64,
    /// The band with the effective margin (the leak margin at weight 0/100).
    band: Band,
    plan: LookPlan,
    /// Calibrated nominal level of every look's interval (`None` for weight 0/100,
    /// where any hit on the zero side fails and no alpha is spent).
    nominal: Option<f64>,
    /// Leak-test sample for weight 0/100.
    zero_n: u64,
    fixed_n: u64,
    healthy: Operating,
    looks: u32,
    last: Option<Look>,
    path: Vec<PathPoint>,
    stop: Option<Stop>,
    /// Checkpoints, change points and restarts ([`converge`]).
    moving: converge::Moving,
    /// Node counts at the checkpoints and the origin ([`nodes`]).
    node_marks: nodes::NodeMarks,
    /// The nodes at the last look.
    node_view: nodes::NodeView,
}

impl SplitMonitor {
    /// Validates the configuration (weights, alpha, margins, budget) and starts
    /// monitoring. A budget in which a healthy split reaches PASS with probability
    /// below [`MIN_PASS_PROBABILITY`] is a configuration error naming the budget needed.
    pub fn new(config: SplitConfig) -> Result<Self> {
        config.validate()?;
        let d = design::design(&config)?;
        let moving = converge::Moving::new(&d.plan, d.nominal.is_some());
        Ok(SplitMonitor {
            config,
            p0: d.p0,
            band: d.band,
            plan: d.plan,
            nominal: d.nominal,
            zero_n: d.zero_n,
            fixed_n: d.fixed_n,
            healthy: d.healthy,
            looks: 0,
            last: None,
            path: Vec::new(),
            stop: None,
            moving,
            node_marks: nodes::NodeMarks::default(),
            node_view: nodes::NodeView::default(),
        })
    }

    /// Exact operating characteristics of the design when the true share is the
    /// configured one: P(PASS), P(FAIL) and the expected requests to a verdict.
    pub fn healthy_operating(&self) -> Operating {
        self.healthy
    }

    /// Leak-test sample at weight 0/100 (responses with no hit on the zero side needed
    /// to PASS).
    pub fn leak_n(&self) -> u64 {
        self.zero_n
    }

    /// The planned look positions (request counts), in order.
    pub fn planned_looks(&self) -> Vec<u64> {
        self.plan.looks()
    }

    /// The calibrated nominal level of each look's interval (`None` for weight 0/100).
    pub fn nominal_level(&self) -> Option<f64> {
        self.nominal
    }

    /// Responses the one-shot design needs ([`FIXED_N_POWER`](stats::sample_size::FIXED_N_POWER); the zero-hit
    /// requirement for weight 0/100).
    pub fn fixed_n(&self) -> u64 {
        self.fixed_n
    }

    /// The configured canary share and the band around it, with the effective margin
    /// ([`stats::equivalence::effective_margin`]); at weight 0/100 the margin is the leak
    /// margin.
    pub fn band(&self) -> Band {
        self.band
    }

    /// Requests to send before the next look or checkpoint (counts kept for the
    /// change-point test); 0 once the monitor has stopped (a verdict was reached or the
    /// budget is used up). Changes after every look.
    pub fn batch_size(&self) -> u64 {
        if self.stop.is_some() {
            return 0;
        }
        self.next_batch()
    }

    /// Takes a look at the running sample; `true` when a verdict is reached (stop) or
    /// the budget is used up.
    pub fn observe(&mut self, summary: &SampleSummary) -> bool {
        if self.stop.is_some() {
            return true;
        }
        let requests = requests_of(summary);
        self.record(summary);
        // The calibration holds for the planned looks: a look between two planned
        // positions would be an extra one, so it waits (weight 0/100 looks cost nothing).
        let done = self.last.map_or(0, |l| l.requests);
        let due = self.nominal.is_none()
            || requests >= self.next_look(done)
            || requests >= self.config.max_requests;
        if requests > done && due {
            self.look(summary, requests);
        }
        self.stop.is_some() || requests >= self.config.max_requests
    }

    fn look(&mut self, summary: &SampleSummary, requests: u64) {
        let (n, canary) = self.since_origin(summary);
        let alpha = self.config.alpha;
        self.looks += 1;
        let (interval, look_alpha) = match self.nominal {
            Some(a) => (stats::clopper_pearson(canary, n, a), a),
            None => {
                // Exact one-sided bound on the zero side's share, as an interval for the
                // canary share.
                let bound = stats::upper_bound(self.zero_hits(summary), n, alpha);
                let iv = if self.p0 == 0.0 {
                    Interval {
                        low: 0.0,
                        high: bound,
                    }
                } else {
                    Interval {
                        low: 1.0 - bound,
                        high: 1.0,
                    }
                };
                (iv, alpha)
            }
        };
        let look = Look {
            requests,
            n,
            canary,
            interval,
            alpha: look_alpha,
        };
        self.last = Some(look);
        self.node_view = self.nodes_at(summary, look_alpha);
        self.path.push(PathPoint {
            n,
            share: share(canary, n),
            low: interval.low,
            high: interval.high,
        });
        let decision = self.decide(summary, &look);
        self.stop = self.gate(summary, decision);
    }

    /// Hits on the zero-weight side since the origin ([`converge`]).
    fn zero_hits(&self, summary: &SampleSummary) -> u64 {
        let hits = if self.p0 == 0.0 {
            summary.canary.responses
        } else {
            summary.stable.responses
        };
        hits.saturating_sub(self.zero_hits_at_origin())
    }

    fn decide(&self, summary: &SampleSummary, look: &Look) -> Option<Stop> {
        let alpha = self.config.alpha;
        let responses = summary.attributed() + summary.unattributed_total();
        let lost = lost_requests(summary);
        let shown_above = |x, n| stats::binomial::lower_bound(x, n, alpha) > MAX_UNATTRIBUTED_SHARE;
        if shown_above(summary.unattributed_total(), responses) {
            return Some(Stop::Unattributed);
        }
        if shown_above(lost, requests_of(summary)) {
            return Some(Stop::Lost);
        }
        if self.nominal.is_none() {
            if self.zero_hits(summary) > 0 {
                return Some(Stop::Fail);
            }
            let bound = stats::zero_hits_upper_bound(look.n, alpha);
            return (look.n >= self.zero_n && bound <= self.config.leak_margin)
                .then_some(Stop::Pass);
        }
        let pooled = match stats::decide(look.interval, self.band()) {
            Decision::Inside => Some(Stop::Pass),
            Decision::Outside => Some(Stop::Fail),
            Decision::Undecided => None,
        };
        self.with_nodes(pooled)
    }

    /// The final verdict and evidence. Takes one more look when the summary holds
    /// requests the monitor has not seen yet (and no verdict was reached).
    pub fn finish(mut self, summary: &SampleSummary) -> CheckResult {
        let requests = requests_of(summary);
        if self.stop.is_none() && self.last.is_none_or(|l| requests > l.requests) {
            self.look(summary, requests);
        }
        let look = self.last.unwrap_or(Look {
            requests: 0,
            n: 0,
            canary: 0,
            interval: Interval::FULL,
            alpha: self.config.alpha,
        });
        let evidence = self.evidence(summary, &look);
        let mut warnings = Vec::new();
        let (verdict, text) = self.verdict(summary, &look, &evidence, &mut warnings);
        let text = self.converge_text(verdict, text, &look);
        CheckResult {
            name: "split".into(),
            verdict,
            summary: text,
            warnings,
            evidence: Evidence::Split(evidence),
        }
    }

    fn evidence(&self, summary: &SampleSummary, look: &Look) -> SplitEvidence {
        let c = &self.config;
        let unattributed = summary.unattributed_total();
        let responses = summary.attributed() + unattributed;
        let (nodes, node_homogeneity) = self.node_evidence();
        let zero_side_upper_bound = self
            .nominal
            .is_none()
            .then(|| stats::upper_bound(self.zero_hits(summary), look.n, c.alpha));
        SplitEvidence {
            stable_weight: c.stable_weight,
            canary_weight: c.canary_weight,
            configured_share: self.p0,
            margin: c.margin,
            effective_margin: self.band.margin,
            look_level: self.nominal.map(|a| 1.0 - a),
            alpha: c.alpha,
            n: look.n,
            canary_hits: look.canary,
            observed_share: share(look.canary, look.n),
            ci_low: look.interval.low,
            ci_high: look.interval.high,
            method: self.method(look),
            srm_p_value: stats::srm_p_value(look.n - look.canary, look.canary, self.p0),
            unattributed_share: share(unattributed, responses),
            fixed_n_required: self.fixed_n,
            zero_side_upper_bound,
            path: self.path.clone(),
            time_to_converge_s: self.converged().map(|c| c.0),
            converged_at_request: self.converged().map(|c| c.1),
            change_points: self.change_points(look),
            nodes,
            node_homogeneity,
        }
    }

    fn method(&self, look: &Look) -> String {
        let c = &self.config;
        match self.plan {
            LookPlan::Geometric { first, ratio, .. } => format!(
                "repeated Clopper-Pearson intervals, each at the nominal level {} \
                 (alpha' = {:.3e}), calibrated by exact binomial recursion so that the \
                 error at the band edges is at most alpha/2 = {} per side over all looks \
                 (overall {} over all looks); band {} with effective margin {} (margin \
                 {}); looks at {first} x {ratio}^k requests up to {}; look {}",
                level_pct(1.0 - look.alpha),
                look.alpha,
                c.alpha / 2.0,
                level_pct(1.0 - c.alpha),
                pct_band(self.band),
                self.band.margin,
                c.margin,
                c.max_requests,
                self.looks
            ),
            LookPlan::Linear { step, .. } => format!(
                "weight {}/{}: leak test, zero hits required on the zero-weight side; \
                 exact upper bound 1 - alpha^(1/n) <= leak margin {} needs n >= {}; \
                 looks every {step} requests (no alpha spent: any hit fails)",
                c.stable_weight, c.canary_weight, c.leak_margin, self.zero_n
            ),
        }
    }
}

/// Requests accounted for in a summary.
fn requests_of(summary: &SampleSummary) -> u64 {
    summary.requests.max(
        summary.attributed()
            + summary.unattributed_total()
            + summary.timeouts
            + summary.transport_errors,
    )
}

fn lost_requests(summary: &SampleSummary) -> u64 {
    summary.timeouts + summary.transport_errors
}

/// A confidence level as a percentage with as many decimals as it needs (99 %,
/// 99.87 %).
pub(super) fn level_pct(level: f64) -> String {
    let p = 100.0 * level;
    let s = if (p - p.round()).abs() < 5e-3 {
        format!("{p:.0}")
    } else {
        // Rounded down: the stated level is never above the real one.
        format!("{:.2}", (p * 100.0 + 1e-6).floor() / 100.0)
    };
    format!("{s}%")
}

pub(super) fn pct_band(band: Band) -> String {
    format!("[{:.2}%, {:.2}%]", 100.0 * band.low(), 100.0 * band.high())
}

fn share(x: u64, n: u64) -> f64 {
    if n == 0 { 0.0 } else { x as f64 / n as f64 }
}

#[cfg(test)]
mod tests;
