//! Turns the sub-test findings into the health verdict (rule in the parent module),
//! and tells `verify` whether health has its sample yet.

use super::bounds::{Counts, Finding, error_bounds, shift_bounds};
use super::plan::{Applicability, SUB_TESTS, applicability, split};
use super::{HealthConfig, QUANTILES};
use crate::result::{HealthBounds, HealthEvidence, HistogramBucket, SampleSummary, Verdict};

/// Responses and requests that carry no `x-variant`: unattributed 5xx, timeouts,
/// transport errors.
pub fn edge_errors(summary: &SampleSummary) -> u64 {
    let unattributed_5xx: u64 = summary
        .unattributed
        .iter()
        .filter(|(code, _)| code.starts_with('5'))
        .map(|(_, n)| n)
        .sum();
    summary.timeouts + summary.transport_errors + unattributed_5xx
}

fn rate(x: u64, n: u64) -> f64 {
    if n == 0 { 0.0 } else { x as f64 / n as f64 }
}

/// Findings of the three sub-tests and the bounds behind them.
fn findings(
    summary: &SampleSummary,
    config: &HealthConfig,
    extra: u64,
    bounds: &mut HealthBounds,
) -> [Finding; 3] {
    let a = config.alpha / SUB_TESTS;
    let (s, c) = (&summary.stable, &summary.canary);
    let stable = Counts {
        errors: s.count_5xx(),
        n: s.responses,
    };
    let canary = Counts {
        errors: c.count_5xx() + extra,
        n: c.responses + extra,
    };
    let e = error_bounds(canary, stable, a, config.error_tolerance);
    let mut hist = c.histogram.clone();
    if extra > 0 {
        hist.push(HistogramBucket {
            upper_ms: f64::INFINITY,
            count: extra,
        });
    }
    let mut out = [e.finding, Finding::Open, Finding::Open];
    let mut shifts = Vec::new();
    for (i, q) in QUANTILES.into_iter().enumerate() {
        let (shift, f) = shift_bounds(&hist, &s.histogram, q, a, config.latency_tolerance());
        out[i + 1] = f;
        shifts.push(shift);
    }
    if extra == 0 {
        bounds.error_diff_low = e.low;
        bounds.error_diff_high = e.high;
        bounds.latency = shifts;
    }
    bounds.worst_case_error_diff_high = e.high;
    out
}

const NAMES: [&str; 3] = ["5xx rate", "median latency", "p95 latency"];

fn list(fs: &[Finding; 3], which: Finding) -> String {
    let names: Vec<&str> = (0..3)
        .filter(|&i| fs[i] == which)
        .map(|i| NAMES[i])
        .collect();
    names.join(", ")
}

fn describe(ev: &HealthEvidence, b: &HealthBounds) -> String {
    let mut s = format!(
        "5xx canary {:.2}% ({}/{}) vs stable {:.2}% ({}/{}), difference in [{:+.2}, {:+.2}] \
         points (tolerance {:.2})",
        100.0 * rate(ev.canary_errors, ev.canary_n),
        ev.canary_errors,
        ev.canary_n,
        100.0 * rate(ev.stable_errors, ev.stable_n),
        ev.stable_errors,
        ev.stable_n,
        100.0 * b.error_diff_low,
        100.0 * b.error_diff_high,
        100.0 * ev.error_tolerance
    );
    for q in &b.latency {
        let hi = q
            .shift_high_ms
            .map_or("∞".to_string(), |h| format!("{h:+.1}"));
        let lo = q
            .shift_low_ms
            .map_or("-∞".to_string(), |l| format!("{l:+.1}"));
        s += &format!(
            "; p{:.0} canary {:.1} ms vs stable {:.1} ms, shift in [{lo}, {hi}] ms \
             (tolerance {:.0} ms)",
            100.0 * q.quantile,
            q.canary_ms,
            q.stable_ms,
            q.tolerance_ms
        );
    }
    s + &format!(" (each bound at 1 − {:.4})", b.alpha_per_test)
}

/// The verdict and its summary; fills `ev.bounds`.
pub fn judge(
    summary: &SampleSummary,
    config: &HealthConfig,
    ev: &mut HealthEvidence,
    warnings: &mut Vec<String>,
) -> (Verdict, String) {
    let alpha = config.alpha;
    if !(alpha > 0.0 && alpha < 0.5) {
        return (
            Verdict::Inconclusive,
            format!("alpha must be in (0, 0.5), got {alpha}"),
        );
    }
    if let Some((s, c)) = config.weights
        && (s <= 0 || c <= 0)
    {
        return (
            Verdict::NotApplicable,
            format!("only one variant receives traffic (weights {s}/{c})"),
        );
    }
    let edge = edge_errors(summary);
    let mut b = HealthBounds {
        alpha_per_test: alpha / SUB_TESTS,
        edge_errors: edge,
        budget: config.budget,
        applicable: true,
        ..HealthBounds::default()
    };
    let seen = findings(summary, config, 0, &mut b);
    let worst = if edge > 0 {
        findings(summary, config, edge, &mut b)
    } else {
        seen
    };
    if edge > 0 {
        warnings.push(format!(
            "{} timeouts, {} transport errors and {} unattributed 5xx carry no x-variant",
            summary.timeouts,
            summary.transport_errors,
            edge - summary.timeouts - summary.transport_errors
        ));
    }
    let text = describe(ev, &b);
    let all_within = |f: &[Finding; 3]| f.iter().all(|x| *x == Finding::Within);
    let any_beyond = |f: &[Finding; 3]| f.contains(&Finding::Beyond);
    let verdict = if any_beyond(&seen) {
        (
            Verdict::Fail,
            format!(
                "canary beyond tolerance on {}: {text}",
                list(&seen, Finding::Beyond)
            ),
        )
    } else if any_beyond(&worst) || (all_within(&seen) && !all_within(&worst)) {
        (
            Verdict::Inconclusive,
            format!(
                "{edge} edge errors could be the canary's (then: {} beyond, {} open): {text}",
                list(&worst, Finding::Beyond),
                list(&worst, Finding::Open)
            ),
        )
    } else if all_within(&seen) {
        (
            Verdict::Pass,
            format!("canary within tolerance of stable: {text}"),
        )
    } else {
        open(summary, config, ev, &mut b, &seen, text)
    };
    ev.bounds = Some(b);
    verdict
}

/// Neither shown: NOT_APPLICABLE when the budget cannot give the sample and the
/// canary is not shown worse than stable at all, else INCONCLUSIVE.
fn open(
    summary: &SampleSummary,
    config: &HealthConfig,
    ev: &HealthEvidence,
    b: &mut HealthBounds,
    seen: &[Finding; 3],
    text: String,
) -> (Verdict, String) {
    let p = rate(ev.stable_errors, ev.stable_n);
    b.plan_error_rate = p;
    // Shown worse than stable at all, though not beyond the tolerance: such a canary
    // is not waved through as NOT_APPLICABLE. Errors by Fisher's exact test at α/3
    // (Newcombe's lower bound is anti-conservative against 0 at a few errors: 2 of 200
    // against 0.1 % would show "worse" 1.75 % of the time at a nominal 0.33 %);
    // latency by the lower bounds of the shifts.
    let fisher = crate::stats::fisher_exact_greater(
        ev.canary_errors,
        ev.canary_n,
        ev.stable_errors,
        ev.stable_n,
    );
    let not_shown_worse = fisher.p_value >= b.alpha_per_test
        && b.latency
            .iter()
            .all(|q| q.shift_low_ms.is_none_or(|l| l <= 0.0));
    let open = list(seen, Finding::Open);
    let (Some(weights), Some(budget)) = (config.weights, config.budget) else {
        return (
            Verdict::Inconclusive,
            format!("not shown either way ({open}): {text}"),
        );
    };
    match applicability(weights, budget, config.alpha, config.error_tolerance, p) {
        Applicability::BudgetTooSmall { needed } if not_shown_worse => {
            b.applicable = false;
            b.requests_needed = needed;
            let need = needed.map_or("more than 10^9".into(), |n| n.to_string());
            (
                Verdict::NotApplicable,
                format!(
                    "not decidable at this weight ({}/{}): needs {need} requests at a {:.2}% \
                     stable error rate, budget {budget} ({} of {} requests sampled); {text}",
                    weights.0,
                    weights.1,
                    100.0 * p,
                    summary.requests,
                    budget
                ),
            )
        }
        plan => {
            if let Applicability::Applicable { needed } = plan {
                b.requests_needed = Some(needed);
            }
            let why = if not_shown_worse {
                "not shown either way"
            } else {
                "canary worse than stable, not shown beyond tolerance"
            };
            (Verdict::Inconclusive, format!("{why} ({open}): {text}"))
        }
    }
}

/// How many more requests health needs at the configured weights: `None` when it has
/// its sample, or when weights or budget are unknown, or when the budget cannot give
/// it (health will be NOT_APPLICABLE there). Uses only the stable error rate, never
/// the canary's data, so stopping on it does not bias the final test (see [`super::plan`]).
pub fn more_requests(summary: &SampleSummary, config: &HealthConfig) -> Option<u64> {
    let (weights, budget) = (config.weights?, config.budget?);
    let s = &summary.stable;
    let p = rate(s.count_5xx(), s.responses);
    let Applicability::Applicable { needed } =
        applicability(weights, budget, config.alpha, config.error_tolerance, p)
    else {
        return None;
    };
    // The plan is per-variant responses: wait until both are there, whatever the
    // random split gave so far (at the expected counts alone P(PASS) would be ≈ ½ at
    // 0 errors, where the plan is a sharp threshold).
    let share = weights.1 as f64 / (weights.0 + weights.1) as f64;
    let (need_s, need_c) = split(needed, share);
    let short_s = need_s.saturating_sub(s.responses) as f64 / (1.0 - share);
    let short_c = need_c.saturating_sub(summary.canary.responses) as f64 / share;
    let more = short_s.max(short_c).ceil() as u64;
    (more > 0).then_some(more)
}
