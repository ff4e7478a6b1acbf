//! HTTP → HTTPS redirect and HSTS. The ALB's port-80 listener must answer 301 (or 308)
//! with a `Location` on the https URL, same host, path and query preserved (what the
//! Terraform listener's `#{host}:443/#{path}?#{query}` redirect does); the HTTPS
//! response should carry `Strict-Transport-Security` (RFC 6797) with a max-age.

use std::time::Duration;

use url::Url;

use crate::endpoint::Endpoint;
use crate::error::{Error, Result};
use crate::result::RedirectEvidence;

/// Statuses accepted as a permanent redirect.
pub const REDIRECT_STATUSES: [u16; 2] = [301, 308];

/// Judges one redirect answer (pure). `https_url` is the endpoint's HTTPS URL: the
/// redirect must land on its scheme and port, on the probed host, path and query.
pub fn judge(
    probed: &Url,
    https_url: &Url,
    status: u16,
    location: Option<&str>,
) -> RedirectEvidence {
    let target = location.and_then(|l| probed.join(l).ok());
    let ok = REDIRECT_STATUSES.contains(&status)
        && target.as_ref().is_some_and(|t| {
            t.scheme() == "https"
                && t.host_str() == probed.host_str()
                && t.port_or_known_default() == https_url.port_or_known_default()
                && t.path() == probed.path()
                && t.query() == probed.query()
        });
    RedirectEvidence {
        probed: probed.to_string(),
        status,
        location: location.map(str::to_string),
        ok,
    }
}

/// Parses the `max-age` directive of a `Strict-Transport-Security` value
/// (RFC 6797 §6.1.1: case-insensitive name, optional quotes).
pub fn hsts_max_age(value: &str) -> Option<u64> {
    value.split(';').find_map(|d| {
        let (name, v) = d.split_once('=')?;
        if !name.trim().eq_ignore_ascii_case("max-age") {
            return None;
        }
        v.trim().trim_matches('"').parse().ok()
    })
}

/// Probes the plain-HTTP URL (never following redirects).
pub async fn probe_redirect(endpoint: &Endpoint, timeout: Duration) -> Result<RedirectEvidence> {
    let probed = endpoint.http_url.clone();
    let host = probed
        .host_str()
        .ok_or_else(|| Error::Config(format!("--http-url {probed}: has no host")))?
        .to_string();
    let port = probed.port_or_known_default().unwrap_or(80);
    let addr = endpoint.socket_addr(&host, port).await?;
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        // AWS WAF's NoUserAgent_HEADER also guards the HTTP listener's redirect.
        .user_agent(crate::endpoint::USER_AGENT)
        .resolve(&host, addr)
        .timeout(timeout)
        .build()
        .map_err(|e| Error::Runtime(format!("HTTP client: {e}")))?;
    let resp = client
        .get(probed.clone())
        .send()
        .await
        .map_err(|e| Error::Unreachable(format!("{probed}: {e}")))?;
    let location = resp
        .headers()
        .get(reqwest::header::LOCATION)
        .and_then(|v| v.to_str().ok());
    Ok(judge(
        &probed,
        &endpoint.url,
        resp.status().as_u16(),
        location,
    ))
}

/// GETs the HTTPS URL and returns the HSTS max-age (`Ok(None)` when the header is
/// missing or has no max-age).
pub async fn probe_hsts(endpoint: &Endpoint, timeout: Duration) -> Result<Option<u64>> {
    let host = endpoint.host().to_string();
    let addr = endpoint.socket_addr(&host, endpoint.port()).await?;
    let client = endpoint
        .client_builder()?
        .resolve(&host, addr)
        .timeout(timeout)
        .build()
        .map_err(|e| Error::Runtime(format!("HTTPS client: {e}")))?;
    let resp = client
        .get(endpoint.url.clone())
        .send()
        .await
        .map_err(|e| Error::Unreachable(format!("{}: {e}", endpoint.url)))?;
    Ok(resp
        .headers()
        .get(reqwest::header::STRICT_TRANSPORT_SECURITY)
        .and_then(|v| v.to_str().ok())
        .and_then(hsts_max_age))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn urls() -> (Url, Url) {
        (
            Url::parse("http://app.example.com/a/b?x=1&y=2").unwrap(),
            Url::parse("https://app.example.com/a/b?x=1&y=2").unwrap(),
        )
    }

    #[test]
    fn accepts_301_and_308_to_same_place() {
        let (p, h) = urls();
        for s in [301, 308] {
            assert!(judge(&p, &h, s, Some("https://app.example.com/a/b?x=1&y=2")).ok);
            assert!(judge(&p, &h, s, Some("https://app.example.com:443/a/b?x=1&y=2")).ok);
        }
    }

    #[test]
    fn rejects_wrong_redirects() {
        let (p, h) = urls();
        let cases = [
            (302, Some("https://app.example.com/a/b?x=1&y=2")),
            (200, None),
            (301, None),
            (301, Some("http://app.example.com/a/b?x=1&y=2")),
            (301, Some("https://evil.example.com/a/b?x=1&y=2")),
            (301, Some("https://app.example.com/")),
            (301, Some("https://app.example.com/a/b")),
            (301, Some("https://app.example.com:8443/a/b?x=1&y=2")),
            (301, Some("/a/b?x=1&y=2")),
        ];
        for (s, l) in cases {
            assert!(!judge(&p, &h, s, l).ok, "{s} {l:?}");
        }
    }

    #[test]
    fn honours_non_default_https_port() {
        let p = Url::parse("http://twin.local:8080/?q=1").unwrap();
        let h = Url::parse("https://twin.local:8443/?q=1").unwrap();
        assert!(judge(&p, &h, 301, Some("https://twin.local:8443/?q=1")).ok);
        assert!(!judge(&p, &h, 301, Some("https://twin.local/?q=1")).ok);
    }

    #[test]
    fn parses_hsts() {
        assert_eq!(
            hsts_max_age("max-age=31536000; includeSubDomains"),
            Some(31_536_000)
        );
        assert_eq!(hsts_max_age("includeSubDomains; Max-Age=\"60\""), Some(60));
        assert_eq!(hsts_max_age("includeSubDomains"), None);
        assert_eq!(hsts_max_age("max-age=abc"), None);
    }
}
