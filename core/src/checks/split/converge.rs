//! The split check while the weights move. The listener weights are read once, but
//! the traffic may still follow the previous weights for a few seconds (ALB nodes
//! apply a change one by one) or move during the run. This file keeps the counts at
//! checkpoints between the looks, runs the change-point test of
//! [`crate::stats::change_point`] at every look and acts on it:
//!
//! * **Restart after a change.** When the share is shown to have changed, the data
//!   before the change are left out: the sequential test restarts on the responses
//!   after it, with its own look plan over the rest of the budget (the same first look
//!   and ratio, calibrated again by [`group_sequential::calibrate`]). The estimate
//!   lies at a checkpoint and is uncertain by a checkpoint or more, and the interval
//!   holding the change mixes both shares, so the new data start one checkpoint after
//!   the last plausible change point ([`Change::last_plausible`]); that point is the
//!   **time to converge** (0 when the share never moved). A change
//!   *into* the band is burn-in; a change *out of* it is a change like any other, so the
//!   data after it decide (FAIL or, lacking data, INCONCLUSIVE) — never a PASS that
//!   pools them with the earlier, inside data.
//! * **Homogeneous data only.** A PASS or FAIL is taken only at a look whose data show
//!   no change, and only once those data span [`SETTLE_S`] seconds of sampling (less
//!   for a budget shorter than twice that, [`SETTLE_BUDGET_FRACTION`]): a share
//!   that stepped in the last seconds before a look may not yet be visible as a change.
//!   The first look may come after a single second of traffic; this rule keeps a
//!   previous promotion step's traffic from deciding it.
//! * **Still moving.** When the budget ends right after a change, or before the data
//!   since the last change span [`SETTLE_S`], the verdict is INCONCLUSIVE: "the split
//!   is still moving".
//!
//! Error rates: the restarted test keeps its own guarantee (α/2 per side at the band
//! edges) for the fresh data after the change, since its plan is fixed once the change
//! point is; a run restarts only after a detected change, which on a share that never
//! moved happens with probability at most [`CHANGE_FALSE_ALARM`]. So a wrong verdict
//! on an unchanging share has probability at most `(α/2)(1 + CHANGE_FALSE_ALARM)` per
//! side, and a restart on unchanging data delays the verdict, it does not flip it.
//! Looks skipped by the settle rule or by a restart only remove chances to stop, which
//! keeps the calibrated error rates valid (conservative).
//!
//! Summaries without a clock (`duration_s == 0`, e.g. built by hand) carry no time:
//! the settle rule, which is about wall-clock convergence, does not apply to them.

use super::{Look, SplitMonitor, Stop, requests_of};
use crate::result::{ChangePointEvidence, SampleSummary, Verdict};
use crate::stats::change_point::{self, CHANGE_FALSE_ALARM, Change, Segment};
use crate::stats::{LookPlan, group_sequential};

/// Checkpoints (counts kept for the change-point test) per first look of an interior
/// split: the first look itself is cut into this many segments, so a step within the
/// first look is visible at it. Weight 0/100 looks at every checkpoint already.
pub const CHECKPOINTS_PER_FIRST_LOOK: u64 = 8;

/// Seconds of sampling, with no change of the share, a PASS or FAIL rests on at least.
/// An ALB applies a weight change node by node within seconds; the harness's own step
/// scenario (the previous promotion step's weights for the first 5 s) must be visible
/// as a change before any verdict, which needs the later part of the window.
pub const SETTLE_S: f64 = 10.0;

/// Largest share of the budget's duration the settle window may take: with a budget
/// shorter than twice [`SETTLE_S`] (a fast rate or a small budget) the window shrinks to
/// half of it, so a verdict stays possible after a change in the first half.
pub const SETTLE_BUDGET_FRACTION: f64 = 0.5;

/// The cumulative counts at a checkpoint.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub(super) struct Mark {
    pub(super) requests: u64,
    pub(super) n: u64,
    pub(super) canary: u64,
    pub(super) elapsed_s: f64,
}

impl Mark {
    fn of(summary: &SampleSummary) -> Self {
        Mark {
            requests: requests_of(summary),
            n: summary.attributed(),
            canary: summary.canary.responses,
            elapsed_s: summary.duration_s,
        }
    }
}

/// Why the last look took no verdict although its interval would have allowed one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Hold {
    /// Nothing held back.
    Clear,
    /// A change was found; the test restarted after it.
    Changed,
    /// The data since the last change span less than [`SETTLE_S`].
    Settling,
}

/// Checkpoints and restarts of one monitor.
#[derive(Debug, Clone)]
pub(super) struct Moving {
    /// Requests between checkpoints.
    grid: u64,
    /// Where the data of the current sequential test start.
    pub(super) origin: Mark,
    /// Checkpoints after the origin.
    marks: Vec<Mark>,
    /// Requests at the last call of `observe`.
    seen: u64,
    /// Per-scan level of the change-point test for the current plan.
    level: f64,
    changes: Vec<ChangePointEvidence>,
    hold: Hold,
}

impl Moving {
    /// Checkpoints for `plan`: [`CHECKPOINTS_PER_FIRST_LOOK`] per first look of an
    /// interior split, one per look for weight 0/100 (`interior == false`).
    pub(super) fn new(plan: &LookPlan, interior: bool) -> Self {
        let first = plan.next_after(0).max(1);
        let grid = if interior {
            first.div_ceil(CHECKPOINTS_PER_FIRST_LOOK).max(1)
        } else {
            first
        };
        Moving {
            grid,
            origin: Mark::default(),
            marks: Vec::new(),
            seen: 0,
            level: scan_level(plan, grid),
            changes: Vec::new(),
            hold: Hold::Clear,
        }
    }
}

/// The level of each scan: [`CHANGE_FALSE_ALARM`] over the (look, boundary) pairs a
/// run of `plan` can scan — every planned look and every checkpoint may be a look
/// (weight 0/100 looks at each), plus the closing look of `finish`, each with at most
/// one boundary per checkpoint.
fn scan_level(plan: &LookPlan, grid: u64) -> f64 {
    let marks = plan.n_max().div_ceil(grid) + 1;
    let looks = plan.looks().len() as u64 + marks + 1;
    change_point::scan_level(CHANGE_FALSE_ALARM, looks * marks)
}

impl SplitMonitor {
    /// Request count of the next planned look after the look at `done` (the plan
    /// counts from the origin).
    pub(super) fn next_look(&self, done: u64) -> u64 {
        let o = self.moving.origin.requests;
        o + self.plan.next_after(done.saturating_sub(o))
    }

    /// Requests to the next look or checkpoint, whichever comes first.
    pub(super) fn next_batch(&self) -> u64 {
        let m = &self.moving;
        let done = self.last.map_or(0, |l| l.requests);
        let next_mark = (m.seen / m.grid + 1) * m.grid;
        let next = self
            .next_look(done)
            .min(next_mark)
            .min(self.config.max_requests);
        next.saturating_sub(m.seen)
    }

    /// Keeps the counts of `summary` when it reaches a checkpoint.
    pub(super) fn record(&mut self, summary: &SampleSummary) {
        let m = &mut self.moving;
        let requests = requests_of(summary);
        m.seen = m.seen.max(requests);
        let last = m.marks.last().unwrap_or(&m.origin).requests;
        if requests >= (last / m.grid + 1) * m.grid {
            m.marks.push(Mark::of(summary));
            self.node_marks.record(requests, summary);
        }
    }

    /// Attributed responses and canary hits since the origin.
    pub(super) fn since_origin(&self, summary: &SampleSummary) -> (u64, u64) {
        let o = &self.moving.origin;
        (
            summary.attributed().saturating_sub(o.n),
            summary.canary.responses.saturating_sub(o.canary),
        )
    }

    /// Hits on the zero-weight side at the origin (weight 0/100).
    pub(super) fn zero_hits_at_origin(&self) -> u64 {
        let o = &self.moving.origin;
        if self.p0 == 0.0 {
            o.canary
        } else {
            o.n - o.canary
        }
    }

    /// Applies the change-point test and the settle rule to the decision of a look.
    pub(super) fn gate(&mut self, summary: &SampleSummary, stop: Option<Stop>) -> Option<Stop> {
        if matches!(stop, Some(Stop::Unattributed | Stop::Lost)) {
            return stop;
        }
        if let Some((at, mark, change)) = self.change(summary) {
            self.restart(at, mark, &change);
            self.node_marks.restart(mark.requests, summary);
            return None;
        }
        let settled = summary.duration_s <= 0.0
            || summary.duration_s - self.moving.origin.elapsed_s >= self.settle_window(summary);
        // After a change, data that do not span the window yet are still moving,
        // decided or not.
        let candidate = matches!(stop, Some(Stop::Pass | Stop::Fail));
        self.moving.hold = if !settled && (candidate || !self.moving.changes.is_empty()) {
            Hold::Settling
        } else {
            Hold::Clear
        };
        if settled { stop } else { None }
    }

    /// Seconds a verdict's data must span: [`SETTLE_S`], or
    /// [`SETTLE_BUDGET_FRACTION`] of the whole budget's duration at the rate observed so
    /// far when that is shorter (a fast run is not held to more than it can give).
    fn settle_window(&self, summary: &SampleSummary) -> f64 {
        let requests = requests_of(summary).max(1) as f64;
        let budget_s = self.config.max_requests as f64 * summary.duration_s / requests;
        SETTLE_S.min(SETTLE_BUDGET_FRACTION * budget_s)
    }

    /// The change found in the data since the origin, with the checkpoint it is
    /// estimated at and the checkpoint after the last plausible one, where the data
    /// after it start (the interval between checkpoints that holds the change may mix
    /// both shares).
    fn change(&self, summary: &SampleSummary) -> Option<(Mark, Mark, Change)> {
        let m = &self.moving;
        let now = Mark::of(summary);
        let mut points: Vec<Mark> = m.marks.iter().copied().filter(|k| k.n < now.n).collect();
        points.push(now);
        let mut prev = m.origin;
        let segments: Vec<Segment> = points
            .iter()
            .map(|k| {
                let s = Segment {
                    n: k.n - prev.n,
                    hits: k.canary - prev.canary,
                };
                prev = *k;
                s
            })
            .collect();
        let change = change_point::scan(&segments)?;
        (change.p_value <= m.level).then(|| {
            (
                points[change.boundary - 1],
                points[change.last_plausible],
                change,
            )
        })
    }

    /// Restarts the sequential test at `mark` after a change estimated at `at`: new
    /// origin, a plan over the rest of the budget, its calibrated level, an empty path.
    fn restart(&mut self, at: Mark, mark: Mark, change: &Change) {
        let band = self.band();
        let after = change.share_after();
        self.moving.changes.push(ChangePointEvidence {
            at_request: at.requests,
            at_s: at.elapsed_s,
            share_before: change.share_before(),
            share_after: after,
            p_value: change.p_value,
            into_band: band.low() <= after && after <= band.high(),
        });
        (self.plan, self.nominal) = self.plan_from(mark.requests);
        let m = &mut self.moving;
        m.level = scan_level(&self.plan, m.grid);
        m.marks.retain(|k| k.requests > mark.requests);
        m.origin = mark;
        m.hold = Hold::Changed;
        self.path.clear();
    }

    /// The look plan (counted from `origin`) and calibrated nominal level of a test
    /// restarted at request `origin`: the same first look and ratio over the rest of the
    /// budget.
    pub fn plan_from(&self, origin: u64) -> (LookPlan, Option<f64>) {
        let n_max = self.config.max_requests.saturating_sub(origin).max(1);
        let plan = match self.plan {
            LookPlan::Geometric { first, ratio, .. } => LookPlan::Geometric {
                first,
                ratio,
                n_max,
            },
            LookPlan::Linear { step, anchor, .. } => LookPlan::Linear {
                step,
                anchor,
                n_max,
            },
        };
        let nominal = self
            .nominal
            .map(|_| group_sequential::calibrate(&plan.looks(), self.band(), self.config.alpha));
        (plan, nominal)
    }

    /// Requests between the checkpoints of the change-point test.
    pub fn checkpoint_interval(&self) -> u64 {
        self.moving.grid
    }

    /// Time to converge: the start of the data the verdict rests on, in seconds and
    /// requests; `None` while the split is still moving.
    pub(super) fn converged(&self) -> Option<(f64, u64)> {
        let still = self.stop.is_none() && self.moving.hold != Hold::Clear;
        let o = &self.moving.origin;
        (!still).then_some((o.elapsed_s, o.requests))
    }

    /// The detected changes, in order; the share after the last one is that of all
    /// the data after it (at detection it may hold only a few, mixed, checkpoints).
    pub(super) fn change_points(&self, look: &Look) -> Vec<ChangePointEvidence> {
        let mut changes = self.moving.changes.clone();
        let band = self.band();
        if let Some(last) = changes.last_mut().filter(|_| look.n > 0) {
            last.share_after = look.canary as f64 / look.n as f64;
            last.into_band = band.low() <= last.share_after && last.share_after <= band.high();
        }
        changes
    }

    /// Adds the time to converge to the summary line, and says "still moving" when the
    /// budget ended during a change.
    pub(super) fn converge_text(&self, verdict: Verdict, text: String, look: &Look) -> String {
        let pct = |x: f64| format!("{:.2}%", 100.0 * x);
        let changes = self.change_points(look);
        let last = changes.last();
        let change = |c: &ChangePointEvidence| {
            format!(
                "the canary share moved from {} to {} at {:.1} s (request {})",
                pct(c.share_before),
                pct(c.share_after),
                c.at_s,
                c.at_request
            )
        };
        let since = &self.moving.origin;
        match (verdict, self.moving.hold, last) {
            (Verdict::Inconclusive, Hold::Changed, Some(c)) if self.stop.is_none() => format!(
                "the split is still moving: {}; the budget ended before the {} responses \
                 after it could decide",
                change(c),
                look.n
            ),
            (Verdict::Inconclusive, Hold::Settling, _) if self.stop.is_none() => {
                let since = match last {
                    Some(c) => format!("{}; the", change(c)),
                    None => "the".into(),
                };
                format!(
                    "the split is still moving: {since} data since then span less than the \
                     settle window a verdict needs ({text})"
                )
            }
            (_, _, Some(c)) => {
                let kind = if c.into_band {
                    "converged into the band"
                } else {
                    "moved"
                };
                format!(
                    "{text}; {}: the share {kind}, time to converge {:.1} s; the verdict \
                     rests on the {} responses from request {} on",
                    change(c),
                    since.elapsed_s,
                    look.n,
                    since.requests
                )
            }
            _ => text,
        }
    }
}

#[cfg(test)]
mod tests;
