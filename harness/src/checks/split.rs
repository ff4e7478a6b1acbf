//! The `split` check: observed canary share against the listener's weights, decided
//! sequentially. The rules are written out in [`crate::stats`]; this file holds the
//! state between looks and turns it into a [`CheckResult`].

use crate::error::{Error, Result};
use crate::result::{CheckResult, Evidence, PathPoint, SampleSummary, SplitEvidence, Verdict};
use crate::stats::sample_size::FIXED_N_POWER;
use crate::stats::{
    self, Band, Decision, Interval, LogSpending, LookPlan, MAX_UNATTRIBUTED_SHARE, SRM_P_THRESHOLD,
};

/// Default significance level.
pub const DEFAULT_ALPHA: f64 = 0.01;
/// Default equivalence margin (±2 percentage points).
pub const DEFAULT_MARGIN: f64 = 0.02;
/// Default request budget.
pub const DEFAULT_MAX_REQUESTS: u64 = 20_000;
/// Largest weight an ALB forward action accepts.
pub const MAX_WEIGHT: i64 = 999;
/// First look of the sequential schedule, as a fraction of the fixed-n design.
pub const FIRST_LOOK_FRACTION: f64 = 0.25;
/// No look before this many requests (interior weights).
pub const MIN_FIRST_LOOK: u64 = 50;
/// Growth of the look schedule: each look at `LOOK_RATIO` times the previous one.
pub const LOOK_RATIO: f64 = 1.25;
/// Looks up to the zero-hit requirement for weight 0/100 (they cost no alpha).
pub const ZERO_WEIGHT_LOOKS: u64 = 8;

/// Inputs of the split decision.
#[derive(Debug, Clone)]
pub struct SplitConfig {
    /// Stable weight on the listener (raw integer, ALB allows 0..=999).
    pub stable_weight: i64,
    /// Canary weight on the listener.
    pub canary_weight: i64,
    /// Significance level.
    pub alpha: f64,
    /// Equivalence margin (absolute share).
    pub margin: f64,
    /// Request budget.
    pub max_requests: u64,
}

impl SplitConfig {
    /// The weights with the defaults: alpha [`DEFAULT_ALPHA`], margin
    /// [`DEFAULT_MARGIN`], budget [`DEFAULT_MAX_REQUESTS`].
    pub fn new(stable_weight: i64, canary_weight: i64) -> Self {
        SplitConfig {
            stable_weight,
            canary_weight,
            alpha: DEFAULT_ALPHA,
            margin: DEFAULT_MARGIN,
            max_requests: DEFAULT_MAX_REQUESTS,
        }
    }

    fn validate(&self) -> Result<()> {
        let (s, c) = (self.stable_weight, self.canary_weight);
        if !(0..=MAX_WEIGHT).contains(&s) || !(0..=MAX_WEIGHT).contains(&c) {
            return Err(Error::Config(format!(
                "listener weights must be integers 0..={MAX_WEIGHT}, got stable={s} canary={c}"
            )));
        }
        if s + c == 0 {
            return Err(Error::Config(
                "both listener weights are 0: the listener forwards no traffic to judge".into(),
            ));
        }
        let open_half = |x: f64| x > 0.0 && x < 0.5;
        if !open_half(self.alpha) {
            return Err(Error::Config(format!(
                "alpha must be in (0, 0.5), got {}",
                self.alpha
            )));
        }
        if !open_half(self.margin) {
            return Err(Error::Config(format!(
                "margin must be in (0, 0.5), got {}",
                self.margin
            )));
        }
        if self.max_requests == 0 {
            return Err(Error::Config("max-requests must be at least 1".into()));
        }
        Ok(())
    }
}

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
    /// `None` for weight 0/100 (no alpha is spent there).
    spending: Option<LogSpending>,
    /// Zero-hit requirement for weight 0/100.
    zero_n: u64,
    fixed_n: u64,
    looks: u32,
    last: Option<Look>,
    path: Vec<PathPoint>,
    stop: Option<Stop>,
}

impl SplitMonitor {
    /// Validates the configuration (weights, alpha, margin) and starts monitoring.
    pub fn new(config: SplitConfig) -> Result<Self> {
        config.validate()?;
        let (_, p0) = stats::shares(config.stable_weight, config.canary_weight)
            .ok_or_else(|| Error::Config("weights define no split".into()))?;
        let fixed_n = stats::fixed_n_tost(p0, config.margin, config.alpha, FIXED_N_POWER);
        let n_max = config.max_requests;
        let zero_weight = p0 == 0.0 || p0 == 1.0;
        let zero_n = stats::zero_weight_n(config.margin, config.alpha);
        let (plan, spending) = if zero_weight {
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
            let spending = LogSpending::new(config.alpha, first, LOOK_RATIO, n_max);
            (plan, Some(spending))
        };
        Ok(SplitMonitor {
            config,
            p0,
            plan,
            spending,
            zero_n,
            fixed_n,
            looks: 0,
            last: None,
            path: Vec::new(),
            stop: None,
        })
    }

    /// Requests to send before the next look; 0 once the monitor has stopped (a
    /// verdict was reached or the budget is used up). Changes after every look.
    pub fn batch_size(&self) -> u64 {
        if self.stop.is_some() {
            return 0;
        }
        let done = self.last.map_or(0, |l| l.requests);
        self.plan.next_after(done).saturating_sub(done)
    }

    /// Takes a look at the running sample; `true` when a verdict is reached (stop) or
    /// the budget is used up.
    pub fn observe(&mut self, summary: &SampleSummary) -> bool {
        if self.stop.is_some() {
            return true;
        }
        let requests = requests_of(summary);
        if self.last.is_none_or(|l| requests > l.requests) {
            self.look(summary, requests);
        }
        self.stop.is_some() || requests >= self.config.max_requests
    }

    fn look(&mut self, summary: &SampleSummary, requests: u64) {
        let before = self.last.map_or(0, |l| l.requests);
        let n = summary.attributed();
        let canary = summary.canary.responses;
        let alpha = self.config.alpha;
        self.looks += 1;
        let (interval, look_alpha) = match self.spending {
            Some(spending) => {
                let a = spending.increment(before, requests);
                (stats::clopper_pearson(canary, n, a), a)
            }
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
        self.stop = self.decide(summary, &look);
    }

    fn zero_hits(&self, summary: &SampleSummary) -> u64 {
        if self.p0 == 0.0 {
            summary.canary.responses
        } else {
            summary.stable.responses
        }
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
        if self.spending.is_none() {
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

    fn band(&self) -> Band {
        Band {
            center: self.p0,
            margin: self.config.margin,
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
            .spending
            .is_none()
            .then(|| stats::upper_bound(self.zero_hits(summary), summary.attributed(), c.alpha));
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
        }
    }

    fn method(&self, look: &Look) -> String {
        let c = &self.config;
        match self.plan {
            LookPlan::Geometric { first, ratio, .. } => format!(
                "Clopper-Pearson interval per look; alpha {} spent log-uniformly in n \
                 (Bonferroni) over looks at {first} x {ratio}^k requests up to {}; \
                 look {} used alpha {:.3e}",
                c.alpha, c.max_requests, self.looks, look.alpha
            ),
            LookPlan::Linear { step, .. } => format!(
                "weight {}/{}: zero hits required on the zero-weight side; exact upper \
                 bound 1 - alpha^(1/n) <= margin needs n >= {}; looks every {step} \
                 requests (no alpha spent: any hit fails)",
                c.stable_weight, c.canary_weight, self.zero_n
            ),
        }
    }

    fn verdict(
        &self,
        summary: &SampleSummary,
        look: &Look,
        ev: &SplitEvidence,
        warnings: &mut Vec<String>,
    ) -> (Verdict, String) {
        let pct = |x: f64| format!("{:.2}%", 100.0 * x);
        let unattributed = summary.unattributed_total();
        let lost = lost_requests(summary);
        let lost_share = share(lost, requests_of(summary));
        if ev.srm_p_value < SRM_P_THRESHOLD {
            warnings.push(format!(
                "sample-ratio mismatch: chi-square p = {:.2e} < {SRM_P_THRESHOLD}",
                ev.srm_p_value
            ));
        }
        if unattributed > 0 && ev.unattributed_share <= MAX_UNATTRIBUTED_SHARE {
            warnings.push(format!(
                "{unattributed} responses ({}) had no attribution header and were not counted",
                pct(ev.unattributed_share)
            ));
        }
        if lost > 0 && lost_share <= MAX_UNATTRIBUTED_SHARE {
            warnings.push(format!(
                "{lost} requests ({}) got no response (timeouts, transport errors)",
                pct(lost_share)
            ));
        }
        if ev.unattributed_share > MAX_UNATTRIBUTED_SHARE || self.stop == Some(Stop::Unattributed) {
            return (
                Verdict::Inconclusive,
                format!(
                    "{unattributed} of {} responses ({}) had no attribution header \
                     (x-variant), above the {} limit: the split cannot be judged",
                    summary.attributed() + unattributed,
                    pct(ev.unattributed_share),
                    pct(MAX_UNATTRIBUTED_SHARE)
                ),
            );
        }
        if lost_share > MAX_UNATTRIBUTED_SHARE || self.stop == Some(Stop::Lost) {
            return (
                Verdict::Inconclusive,
                format!(
                    "{lost} of {} requests ({}) got no response, above the {} limit: \
                     the split cannot be judged",
                    requests_of(summary),
                    pct(lost_share),
                    pct(MAX_UNATTRIBUTED_SHARE)
                ),
            );
        }
        if look.n == 0 {
            return (
                Verdict::Inconclusive,
                "no attributed responses: the split cannot be judged".into(),
            );
        }
        let observed = format!(
            "canary share {} ({} of {} responses)",
            pct(ev.observed_share),
            look.canary,
            look.n
        );
        let band = format!("{} ± {}", pct(self.p0), pct(self.config.margin));
        if let Some(bound) = ev.zero_side_upper_bound {
            let side = if self.p0 == 0.0 { "canary" } else { "stable" };
            return match self.stop {
                Some(Stop::Fail) => (
                    Verdict::Fail,
                    format!(
                        "{side} has weight 0 but received {} of {} responses",
                        self.zero_hits(summary),
                        summary.attributed()
                    ),
                ),
                Some(Stop::Pass) => (
                    Verdict::Pass,
                    format!(
                        "{side} (weight 0) received none of {} responses; its share is \
                         below {} with {}% confidence",
                        look.n,
                        pct(bound),
                        100.0 * (1.0 - self.config.alpha)
                    ),
                ),
                _ => (
                    Verdict::Inconclusive,
                    format!(
                        "{side} (weight 0) received none of {} responses, but at least {} \
                         are needed to bound its share below {}",
                        look.n,
                        self.zero_n,
                        pct(self.config.margin)
                    ),
                ),
            };
        }
        let interval = format!(
            "anytime-valid {}% interval {} to {}",
            100.0 * (1.0 - self.config.alpha),
            pct(look.interval.low),
            pct(look.interval.high)
        );
        match self.stop {
            Some(Stop::Pass) => (
                Verdict::Pass,
                format!("{observed}; {interval} lies inside {band}"),
            ),
            Some(Stop::Fail) => (
                Verdict::Fail,
                format!("{observed}; {interval} lies outside {band}"),
            ),
            _ => (
                Verdict::Inconclusive,
                format!(
                    "{observed}; {interval} overlaps the edge of {band} after {} requests \
                     (budget {})",
                    look.requests, self.config.max_requests
                ),
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
#[path = "split_tests.rs"]
mod tests;
