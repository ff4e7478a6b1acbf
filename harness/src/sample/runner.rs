//! The sampling loop: `concurrency` worker tasks, each with its own HTTP/1.1
//! connection over rustls ([`super::conn`]), send the requests (bounded concurrency),
//! with an optional rate cap, a per-request timeout, no cookies, and optionally a
//! fresh connection per request. After every
//! `batch_size` completions the caller looks at the running aggregates and may stop.

use std::io::IsTerminal;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressStyle};

use super::accumulator::{Accumulator, RequestOutcome};
use super::config::SamplerConfig;
use super::conn::{Slot, Target};
use super::rate::{MIN_RPS, RateCap};
use crate::error::{Error, Result};
use crate::result::SampleSummary;

/// Samples the target until `max_requests` requests completed or `on_batch` returns
/// `None`. `on_batch` sees the running aggregates after `cfg.batch_size` completed
/// requests, then after as many more as it returned the previous time (so a caller
/// can look exactly at the request counts it planned), and once more at the end if
/// the last batch was partial. Requests still in flight when sampling stops are
/// cancelled and not counted.
pub async fn sample(
    cfg: &SamplerConfig,
    mut on_batch: impl FnMut(&SampleSummary) -> Option<u64>,
) -> Result<SampleSummary> {
    validate(cfg)?;
    let target = Arc::new(Target::new(&cfg.endpoint, &cfg.request, cfg.timeout).await?);
    let rate = cfg.rps.map(|r| Arc::new(RateCap::new(r)));
    let progress = progress_bar(cfg);
    let started = Instant::now();
    let mut acc = Accumulator::new();

    // One tokio task per concurrency slot (as oha does), so the TLS and HTTP work of
    // the slots runs on all worker threads; a single task polling every request
    // (`buffer_unordered`) is bound to one core. Tickets bound the total to
    // `max_requests`; outcomes come back over a channel to this task, the only one
    // that touches the aggregates.
    let tickets = Arc::new(AtomicU64::new(0));
    let (tx, mut rx) = tokio::sync::mpsc::channel::<RequestOutcome>(cfg.concurrency.max(16) * 4);
    let mut workers = tokio::task::JoinSet::new();
    let slots = cfg
        .concurrency
        .min(usize::try_from(cfg.max_requests).unwrap_or(usize::MAX));
    for index in 0..slots {
        let mut slot = Slot::new(target.clone(), index, cfg.fresh_connections);
        let (rate, tickets, tx) = (rate.clone(), tickets.clone(), tx.clone());
        let max = cfg.max_requests;
        workers.spawn(async move {
            while tickets.fetch_add(1, Ordering::Relaxed) < max {
                if let Some(rate) = &rate {
                    rate.acquire().await;
                }
                let outcome = slot.request().await;
                if tx.send(outcome).await.is_err() {
                    break;
                }
            }
        });
    }
    drop(tx);

    let (mut since_look, mut batch) = (0u64, cfg.batch_size);
    while let Some(outcome) = rx.recv().await {
        acc.record(outcome);
        since_look += 1;
        if since_look >= batch {
            since_look = 0;
            progress.set_position(acc.requests());
            match on_batch(&acc.summary(started.elapsed())) {
                Some(next) => batch = next.max(1),
                None => break,
            }
        }
    }
    // Cancels the requests still in flight; they are not counted.
    workers.abort_all();
    let summary = acc.summary(started.elapsed());
    if since_look > 0 {
        on_batch(&summary);
    }
    progress.finish_and_clear();
    Ok(summary)
}

fn validate(cfg: &SamplerConfig) -> Result<()> {
    if cfg.concurrency == 0 {
        return Err(Error::Config("--concurrency must be at least 1".into()));
    }
    if cfg.batch_size == 0 {
        return Err(Error::Config(
            "sampler batch size must be at least 1".into(),
        ));
    }
    if let Some(r) = cfg.rps
        && !(r.is_finite() && r >= MIN_RPS)
    {
        return Err(Error::Config(format!(
            "--rps {r}: must be a number of at least {MIN_RPS}"
        )));
    }
    Ok(())
}

fn progress_bar(cfg: &SamplerConfig) -> ProgressBar {
    if cfg.quiet || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(cfg.max_requests);
    if let Ok(style) =
        ProgressStyle::with_template("{spinner} sampling {pos}/{len} requests {per_sec} {elapsed}")
    {
        bar.set_style(style);
    }
    bar.enable_steady_tick(Duration::from_millis(200));
    bar
}
