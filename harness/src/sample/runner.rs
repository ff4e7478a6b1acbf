//! The sampling loop: `concurrency` worker tasks, each with its own HTTP/1.1
//! connection over rustls ([`super::conn`]), send the requests (bounded concurrency),
//! with an optional rate cap, a per-request timeout, no cookies, and optionally a
//! fresh connection per request. After every
//! `batch_size` completions the caller looks at the running aggregates and may stop.

use std::io::IsTerminal;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressStyle};
use tokio::sync::Notify;

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

    // One tokio task per concurrency slot (as oha does), so the TLS and HTTP work of
    // the slots runs on all worker threads; a single task polling every request
    // (`buffer_unordered`) is bound to one core. Tickets bound the total to
    // `max_requests`. Each worker records its outcome itself, under a lock held for one
    // `record` ([`Shared`]), and wakes this task only when a look is due: waking it for
    // every outcome (a channel) cost a thread wake-up per request, twice the sys time
    // and five times the context switches of oha (bench/sampler.sh).
    let shared = Arc::new(Shared {
        state: Mutex::new(State {
            acc: Accumulator::new(),
            look_at: cfg.batch_size,
            held: Vec::new(),
        }),
        look_due: Notify::new(),
    });
    let tickets = Arc::new(AtomicU64::new(0));
    let mut workers = tokio::task::JoinSet::new();
    let slots = cfg
        .concurrency
        .min(usize::try_from(cfg.max_requests).unwrap_or(usize::MAX));
    for index in 0..slots {
        let mut slot = Slot::new(target.clone(), index, cfg.fresh_connections);
        let (rate, tickets, shared) = (rate.clone(), tickets.clone(), shared.clone());
        let max = cfg.max_requests;
        workers.spawn(async move {
            while tickets.fetch_add(1, Ordering::Relaxed) < max {
                if let Some(rate) = &rate {
                    rate.acquire().await;
                }
                let outcome = slot.request().await;
                if shared.record(outcome) {
                    shared.look_due.notify_one();
                }
            }
        });
    }

    // Looks happen at exact request counts: outcomes that complete while a look is
    // being judged are held back and recorded after it, as a queue would hold them.
    let (mut looked_at, mut running, mut stopped) = (0u64, true, false);
    loop {
        let due = {
            let st = shared.lock();
            (st.acc.requests() >= st.look_at).then(|| st.acc.summary(started.elapsed()))
        };
        if let Some(summary) = due {
            looked_at = summary.requests;
            progress.set_position(looked_at);
            match on_batch(&summary) {
                Some(next) => {
                    shared.next_look(next.max(1));
                    continue;
                }
                None => {
                    stopped = true;
                    break;
                }
            }
        }
        if !running {
            break;
        }
        tokio::select! {
            () = shared.look_due.notified() => {}
            joined = workers.join_next() => running = joined.is_some(),
        }
    }
    // Cancels the requests still in flight; they are not counted, nor are held ones.
    workers.abort_all();
    let summary = shared.lock().acc.summary(started.elapsed());
    if !stopped && summary.requests > looked_at {
        on_batch(&summary);
    }
    progress.finish_and_clear();
    Ok(summary)
}

/// What the workers and the looking task share.
struct Shared {
    state: Mutex<State>,
    /// Signalled by the worker whose outcome makes a look due.
    look_due: Notify,
}

struct State {
    acc: Accumulator,
    /// Request count of the next look.
    look_at: u64,
    /// Outcomes completed while a look is due or being judged, in completion order.
    held: Vec<RequestOutcome>,
}

impl Shared {
    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Records one outcome, or holds it back while a look is due; true when this
    /// outcome made the look due.
    fn record(&self, outcome: RequestOutcome) -> bool {
        let mut st = self.lock();
        if st.acc.requests() < st.look_at {
            st.acc.record(outcome);
            st.acc.requests() == st.look_at
        } else {
            st.held.push(outcome);
            false
        }
    }

    /// Sets the next look `next` requests on and records the held outcomes up to it.
    fn next_look(&self, next: u64) {
        let mut st = self.lock();
        st.look_at = st.acc.requests().saturating_add(next);
        let held = std::mem::take(&mut st.held);
        for outcome in held {
            if st.acc.requests() < st.look_at {
                st.acc.record(outcome);
            } else {
                st.held.push(outcome);
            }
        }
    }
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
