//! The human verdict of the split check: which of PASS / FAIL / INCONCLUSIVE the
//! last look supports, the one-line summary and the warnings (sample-ratio mismatch,
//! unattributed responses, lost requests), with the nodes' finding
//! ([`super::nodes`]) put first when a node decides it.

use super::nodes::Finding;
use super::{Look, SplitMonitor, Stop, level_pct, lost_requests, pct_band, requests_of, share};
use crate::result::{SampleSummary, SplitEvidence, Verdict};
use crate::stats::homogeneity::MIN_EXPECTED;
use crate::stats::{Decision, MAX_UNATTRIBUTED_SHARE, SRM_P_THRESHOLD, decide};

impl SplitMonitor {
    pub(super) fn verdict(
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
                "sample-ratio mismatch: exact binomial p = {:.2e} < {SRM_P_THRESHOLD} \
                 (information only; the verdict is the equivalence test)",
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
        let band = if self.band.margin < self.config.margin {
            format!(
                "{} ± {} = {} (margin {} scaled to half the smaller share)",
                pct(self.p0),
                pct(self.band.margin),
                pct_band(self.band),
                pct(self.config.margin)
            )
        } else {
            format!("{} ± {}", pct(self.p0), pct(self.band.margin))
        };
        if let Some(bound) = ev.zero_side_upper_bound {
            let side = if self.p0 == 0.0 { "canary" } else { "stable" };
            return match self.stop {
                Some(Stop::Fail) => (
                    Verdict::Fail,
                    format!(
                        "{side} has weight 0 but received {} of {} responses{}",
                        self.zero_hits(summary),
                        look.n,
                        self.leaking_node()
                            .map(|i| format!("; {}", self.node_routes(i)))
                            .unwrap_or_default()
                    ),
                ),
                Some(Stop::Pass) => (
                    Verdict::Pass,
                    format!(
                        "{side} (weight 0) received none of {} responses; its share is \
                         at most {:.3}% with {} confidence (leak margin {:.3}%)",
                        look.n,
                        100.0 * bound,
                        level_pct(1.0 - self.config.alpha),
                        100.0 * self.config.leak_margin
                    ),
                ),
                _ => (
                    Verdict::Inconclusive,
                    format!(
                        "{side} (weight 0) received none of {} responses, but at least {} \
                         are needed to bound its share below the leak margin {:.3}% \
                         (bound so far {:.3}%)",
                        look.n,
                        self.zero_n,
                        100.0 * self.config.leak_margin,
                        100.0 * bound
                    ),
                ),
            };
        }
        let interval = format!(
            "{} interval at each look (overall {} over all looks) {} to {}",
            level_pct(1.0 - look.alpha),
            level_pct(1.0 - self.config.alpha),
            pct(look.interval.low),
            pct(look.interval.high)
        );
        let pooled_inside = decide(look.interval, self.band) == Decision::Inside;
        match (self.stop, self.node_view.finding) {
            (Some(Stop::Fail), Finding::Outside(i)) => (
                Verdict::Fail,
                format!(
                    "{}: its interval lies outside {band}; the nodes differ ({}); \
                     pooled: {observed}",
                    self.node_routes(i),
                    self.node_test_text()
                ),
            ),
            (Some(Stop::Pass), finding) => {
                if let Finding::AllInside(i) = finding {
                    warnings.push(format!(
                        "the nodes route different shares ({}), but every node's \
                         interval lies inside the band; most deviant: {}",
                        self.node_test_text(),
                        self.node_routes(i)
                    ));
                }
                (
                    Verdict::Pass,
                    format!("{observed}; {interval} lies inside {band}"),
                )
            }
            (Some(Stop::Fail), _) => (
                Verdict::Fail,
                format!("{observed}; {interval} lies outside {band}"),
            ),
            (_, Finding::Undecided(i)) if pooled_inside => (
                Verdict::Inconclusive,
                format!(
                    "the nodes route different shares ({}) and {}: its interval overlaps \
                     the edge of {band} after {} requests (budget {}); pooled: {observed}",
                    self.node_test_text(),
                    self.node_routes(i),
                    look.requests,
                    self.config.max_requests
                ),
            ),
            (_, Finding::TooSmall) if pooled_inside => (
                Verdict::Inconclusive,
                format!(
                    "node counts too small to compare nodes yet (smallest expected count \
                     {:.1} < {MIN_EXPECTED}) after {} requests (budget {}); pooled: \
                     {observed}; {interval} lies inside {band}",
                    self.node_min_expected(),
                    look.requests,
                    self.config.max_requests
                ),
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
