//! The sampling loop: tokio + reqwest (rustls). Requests are driven as a stream with
//! bounded concurrency (`buffer_unordered`), an optional rate cap, a per-request
//! timeout, no cookie store, and optionally a fresh connection per request. After every
//! `batch_size` completions the caller looks at the running aggregates and may stop.

use std::io::IsTerminal;
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures::StreamExt;
use indicatif::{ProgressBar, ProgressStyle};

use super::accumulator::{Accumulator, Attribution, Outcome, RELEASE_HEADER, VARIANT_HEADER};
use super::config::SamplerConfig;
use super::rate::RateCap;
use crate::error::{Error, Result};
use crate::result::SampleSummary;

/// Samples the target until `max_requests` requests completed or `on_batch` returns
/// `true`. `on_batch` sees the running aggregates after every `batch_size` completed
/// requests (and once more at the end if the last batch was partial). Requests still
/// in flight when sampling stops are cancelled and not counted.
pub async fn sample(
    cfg: &SamplerConfig,
    mut on_batch: impl FnMut(&SampleSummary) -> bool,
) -> Result<SampleSummary> {
    validate(cfg)?;
    let client = build_client(cfg)?;
    let rate = cfg.rps.map(|r| Arc::new(RateCap::new(r)));
    let url = cfg.endpoint.url.clone();
    let progress = progress_bar(cfg);
    let started = Instant::now();
    let mut acc = Accumulator::new();

    let requests = futures::stream::iter(0..cfg.max_requests)
        .map(|_| {
            let client = client.clone();
            let url = url.clone();
            let rate = rate.clone();
            async move {
                if let Some(rate) = rate {
                    rate.acquire().await;
                }
                one_request(&client, url).await
            }
        })
        .buffer_unordered(cfg.concurrency);
    futures::pin_mut!(requests);

    let mut since_look = 0u64;
    while let Some(outcome) = requests.next().await {
        acc.record(outcome);
        since_look += 1;
        if since_look >= cfg.batch_size {
            since_look = 0;
            progress.set_position(acc.requests());
            if on_batch(&acc.summary(started.elapsed())) {
                break;
            }
        }
    }
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
        && !(r.is_finite() && r > 0.0)
    {
        return Err(Error::Config(format!(
            "--rps {r}: must be a positive number"
        )));
    }
    Ok(())
}

fn build_client(cfg: &SamplerConfig) -> Result<reqwest::Client> {
    let mut b = cfg
        .endpoint
        .client_builder()?
        .timeout(cfg.timeout)
        .connect_timeout(cfg.timeout)
        .tcp_nodelay(true)
        .user_agent(concat!("canary-harness/", env!("CARGO_PKG_VERSION")));
    if cfg.fresh_connections {
        b = b.pool_max_idle_per_host(0);
    }
    b.build()
        .map_err(|e| Error::Config(format!("cannot build the HTTP client: {e}")))
}

async fn one_request(client: &reqwest::Client, url: url::Url) -> Outcome {
    let sent = Instant::now();
    let resp = match client.get(url).send().await {
        Ok(r) => r,
        Err(e) => return classify(&e),
    };
    let status = resp.status().as_u16();
    let header = |name: &str| {
        resp.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let attribution = Attribution::from_headers(
        header(VARIANT_HEADER).as_deref(),
        header(RELEASE_HEADER).as_deref(),
    );
    // The response counts once its body is complete (that is what a user waits for).
    if let Err(e) = resp.bytes().await {
        return classify(&e);
    }
    Outcome::Response {
        status,
        attribution,
        latency: sent.elapsed(),
    }
}

fn classify(e: &reqwest::Error) -> Outcome {
    if e.is_timeout() {
        return Outcome::Timeout;
    }
    // The full source chain on one line, so the report says *why* (refused, TLS, DNS).
    let mut msg = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        msg.push_str(": ");
        msg.push_str(&s.to_string());
        source = s.source();
    }
    Outcome::TransportError(msg.replace('\n', " "))
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
