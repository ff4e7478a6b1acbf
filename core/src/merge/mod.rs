//! `harness merge`: one verdict from the runs of several runners (`--shard I/N`).
//!
//! # Rules
//! * **Only shards pool.** Each run must be a shard: it sent a fixed share of the
//!   planned sample and stopped no test early ([`crate::result::ShardSettings`]). A
//!   run that stopped when its own sequential test decided cannot be pooled validly:
//!   its sample size was chosen by its data, and the pooled counts would lean towards
//!   whichever boundary stopped it. Such a run is refused.
//! * **Same verification.** Target, schema and harness version, the decision settings
//!   (alpha, margin, leak margin, planned requests, checks), the number of shards and
//!   the listener weights must agree; otherwise the merge is refused (exit 2, one line
//!   naming the runs and what differs). Concurrency and rate may differ (they shape
//!   the traffic, not the decision); the merged report shows their sums.
//! * **Each shard once.** A shard given twice is refused: counting the same evidence
//!   twice (or keeping the better of two attempts) is not a fixed-n sample. A missing
//!   shard is partial evidence: the pooled tests still run (their error rates hold for
//!   any sample size fixed in advance), a FAIL stands, but a PASS becomes INCONCLUSIVE
//!   naming the missing shards.
//! * **Sample checks are recomputed, not voted** ([`checks`]): counts add, histograms
//!   merge ([`sample`]), and split (the fixed-n test at α,
//!   [`crate::checks::split::fixed_n`]) and health ([`crate::checks::health`]) decide
//!   again on the pooled sample. A finding of a shard outside those tests (a release
//!   mismatch, weights that changed during its run, a failed read) carries over.
//! * **Probe checks combine** (scale, tls, waf, waf-posture, rollout): each runner
//!   probed the whole target, so a probe that failed in any run fails the merge,
//!   naming the run: the merged verdict is the worst of the runs'.

mod checks;
pub mod sample;
#[cfg(test)]
mod tests;

use std::collections::BTreeSet;

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::error::{Error, Result};
use crate::result::{RunResult, RunSettings, Shard, ShardSettings};

/// One run to merge: how the user named it (a folder or file) and its `report.json`.
#[derive(Debug, Clone)]
pub struct Input {
    /// The run folder or file as given, for messages.
    pub name: String,
    /// Its parsed `report.json`.
    pub run: RunResult,
}

/// A validated shard: its input and settings.
pub(crate) struct Part<'a> {
    pub(crate) name: &'a str,
    pub(crate) run: &'a RunResult,
    pub(crate) shard: &'a ShardSettings,
}

impl Part<'_> {
    /// `shard I/N (NAME)`.
    pub(crate) fn label(&self) -> String {
        format!("shard {} ({})", self.shard.shard(), self.name)
    }
}

/// Merges the runs into one result with verdicts recomputed from the pooled evidence
/// (module doc); a refusal is an [`Error::Config`] (exit 2) with one line.
pub fn merge(inputs: &[Input]) -> Result<RunResult> {
    let parts = validate(inputs)?;
    let first = parts[0].run;
    let shard = parts[0].shard;
    let present: BTreeSet<u32> = parts.iter().map(|p| p.shard.index).collect();
    let missing: Vec<Shard> = (1..=shard.count)
        .filter(|i| !present.contains(i))
        .map(|index| Shard {
            index,
            count: shard.count,
        })
        .collect();
    let pooled = {
        let with: Vec<_> = parts.iter().filter_map(|p| p.run.sample.as_ref()).collect();
        (!with.is_empty()).then(|| sample::pool(with))
    };
    let checks = checks::combine(&parts, pooled.as_ref(), &missing);
    let sum_rps: Option<f64> = parts.iter().map(|p| p.run.settings.rps).sum();
    let settings = RunSettings {
        concurrency: parts.iter().map(|p| p.run.settings.concurrency).sum(),
        rps: sum_rps,
        shard: None,
        ..first.settings.clone()
    };
    let names: Vec<&str> = parts.iter().map(|p| p.name).collect();
    Ok(RunResult {
        schema_version: first.schema_version,
        harness_version: first.harness_version.clone(),
        started_at: extreme(parts.iter().map(|p| &p.run.started_at), false),
        finished_at: extreme(parts.iter().map(|p| &p.run.finished_at), true),
        command: format!("harness merge {}", names.join(" ")),
        target: first.target.clone(),
        settings,
        sample: pooled,
        verdict: RunResult::overall(&checks),
        checks,
    })
}

/// Checks that the inputs are shards of one verification; sorted by shard index.
fn validate(inputs: &[Input]) -> Result<Vec<Part<'_>>> {
    let refuse = |msg: String| Err(Error::Config(format!("merge: {msg}")));
    if inputs.is_empty() {
        return refuse("no run given".into());
    }
    let mut parts = Vec::with_capacity(inputs.len());
    for i in inputs {
        let Some(shard) = &i.run.settings.shard else {
            return refuse(format!(
                "{} was not run with --shard I/N: a run that may have stopped its sequential \
                 test early cannot be pooled validly (run every runner with a fixed share, \
                 --shard I/N)",
                i.name
            ));
        };
        parts.push(Part {
            name: &i.name,
            run: &i.run,
            shard,
        });
    }
    parts.sort_by_key(|p| p.shard.index);
    let a = &parts[0];
    for b in &parts[1..] {
        let differs = |what: &str, x: String, y: String| {
            refuse(format!(
                "{} and {} differ in {what} ({x} vs {y}): not runs of one verification",
                a.name, b.name
            ))
        };
        let (ra, rb) = (a.run, b.run);
        if ra.schema_version != rb.schema_version {
            return differs(
                "report schema",
                ra.schema_version.to_string(),
                rb.schema_version.to_string(),
            );
        }
        if ra.harness_version != rb.harness_version {
            return differs(
                "harness version",
                ra.harness_version.clone(),
                rb.harness_version.clone(),
            );
        }
        if ra.target != rb.target {
            return differs(
                "target",
                format!("{:?}", ra.target),
                format!("{:?}", rb.target),
            );
        }
        let (sa, sb) = (&ra.settings, &rb.settings);
        let (ha, hb) = (a.shard, b.shard);
        let fields: [(&str, String, String); 7] = [
            ("alpha", sa.alpha.to_string(), sb.alpha.to_string()),
            ("margin", sa.margin.to_string(), sb.margin.to_string()),
            ("checks", sa.checks.join(","), sb.checks.join(",")),
            (
                "planned requests (--max-requests)",
                sa.max_requests.to_string(),
                sb.max_requests.to_string(),
            ),
            ("shard count", ha.count.to_string(), hb.count.to_string()),
            (
                "leak margin",
                ha.leak_margin.to_string(),
                hb.leak_margin.to_string(),
            ),
            ("listener weights", weights(ha.weights), weights(hb.weights)),
        ];
        for (what, x, y) in fields {
            if x != y {
                return differs(what, x, y);
            }
        }
        if ha.planned_requests != hb.planned_requests {
            return differs(
                "planned requests",
                ha.planned_requests.to_string(),
                hb.planned_requests.to_string(),
            );
        }
    }
    for w in parts.windows(2) {
        if w[0].shard.index == w[1].shard.index {
            return refuse(format!(
                "{} and {} are both shard {}: each shard may be pooled once (counting \
                 evidence twice, or keeping the better of two attempts, is not a fixed-n \
                 sample)",
                w[0].name,
                w[1].name,
                w[0].shard.shard()
            ));
        }
    }
    Ok(parts)
}

fn weights(w: Option<[i64; 2]>) -> String {
    w.map_or_else(|| "unread".into(), |[s, c]| format!("{s}/{c}"))
}

/// Earliest (`latest == false`) or latest RFC 3339 time; unparsable ones are ignored
/// unless nothing parses (then the first as given).
fn extreme<'a>(times: impl Iterator<Item = &'a String> + Clone, latest: bool) -> String {
    let parsed = times
        .clone()
        .filter_map(|t| OffsetDateTime::parse(t, &Rfc3339).ok().map(|p| (p, t)));
    let pick = if latest {
        parsed.max_by_key(|(p, _)| *p)
    } else {
        parsed.min_by_key(|(p, _)| *p)
    };
    pick.map(|(_, t)| t.clone())
        .or_else(|| times.clone().next().cloned())
        .unwrap_or_default()
}
