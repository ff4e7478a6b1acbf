//! Sending the sample and guarding its attribution: the sampling loop's stop rule
//! (the split monitor's looks, health's plan, the leak test's zero hits — or, for a
//! shard, its fixed share and no early stop) and the rule that unattributed responses
//! never let a traffic check pass silently.

use super::listener;
use crate::aws::Truth;
use crate::checks::{health, split};
use crate::config::{CheckName, VerifyConfig};
use crate::endpoint::Endpoint;
use crate::error::{Error, Result};
use crate::result::{CheckResult, SampleSummary, Verdict};
use crate::sample::{self, GATE_TOKEN_ENV, SamplerConfig};

use super::{DEFAULT_BATCH, MAX_UNATTRIBUTED_SHARE, RATE_LIMIT_STATUS};

/// Samples the target. Stops when the split monitor has a verdict and health its plan,
/// when the first batch got no response (unreachable), or — for a weight-0 canary
/// checked without the split test — once 0 hits bound the canary share below the leak
/// margin. A shard (`cfg.shard`) sends exactly its share and stops only when the first
/// batch got no response: no test of it stops early.
pub(super) async fn sample_target(
    cfg: &VerifyConfig,
    endpoint: &Endpoint,
    truth: Option<&Truth>,
    mut monitor: Option<&mut split::SplitMonitor>,
    mut health_plan: Option<&health::HealthConfig>,
) -> Result<SampleSummary> {
    let share = cfg.shard.map(|s| s.share(cfg.max_requests)).transpose()?;
    let max_requests = share.unwrap_or(cfg.max_requests);
    if share.is_some() {
        (monitor, health_plan) = (None, None);
    }
    let batch_size = monitor
        .as_ref()
        .map(|m| m.batch_size())
        .unwrap_or(DEFAULT_BATCH)
        .clamp(1, max_requests);
    let sampler = SamplerConfig {
        endpoint: endpoint.clone(),
        request: cfg.extras.request.clone(),
        max_requests,
        concurrency: cfg.concurrency,
        rps: Some(cfg.rps),
        timeout: cfg.timeout,
        fresh_connections: cfg.fresh_connections || listener::needs_fresh_connections(truth),
        batch_size,
        quiet: cfg.quiet,
    };
    let zero_weight_only = share.is_none()
        && monitor.is_none()
        && !cfg.runs(CheckName::Health)
        && truth.is_some_and(|t| t.canary_weight == 0);
    let enough_for_zero = crate::stats::zero_weight_n(cfg.leak_margin, cfg.alpha);
    let summary = sample::sample(&sampler, |s| {
        let answered = s.attributed() + s.unattributed_total();
        if answered == 0 {
            return None;
        }
        if zero_weight_only && (s.canary.responses > 0 || s.attributed() >= enough_for_zero) {
            return None;
        }
        let split_next = match monitor.as_mut() {
            Some(m) => (!m.observe(s)).then(|| m.batch_size()),
            None => return Some(batch_size),
        };
        // Health sample continuation: after the split verdict, on to health's plan.
        split_next.or_else(|| health_plan.and_then(|h| health::more_requests(s, h)))
    })
    .await?;
    if summary.attributed() + summary.unattributed_total() == 0 {
        let why = summary
            .error_examples
            .first()
            .cloned()
            .unwrap_or_else(|| format!("all {} requests timed out", summary.timeouts));
        return Err(Error::Unreachable(format!(
            "{}: no response to {} request(s): {why}",
            endpoint.url, summary.requests
        )));
    }
    Ok(summary)
}

/// A traffic check cannot PASS when too many responses carried no attribution.
pub(super) fn guard_unattributed(check: &mut CheckResult, summary: &SampleSummary) {
    let unattributed = summary.unattributed_total();
    let answered = summary.attributed() + unattributed;
    if answered == 0 || unattributed == 0 {
        return;
    }
    let share = unattributed as f64 / answered as f64;
    let mut note = format!(
        "{unattributed} of {answered} responses ({:.1}%) carried no x-variant header (statuses {:?})",
        share * 100.0,
        summary.unattributed
    );
    if let Some(limited) = summary.unattributed.get(RATE_LIMIT_STATUS) {
        note.push_str(&format!(
            "; {limited} were {RATE_LIMIT_STATUS} answers of the WAF's rate rule (a rate-limit \
             block, not an attack block nor a canary error): give the gate its token in \
             {GATE_TOKEN_ENV}"
        ));
    }
    if share > MAX_UNATTRIBUTED_SHARE && check.verdict == Verdict::Pass {
        check.verdict = Verdict::Inconclusive;
        check.summary = format!("{note}: cannot attribute the traffic. {}", check.summary);
    } else if !check.warnings.contains(&note) {
        check.warnings.push(note);
    }
}
