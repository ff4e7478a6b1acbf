//! The merged checks (rules in the [module doc](super)): split and health decide again
//! on the pooled sample, with each shard's findings outside those tests carried over;
//! the probe checks take the worst run's verdict, naming it.
//!
//! A shard's finding "outside the test" is found by recomputing the shard's own
//! decision on its own counts (exactly what it computed when it ran): where its
//! recorded verdict is worse than that, something else lowered it (a release
//! mismatch, weights changed during the run, unattributed responses, a failed read),
//! and that finding holds for the pool as well.

use super::Part;
use crate::checks::{health, split};
use crate::result::{CheckResult, Evidence, SampleSummary, Shard, Verdict};

/// Checks decided from the traffic sample, recomputed on the pooled one.
const SAMPLE_CHECKS: [&str; 2] = ["split", "health"];

/// The merged checks, in the order the runs list them.
pub(super) fn combine(
    parts: &[Part],
    pooled: Option<&SampleSummary>,
    missing: &[Shard],
) -> Vec<CheckResult> {
    let mut names: Vec<&str> = Vec::new();
    for p in parts {
        for c in &p.run.checks {
            if !names.contains(&c.name.as_str()) {
                names.push(&c.name);
            }
        }
    }
    names
        .into_iter()
        .map(|name| {
            if SAMPLE_CHECKS.contains(&name) {
                sample_check(name, parts, pooled, missing)
            } else {
                probe_check(name, parts)
            }
        })
        .collect()
}

/// The check's decision on `sample` with `budget` requests planned for it.
fn decide(
    name: &str,
    part: &Part,
    sample: &SampleSummary,
    budget: u64,
    scope: &str,
) -> CheckResult {
    let s = &part.run.settings;
    let weights = part.shard.weights.map(|[a, b]| (a, b));
    if name == "health" {
        return health::evaluate(sample, &health::config(s.alpha, weights, budget));
    }
    let Some((stable_weight, canary_weight)) = weights else {
        return errored(
            name,
            "the listener weights were not recorded by the shards".into(),
        );
    };
    let cfg = split::SplitConfig {
        stable_weight,
        canary_weight,
        alpha: s.alpha,
        margin: s.margin,
        leak_margin: part.shard.leak_margin,
        max_requests: budget,
    };
    split::fixed_n(&cfg, sample, scope).unwrap_or_else(|e| errored(name, e.to_string()))
}

fn errored(name: &str, why: String) -> CheckResult {
    CheckResult {
        name: name.into(),
        verdict: Verdict::Error,
        summary: why,
        warnings: Vec::new(),
        evidence: Evidence::None,
    }
}

fn sample_check(
    name: &str,
    parts: &[Part],
    pooled: Option<&SampleSummary>,
    missing: &[Shard],
) -> CheckResult {
    let with_sample = parts.iter().filter(|p| p.run.sample.is_some()).count();
    let count = parts[0].shard.count;
    let mut merged = match pooled {
        Some(s) => decide(
            name,
            &parts[0],
            s,
            parts[0].shard.planned_requests,
            &format!("the pooled counts of {with_sample} of {count} shards"),
        ),
        None => errored(name, "no shard has a traffic sample to pool".into()),
    };
    for p in parts {
        let label = p.label();
        let Some(recorded) = p.run.checks.iter().find(|c| c.name == name) else {
            merged
                .warnings
                .push(format!("{label} has no {name} result"));
            if merged.verdict == Verdict::Pass {
                merged.verdict = Verdict::Inconclusive;
                merged.summary = format!("{label} has no {name} result; {}", merged.summary);
            }
            continue;
        };
        let own = p.run.sample.as_ref().map(|s| {
            decide(
                name,
                p,
                s,
                p.shard.requests,
                &format!("shard {}'s {} requests", p.shard.shard(), p.shard.requests),
            )
        });
        let own_verdict = own.as_ref().map(|o| o.verdict);
        if own_verdict.is_none_or(|v| recorded.verdict > v) {
            carry(&mut merged, recorded, &label);
        }
        let own_warnings = own.map(|o| o.warnings).unwrap_or_default();
        for w in &recorded.warnings {
            if !own_warnings.contains(w) {
                merged.warnings.push(format!("{label}: {w}"));
            }
        }
    }
    if !missing.is_empty() {
        let list: Vec<String> = missing.iter().map(|s| s.to_string()).collect();
        let note = format!(
            "shard(s) {} missing: the pool holds partial evidence",
            list.join(", ")
        );
        if merged.verdict == Verdict::Pass {
            merged.verdict = Verdict::Inconclusive;
            merged.summary = format!("{note}, so it cannot PASS; {}", merged.summary);
        } else {
            merged.warnings.push(note);
        }
    }
    merged
}

/// A shard's finding outside the pooled test: it lowers the merged verdict (and leads
/// its summary) when worse, and is kept as a warning otherwise.
fn carry(merged: &mut CheckResult, recorded: &CheckResult, label: &str) {
    if recorded.verdict > merged.verdict {
        merged.summary = format!(
            "{} in {label}: {}; pooled evidence: {}",
            recorded.verdict, recorded.summary, merged.summary
        );
        merged.verdict = recorded.verdict;
    } else {
        merged.warnings.push(format!(
            "{label} was {}: {}",
            recorded.verdict, recorded.summary
        ));
    }
}

fn probe_check(name: &str, parts: &[Part]) -> CheckResult {
    let runs: Vec<(String, &CheckResult)> = parts
        .iter()
        .filter_map(|p| {
            p.run
                .checks
                .iter()
                .find(|c| c.name == name)
                .map(|c| (p.label(), c))
        })
        .collect();
    let verdict = if runs
        .iter()
        .all(|(_, c)| c.verdict == Verdict::NotApplicable)
    {
        Verdict::NotApplicable
    } else {
        Verdict::combine(runs.iter().map(|(_, c)| c.verdict))
    };
    let decider = runs
        .iter()
        .find(|(_, c)| c.verdict == verdict)
        .map_or(runs[0].1, |(_, c)| *c);
    let summary = if runs.iter().all(|(_, c)| c.verdict == verdict) {
        format!("{verdict} in all {} runs; {}", runs.len(), decider.summary)
    } else {
        let which: Vec<&str> = runs
            .iter()
            .filter(|(_, c)| c.verdict == verdict)
            .map(|(l, _)| l.as_str())
            .collect();
        format!("{verdict} in {}: {}", which.join(", "), decider.summary)
    };
    let mut warnings: Vec<String> = Vec::new();
    for p in parts {
        if !runs.iter().any(|(l, _)| *l == p.label()) {
            warnings.push(format!("{} has no {name} result", p.label()));
        }
    }
    for (label, c) in &runs {
        for w in &c.warnings {
            let everywhere = runs.iter().all(|(_, o)| o.warnings.contains(w));
            let text = if everywhere {
                w.clone()
            } else {
                format!("{label}: {w}")
            };
            if !warnings.contains(&text) {
                warnings.push(text);
            }
        }
    }
    CheckResult {
        name: name.into(),
        verdict,
        summary,
        warnings,
        evidence: decider.evidence.clone(),
    }
}
