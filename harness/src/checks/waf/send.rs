//! Sends corpus requests politely: a rate cap (one request every `1/rps` seconds,
//! ticks not bursted after a stall), bounded concurrency, the endpoint's host name
//! in `Host` (a bare IP trips CRS 920350 on every request), no cookies kept.

use std::io::IsTerminal;
use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt;
use tokio::sync::Mutex;
use url::Url;

use super::classify::ATTRIBUTION_HEADER;
use super::corpus::Probe;
use super::{Answer, WafSettings};
use crate::endpoint::Endpoint;
use crate::error::{Error, Result};

/// Lowest accepted rate cap; below it the run would take forever.
const MIN_RPS: f64 = 0.1;

/// Sends every probe; answers come back in the probes' order.
pub async fn send_all(
    endpoint: &Endpoint,
    settings: &WafSettings,
    probes: &[Probe],
) -> Result<Vec<Answer>> {
    if !(settings.rps.is_finite() && settings.rps >= MIN_RPS) {
        return Err(Error::Config(format!(
            "--rps {}: must be at least {MIN_RPS}",
            settings.rps
        )));
    }
    let host = endpoint.host().to_string();
    let addr = endpoint.socket_addr(&host, endpoint.port()).await?;
    let client = endpoint
        .client_builder()?
        .resolve(&host, addr)
        .timeout(settings.timeout)
        .build()
        .map_err(|e| Error::failed("building the HTTPS client", e))?;
    let mut base = endpoint.url.clone();
    base.set_path("");
    base.set_query(None);
    base.set_fragment(None);
    let base = base.as_str().trim_end_matches('/').to_string();

    let mut tick = tokio::time::interval(Duration::from_secs_f64(1.0 / settings.rps));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let tick = Arc::new(Mutex::new(tick));
    let bar = if std::io::stderr().is_terminal() {
        indicatif::ProgressBar::new(probes.len() as u64).with_message("waf corpus")
    } else {
        indicatif::ProgressBar::hidden()
    };
    let answers: Vec<Answer> = futures::stream::iter(probes.iter())
        .map(|p| {
            let client = client.clone();
            let tick = tick.clone();
            let base = base.clone();
            let bar = bar.clone();
            async move {
                tick.lock().await.tick().await;
                let a = send_one(&client, &base, p).await;
                bar.inc(1);
                a
            }
        })
        .buffered(settings.concurrency.max(1))
        .collect()
        .await;
    bar.finish_and_clear();
    Ok(answers)
}

async fn send_one(client: &reqwest::Client, base: &str, p: &Probe) -> Answer {
    let failed = Answer {
        status: None,
        attributed: false,
    };
    let Ok(url) = Url::parse(&format!("{base}{}", p.path_and_query)) else {
        return failed;
    };
    let mut req = match p.method {
        "POST" => client.post(url),
        _ => client.get(url),
    };
    for (k, v) in &p.headers {
        req = req.header(k.as_str(), v.as_str());
    }
    if let Some((ct, body)) = &p.body {
        req = req
            .header(reqwest::header::CONTENT_TYPE, *ct)
            .body(body.clone());
    }
    match req.send().await {
        Ok(resp) => {
            let answer = Answer {
                status: Some(resp.status().as_u16()),
                attributed: resp.headers().contains_key(ATTRIBUTION_HEADER),
            };
            // Drain the body so the connection can be reused.
            let _ = resp.bytes().await;
            answer
        }
        Err(_) => failed,
    }
}
