//! The `split` check: observed canary share against the listener's weights, decided
//! sequentially. The rules are written out in [`crate::stats`]; this file holds the
//! state between looks and turns it into a [`CheckResult`].

use crate::error::{Error, Result};
use crate::result::{CheckResult, Evidence, PathPoint, SampleSummary, SplitEvidence};
use crate::stats::sample_size::{FIXED_N_POWER, Goal, fixed_n_exact};
use crate::stats::{
    self, Band, Decision, Interval, LookPlan, MAX_UNATTRIBUTED_SHARE, group_sequential,
};

mod config;
mod converge;
mod verdict;

use config::FIXED_N_LIMIT;
pub use config::{
    DEFAULT_ALPHA, DEFAULT_MARGIN, DEFAULT_MAX_REQUESTS, FIRST_LOOK_FRACTION, LOOK_RATIO,
    MAX_WEIGHT, MIN_FIRST_LOOK, SplitConfig, ZERO_WEIGHT_LOOKS,
};
pub use converge::{CHECKPOINTS_PER_FIRST_LOOK, SETTLE_BUDGET_FRACTION, SETTLE_S};

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
    plan: LookPlan,
    /// Calibrated nominal level of every look's interval (`None` for weight 0/100,
    /// where any hit on the zero side fails and no alpha is spent).
    nominal: Option<f64>,
    /// Zero-hit requirement for weight 0/100.
    zero_n: u64,
    fixed_n: u64,
    looks: u32,
    last: Option<Look>,
    path: Vec<PathPoint>,
    stop: Option<Stop>,
    /// Checkpoints, change points and restarts ([`converge`]).
    moving: converge::Moving,
}

impl SplitMonitor {
    /// Validates the configuration (weights, alpha, margin) and starts monitoring.
    pub fn new(config: SplitConfig) -> Result<Self> {
        config.validate()?;
        let (_, p0) = stats::shares(config.stable_weight, config.canary_weight)
            .ok_or_else(|| Error::Config("weights define no split".into()))?;
        let n_max = config.max_requests;
        let zero_weight = p0 == 0.0 || p0 == 1.0;
        let zero_n = stats::zero_weight_n(config.margin, config.alpha);
        let band = Band {
            center: p0,
            margin: config.margin,
        };
        let fixed_n = if zero_weight {
            zero_n
        } else {
            fixed_n_exact(
                p0,
                band,
                config.alpha,
                FIXED_N_POWER,
                Goal::Inside,
                FIXED_N_LIMIT,
            )
            .unwrap_or(FIXED_N_LIMIT)
        };
        let (plan, nominal) = if zero_weight {
            let step = zero_n.div_ceil(ZERO_WEIGHT_LOOKS).max(1);
            let plan = LookPlan::Linear {
                step,
                anchor: zero_n,
                n_max,
            };
            (plan, None)
        } else {
            let first = ((fixed_n as f64 * FIRST_LOOK_FRACTION).ceil() as u64)
                .max(MIN_FIRST_LOOK)
                .min(n_max);
            let plan = LookPlan::Geometric {
                first,
                ratio: LOOK_RATIO,
                n_max,
            };
            let nominal = group_sequential::calibrate(&plan.looks(), band, config.alpha);
            (plan, Some(nominal))
        };
        let moving = converge::Moving::new(&plan, nominal.is_some());
        Ok(SplitMonitor {
            config,
            p0,
            plan,
            nominal,
            zero_n,
            fixed_n,
            looks: 0,
            last: None,
            path: Vec::new(),
            stop: None,
            moving,
        })
    }

    /// The planned look positions (request counts), in order.
    pub fn planned_looks(&self) -> Vec<u64> {
        self.plan.looks()
    }

    /// The calibrated nominal level of each look's interval (`None` for weight 0/100).
    pub fn nominal_level(&self) -> Option<f64> {
        self.nominal
    }

    /// Responses the one-shot design needs ([`FIXED_N_POWER`]; the zero-hit
    /// requirement for weight 0/100).
    pub fn fixed_n(&self) -> u64 {
        self.fixed_n
    }

    /// The configured canary share and the band around it.
    pub fn band(&self) -> Band {
        Band {
            center: self.p0,
            margin: self.config.margin,
        }
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
                // Bound on the zero side, turned into an interval for the canary share.
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
            return (look.n >= self.zero_n && bound <= self.config.margin).then_some(Stop::Pass);
        }
        match stats::decide(look.interval, self.band()) {
            Decision::Inside => Some(Stop::Pass),
            Decision::Outside => Some(Stop::Fail),
            Decision::Undecided => None,
        }
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
        let zero_side_upper_bound = self
            .nominal
            .is_none()
            .then(|| stats::upper_bound(self.zero_hits(summary), look.n, c.alpha));
        SplitEvidence {
            stable_weight: c.stable_weight,
            canary_weight: c.canary_weight,
            configured_share: self.p0,
            margin: c.margin,
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
        }
    }

    fn method(&self, look: &Look) -> String {
        let c = &self.config;
        match self.plan {
            LookPlan::Geometric { first, ratio, .. } => format!(
                "repeated Clopper-Pearson intervals at one nominal level {:.3e}, \
                 calibrated by exact binomial recursion so that the error at the band \
                 edges is at most alpha/2 = {} per side over all looks (looks at \
                 {first} x {ratio}^k requests up to {}); look {}",
                look.alpha,
                c.alpha / 2.0,
                c.max_requests,
                self.looks
            ),
            LookPlan::Linear { step, .. } => format!(
                "weight {}/{}: zero hits required on the zero-weight side; exact upper \
                 bound 1 - alpha^(1/n) <= margin needs n >= {}; looks every {step} \
                 requests (no alpha spent: any hit fails)",
                c.stable_weight, c.canary_weight, self.zero_n
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

fn share(x: u64, n: u64) -> f64 {
    if n == 0 { 0.0 } else { x as f64 / n as f64 }
}

#[cfg(test)]
mod tests;
