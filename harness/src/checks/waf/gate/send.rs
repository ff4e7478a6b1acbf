//! Sends gate and benign requests politely: a rate cap (ticks not bursted after a
//! stall), bounded concurrency, the endpoint's host name in `Host` (a bare IP trips CRS
//! 920350), a browser `User-Agent` unless the request sets or omits one, any method.

use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt;
use tokio::sync::Mutex;
use url::Url;

use super::corpus::{DEFAULT_USER_AGENT, Wire};
use super::judge::GateAnswer;
use crate::endpoint::Endpoint;
use crate::error::{Error, Result};

use super::super::WafSettings;
use super::super::classify::ATTRIBUTION_HEADER;

/// Header a WAF custom response names its rule in (app-infra `waf.tf`).
pub const WAF_RULE_HEADER: &str = "x-waf-rule";
/// Lowest accepted rate cap; below it the run would take forever.
const MIN_RPS: f64 = 0.1;

/// The base URL (`https://host:port`) requests are sent to.
pub fn base_url(endpoint: &Endpoint) -> String {
    let mut base = endpoint.url.clone();
    base.set_path("");
    base.set_query(None);
    base.set_fragment(None);
    base.as_str().trim_end_matches('/').to_string()
}

/// Sends every request; answers come back in the requests' order.
pub async fn send_wires(
    endpoint: &Endpoint,
    settings: &WafSettings,
    wires: &[&Wire],
) -> Result<Vec<GateAnswer>> {
    if !(settings.rps.is_finite() && settings.rps >= MIN_RPS) {
        return Err(Error::Config(format!(
            "--rps {}: must be at least {MIN_RPS}",
            settings.rps
        )));
    }
    let host = endpoint.host().to_string();
    let addr = endpoint.socket_addr(&host, endpoint.port()).await?;
    // Bare: no default User-Agent (each request sets one, or omits it on purpose).
    let build = |h1: bool| -> Result<reqwest::Client> {
        let b = endpoint
            .bare_client_builder()?
            .resolve(&host, addr)
            .timeout(settings.timeout);
        let b = if h1 { b.http1_only() } else { b };
        b.build()
            .map_err(|e| Error::failed("building the HTTPS client", e))
    };
    // A request that sets `Host` itself goes over HTTP/1.1: in HTTP/2 the authority is
    // `:authority` (from the URL), and a second, different `host` field is rejected by
    // the server before any WAF sees the request.
    let (client, client_h1) = (build(false)?, build(true)?);
    let base = base_url(endpoint);
    let mut tick = tokio::time::interval(Duration::from_secs_f64(1.0 / settings.rps));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let tick = Arc::new(Mutex::new(tick));
    Ok(futures::stream::iter(wires.iter())
        .map(|w| {
            let sets_host = w
                .headers
                .iter()
                .any(|(k, _)| k.eq_ignore_ascii_case("host"));
            let client = if sets_host {
                client_h1.clone()
            } else {
                client.clone()
            };
            let (tick, base) = (tick.clone(), base.clone());
            async move {
                tick.lock().await.tick().await;
                send_one(&client, &base, w).await
            }
        })
        .buffered(settings.concurrency.max(1))
        .collect()
        .await)
}

async fn send_one(client: &reqwest::Client, base: &str, w: &Wire) -> GateAnswer {
    let failed = GateAnswer::default();
    let Ok(url) = Url::parse(&format!("{base}{}", w.path_and_query)) else {
        return failed;
    };
    let Ok(method) = reqwest::Method::from_bytes(w.method.as_bytes()) else {
        return failed;
    };
    let mut req = client.request(method, url);
    let sets_ua = w
        .headers
        .iter()
        .any(|(k, _)| k.eq_ignore_ascii_case("user-agent"));
    if !sets_ua && !w.omit_user_agent {
        req = req.header(reqwest::header::USER_AGENT, DEFAULT_USER_AGENT);
    }
    for (k, v) in &w.headers {
        req = req.header(k.as_str(), v.as_str());
    }
    if let Some((ct, body)) = &w.body {
        req = req
            .header(reqwest::header::CONTENT_TYPE, ct.as_str())
            .body(body.clone());
    }
    match req.send().await {
        Ok(resp) => {
            let h = |n: &str| {
                resp.headers()
                    .get(n)
                    .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
            };
            let answer = GateAnswer {
                status: Some(resp.status().as_u16()),
                variant: h(ATTRIBUTION_HEADER),
                waf_rule: h(WAF_RULE_HEADER),
            };
            // Drain the body so the connection can be reused.
            let _ = resp.bytes().await;
            answer
        }
        Err(_) => failed,
    }
}
