//! The split check as one fixed-n test, for samples whose size was fixed before any
//! traffic: a shard (`--shard I/N`, which never stops early) judging its own counts,
//! and `harness merge` judging the pooled counts of all shards.
//!
//! Rule (the sequential monitor's, with a single look at the full level):
//! * **Interior weights.** The two-sided Clopper–Pearson interval `[L, U]` at level
//!   `1 − α` on the `x` canary hits of `n` attributed responses (Clopper & Pearson
//!   1934, Biometrika 26(4)); PASS when it lies inside the band `p0 ± m_eff`, FAIL when
//!   it lies outside, INCONCLUSIVE otherwise. With the true share at a band edge each
//!   wrong verdict has probability at most `α/2` (one interval, one look: no alpha is
//!   spent over looks, so the level is `1 − α`, not the monitor's `1 − α'`).
//! * **Weight 0 or 100.** The leak test: any hit on the zero side FAILs; PASS needs
//!   zero hits in at least `⌈ln α / ln(1 − ℓ)⌉` responses.
//! * **Attribution.** More than [`MAX_UNATTRIBUTED_SHARE`] of responses without
//!   attribution, or of requests without a response, is INCONCLUSIVE.
//!
//! No change-point test runs here: a fixed-n sample has no looks to restart, so the
//! shards assume the weights held still while they sampled (the gate waits out
//! `--settle` first; a change during the run is caught by the listener re-read).

use super::config::{FIXED_N_LIMIT, SplitConfig};
use super::fixed_nodes;
use super::{level_pct, lost_requests, pct_band, requests_of, share};
use crate::error::Result;
use crate::result::{CheckResult, Evidence, PathPoint, SampleSummary, SplitEvidence, Verdict};
use crate::stats::sample_size::{FIXED_N_POWER, Goal, fixed_n_exact};
use crate::stats::{self, Band, Decision, Interval, MAX_UNATTRIBUTED_SHARE, SRM_P_THRESHOLD};

/// The fixed-n split verdict on `summary`. `scope` says whose counts these are (e.g.
/// "this shard's 1,500 requests" or "the pooled counts of 2 shards"); it opens the
/// method text so every report says that the fixed-n test decided.
pub fn fixed_n(config: &SplitConfig, summary: &SampleSummary, scope: &str) -> Result<CheckResult> {
    config.validate()?;
    let (_, p0) = stats::shares(config.stable_weight, config.canary_weight)
        .ok_or_else(|| crate::error::Error::Config("weights define no split".into()))?;
    let alpha = config.alpha;
    let zero = p0 == 0.0 || p0 == 1.0;
    let band = if zero {
        Band {
            center: p0,
            margin: config.leak_margin,
        }
    } else {
        Band::scaled(p0, config.margin)
    };
    let zero_n = stats::zero_weight_n(config.leak_margin, alpha);
    let n = summary.attributed();
    let x = summary.canary.responses;
    let zero_hits = if p0 == 0.0 { x } else { n - x };
    let (interval, zero_bound) = if zero {
        let bound = stats::upper_bound(zero_hits, n, alpha);
        let iv = if p0 == 0.0 {
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
        (iv, Some(bound))
    } else {
        (stats::clopper_pearson(x, n, alpha), None)
    };
    let fixed_n_required = if zero {
        zero_n
    } else {
        fixed_n_exact(p0, band, alpha, FIXED_N_POWER, Goal::Inside, FIXED_N_LIMIT)
            .unwrap_or(FIXED_N_LIMIT)
    };
    let unattributed = summary.unattributed_total();
    let responses = n + unattributed;
    let method = if zero {
        format!(
            "fixed-n leak test on {scope}: zero hits required on the zero-weight side in at \
             least {zero_n} responses (exact upper bound 1 - alpha^(1/n) <= leak margin {}); \
             no early stop",
            config.leak_margin
        )
    } else {
        format!(
            "fixed-n test on {scope}: one Clopper-Pearson interval at {} (alpha/2 = {} per \
             side) against the band {} with effective margin {} (margin {}); no early stop, \
             no alpha spent over looks",
            level_pct(1.0 - alpha),
            alpha / 2.0,
            pct_band(band),
            band.margin,
            config.margin
        )
    };
    let nodes = fixed_nodes::judge(summary, band, alpha, !zero);
    let evidence = SplitEvidence {
        stable_weight: config.stable_weight,
        canary_weight: config.canary_weight,
        configured_share: p0,
        margin: config.margin,
        effective_margin: band.margin,
        look_level: (!zero).then_some(1.0 - alpha),
        alpha,
        n,
        canary_hits: x,
        observed_share: share(x, n),
        ci_low: interval.low,
        ci_high: interval.high,
        method,
        srm_p_value: stats::srm_p_value(n - x, x, p0),
        unattributed_share: share(unattributed, responses),
        fixed_n_required,
        zero_side_upper_bound: zero_bound,
        path: vec![PathPoint {
            n,
            share: share(x, n),
            low: interval.low,
            high: interval.high,
        }],
        time_to_converge_s: None,
        converged_at_request: None,
        change_points: Vec::new(),
        nodes: nodes.rows.clone(),
        node_homogeneity: nodes.homogeneity.clone(),
    };
    let mut warnings = Vec::new();
    let (verdict, text) = verdict(
        config,
        summary,
        &evidence,
        band,
        zero_hits,
        zero_n,
        &mut warnings,
    );
    let (verdict, text) = nodes.apply(verdict, text, &mut warnings);
    Ok(CheckResult {
        name: "split".into(),
        verdict,
        summary: text,
        warnings,
        evidence: Evidence::Split(evidence),
    })
}

fn verdict(
    config: &SplitConfig,
    summary: &SampleSummary,
    ev: &SplitEvidence,
    band: Band,
    zero_hits: u64,
    zero_n: u64,
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
    if ev.unattributed_share > MAX_UNATTRIBUTED_SHARE {
        return (
            Verdict::Inconclusive,
            format!(
                "{unattributed} of {} responses ({}) had no attribution header (x-variant), \
                 above the {} limit: the split cannot be judged",
                ev.n + unattributed,
                pct(ev.unattributed_share),
                pct(MAX_UNATTRIBUTED_SHARE)
            ),
        );
    }
    if lost_share > MAX_UNATTRIBUTED_SHARE {
        return (
            Verdict::Inconclusive,
            format!(
                "{lost} of {} requests ({}) got no response, above the {} limit: the split \
                 cannot be judged",
                requests_of(summary),
                pct(lost_share),
                pct(MAX_UNATTRIBUTED_SHARE)
            ),
        );
    }
    if unattributed > 0 {
        warnings.push(format!(
            "{unattributed} responses ({}) had no attribution header and were not counted",
            pct(ev.unattributed_share)
        ));
    }
    if lost > 0 {
        warnings.push(format!(
            "{lost} requests ({}) got no response (timeouts, transport errors)",
            pct(lost_share)
        ));
    }
    if ev.n == 0 {
        return (
            Verdict::Inconclusive,
            "no attributed responses: the split cannot be judged".into(),
        );
    }
    if let Some(bound) = ev.zero_side_upper_bound {
        let side = if ev.configured_share == 0.0 {
            "canary"
        } else {
            "stable"
        };
        return if zero_hits > 0 {
            (
                Verdict::Fail,
                format!(
                    "{side} has weight 0 but received {zero_hits} of {} responses",
                    ev.n
                ),
            )
        } else if ev.n >= zero_n && bound <= config.leak_margin {
            (
                Verdict::Pass,
                format!(
                    "{side} (weight 0) received none of {} responses; its share is at most \
                     {:.3}% with {} confidence (leak margin {:.3}%; fixed-n)",
                    ev.n,
                    100.0 * bound,
                    level_pct(1.0 - config.alpha),
                    100.0 * config.leak_margin
                ),
            )
        } else {
            (
                Verdict::Inconclusive,
                format!(
                    "{side} (weight 0) received none of {} responses, but at least {zero_n} \
                     are needed to bound its share below the leak margin {:.3}%",
                    ev.n,
                    100.0 * config.leak_margin
                ),
            )
        };
    }
    let observed = format!(
        "canary share {} ({} of {} responses)",
        pct(ev.observed_share),
        ev.canary_hits,
        ev.n
    );
    let interval = format!(
        "the fixed-n {} interval {} to {}",
        level_pct(1.0 - config.alpha),
        pct(ev.ci_low),
        pct(ev.ci_high)
    );
    let band_text = format!("{} ± {}", pct(band.center), pct(band.margin));
    let iv = Interval {
        low: ev.ci_low,
        high: ev.ci_high,
    };
    match stats::decide(iv, band) {
        Decision::Inside => (
            Verdict::Pass,
            format!("{observed}; {interval} lies inside {band_text}"),
        ),
        Decision::Outside => (
            Verdict::Fail,
            format!("{observed}; {interval} lies outside {band_text}"),
        ),
        Decision::Undecided => (
            Verdict::Inconclusive,
            format!(
                "{observed}; {interval} overlaps the edge of {band_text} (one-shot design \
                 needs about {} responses)",
                ev.fixed_n_required
            ),
        ),
    }
}
