//! Sends the posture corpus politely: a rate cap (one request every `1/rps` seconds,
//! ticks not bursted after a stall), bounded concurrency, the endpoint's host name in
//! `Host` (a bare IP trips CRS 920350 on every request), no cookies kept, and the
//! run's `--header`s and gate token on every request, so the WAF's per-client rate
//! rule does not turn the measurement into a count of 429s. The same policy as the
//! gate tier's sender (`checks::waf::gate::send`), plus the rate rule's `x-waf-rule` header.

use std::io::IsTerminal;
use std::sync::Arc;
use std::time::Duration;

use canary_contract::HEADER_VARIANT as ATTRIBUTION_HEADER;
use futures::StreamExt;
use tokio::sync::Mutex;
use url::Url;

use super::{Answer, PostureSettings, WAF_RULE_HEADER};
use crate::corpus::Probe;
use crate::endpoint::Endpoint;
use crate::error::{Error, Result};
use crate::sample::MIN_RPS;

/// Sends every probe; answers come back in the probes' order.
pub async fn send_all(
    endpoint: &Endpoint,
    settings: &PostureSettings,
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
    let mut headers = reqwest::header::HeaderMap::new();
    for (n, v) in settings.request.hyper_headers()? {
        headers.insert(n, v);
    }
    let client = endpoint
        .client_builder()?
        .resolve(&host, addr)
        .timeout(settings.timeout)
        .default_headers(headers)
        .build()
        .map_err(|e| Error::failed("building the HTTPS client", e))?;
    let base = settings.curl.base.clone();

    let mut tick = tokio::time::interval(Duration::from_secs_f64(1.0 / settings.rps));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let tick = Arc::new(Mutex::new(tick));
    let bar = if std::io::stderr().is_terminal() {
        indicatif::ProgressBar::new(probes.len() as u64).with_message("waf posture corpus")
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
        waf_rule: false,
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
                waf_rule: resp.headers().contains_key(WAF_RULE_HEADER),
            };
            // Drain the body so the connection can be reused.
            let _ = resp.bytes().await;
            answer
        }
        Err(_) => failed,
    }
}
