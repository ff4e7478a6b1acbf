//! HTTP → HTTPS redirect and HSTS. The ALB's port-80 listener must answer the status its
//! redirect action declares (301 or 308 when unknown) with a `Location` on the https URL,
//! same host and port, path and query kept byte for byte (what the Terraform listener's
//! default `#{host}:443/#{path}?#{query}` redirect does); it is probed with reserved
//! characters in both. The HTTPS response should carry `Strict-Transport-Security`
//! (RFC 6797) with a max-age, required only under the HSTS options.

use std::time::Duration;

use url::Url;

use crate::endpoint::Endpoint;
use crate::error::{Error, Result};
use crate::result::RedirectEvidence;

/// Statuses accepted as a permanent redirect when the listener's own status is unknown.
pub const REDIRECT_STATUSES: [u16; 2] = [301, 308];

/// Path probed when `--http-url` names none: reserved characters (`,` `;` `=` `@` `:`
/// and an encoded `/`) that a redirect must carry over byte for byte.
pub const PROBE_PATH: &str = "/canary-harness/redirect-probe/a,b;v=1/caf%C3%A9@x:y%2Fz";
/// Query probed when `--http-url` names none: `&`, `=`, `+`, encoded `/?=&` and a space,
/// an empty value, `,` `:` `@` — what ALB's `#{query}` keeps as sent.
pub const PROBE_QUERY: &str = "q=caf%C3%A9+au%20lait&next=%2Fhome%3Fx%3D1%26y&empty=&list=a,b:c@d";

/// The URL to probe: `--http-url` as given when it has a path or query, else with
/// [`PROBE_PATH`] and [`PROBE_QUERY`].
pub fn probe_url(http_url: &Url) -> Url {
    let mut u = http_url.clone();
    if u.path() == "/" && u.query().is_none() {
        u.set_path(PROBE_PATH);
        u.set_query(Some(PROBE_QUERY));
    }
    u
}

/// What is wrong with one redirect answer (pure); empty when it is right.
/// `https_url` is the endpoint's HTTPS URL: the redirect must land on its scheme and
/// port, on the probed host, path and query, with `expected_status` when the listener
/// declares one (else 301 or 308).
pub fn problems(
    probed: &Url,
    https_url: &Url,
    status: u16,
    location: Option<&str>,
    expected_status: Option<u16>,
) -> Vec<String> {
    let mut out = Vec::new();
    match expected_status {
        Some(want) if status != want => {
            out.push(format!("status {status}, the listener declares {want}"))
        }
        None if !REDIRECT_STATUSES.contains(&status) => {
            out.push(format!("status {status}, expected 301/308"))
        }
        _ => {}
    }
    let Some(loc) = location else {
        out.push("no Location header".into());
        return out;
    };
    // Absolute only: a relative Location would keep the plain-HTTP scheme.
    let target = match Url::parse(loc) {
        Ok(t) => t,
        Err(e) => {
            out.push(format!("Location {loc:?} is not an absolute URL ({e})"));
            return out;
        }
    };
    if target.scheme() != "https" {
        out.push(format!("scheme {}, expected https", target.scheme()));
    }
    if target.host_str() != probed.host_str() {
        out.push(format!(
            "host {}, expected {}",
            target.host_str().unwrap_or("none"),
            probed.host_str().unwrap_or("none")
        ));
    }
    let (got_port, want_port) = (
        target.port_or_known_default(),
        https_url.port_or_known_default(),
    );
    if got_port != want_port {
        out.push(format!(
            "port {}, expected {}",
            got_port.map_or("none".into(), |p| p.to_string()),
            want_port.map_or("none".into(), |p| p.to_string())
        ));
    }
    if target.path() != probed.path() {
        out.push(format!(
            "path changed ({} instead of {})",
            target.path(),
            probed.path()
        ));
    }
    match (probed.query(), target.query()) {
        (Some(q), None) if !q.is_empty() => out.push("query dropped".into()),
        (Some(q), Some("")) if !q.is_empty() => out.push("query dropped".into()),
        (want, got) if want.unwrap_or("") != got.unwrap_or("") => out.push(format!(
            "query changed ({:?} instead of {:?})",
            got.unwrap_or(""),
            want.unwrap_or("")
        )),
        _ => {}
    }
    out
}

/// Judges one redirect answer (pure): the evidence, `ok` when [`problems`] is empty.
pub fn judge(
    probed: &Url,
    https_url: &Url,
    status: u16,
    location: Option<&str>,
    expected_status: Option<u16>,
) -> (RedirectEvidence, Vec<String>) {
    let found = problems(probed, https_url, status, location, expected_status);
    (
        RedirectEvidence {
            probed: probed.to_string(),
            status,
            location: location.map(str::to_string),
            ok: found.is_empty(),
        },
        found,
    )
}

/// Judges the HSTS reading: reported by default; under `--require-hsts` a missing
/// header FAILs; under `--hsts-min-max-age N` a missing header or a max-age below N
/// FAILs. An unreadable answer is a warning, or INCONCLUSIVE when HSTS is required.
/// Returns the max-age seen.
pub fn judge_hsts(
    hsts: Option<&std::result::Result<Option<u64>, String>>,
    settings: &super::TlsSettings,
    fails: &mut Vec<String>,
    unsure: &mut Vec<String>,
    warnings: &mut Vec<String>,
) -> Option<u64> {
    let required = settings.hsts_required();
    match hsts {
        Some(Ok(Some(age))) => {
            if let Some(min) = settings.hsts_min_max_age
                && *age < min
            {
                fails.push(format!(
                    "HSTS max-age={age} is below the required {min} s (--hsts-min-max-age)"
                ));
            }
            Some(*age)
        }
        Some(Ok(None)) => {
            let msg = "no Strict-Transport-Security max-age on the HTTPS response".to_string();
            if required {
                fails.push(msg);
            } else {
                warnings.push(msg);
            }
            None
        }
        Some(Err(e)) => {
            let msg = format!("HSTS not checked: {e}");
            if required {
                unsure.push(msg);
            } else {
                warnings.push(msg);
            }
            None
        }
        None => None,
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

/// Probes the plain-HTTP URL ([`probe_url`]; never following redirects) and returns
/// the status and `Location` answered.
pub async fn probe_redirect(
    endpoint: &Endpoint,
    timeout: Duration,
) -> Result<(Url, u16, Option<String>)> {
    let probed = probe_url(&endpoint.http_url);
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
        .map_err(|e| Error::failed("building the HTTP client", e))?;
    let resp = client
        .get(probed.clone())
        .send()
        .await
        .map_err(|e| Error::Unreachable(format!("{probed}: {e}")))?;
    let location = resp
        .headers()
        .get(reqwest::header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    Ok((probed, resp.status().as_u16(), location))
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
        .map_err(|e| Error::failed("building the HTTPS client", e))?;
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

    fn ok(p: &Url, h: &Url, s: u16, l: Option<&str>, want: Option<u16>) -> bool {
        let (ev, found) = judge(p, h, s, l, want);
        assert_eq!(ev.ok, found.is_empty());
        ev.ok
    }

    #[test]
    fn accepts_301_and_308_to_same_place() {
        let (p, h) = urls();
        for s in [301, 308] {
            assert!(ok(
                &p,
                &h,
                s,
                Some("https://app.example.com/a/b?x=1&y=2"),
                None
            ));
            assert!(ok(
                &p,
                &h,
                s,
                Some("https://app.example.com:443/a/b?x=1&y=2"),
                None
            ));
            assert!(ok(
                &p,
                &h,
                s,
                Some("https://app.example.com:443/a/b?x=1&y=2"),
                Some(s)
            ));
        }
    }

    #[test]
    fn rejects_wrong_redirects() {
        let (p, h) = urls();
        let cases = [
            (
                302,
                Some("https://app.example.com/a/b?x=1&y=2"),
                "status 302",
            ),
            (200, None, "no Location"),
            (301, None, "no Location"),
            (
                301,
                Some("http://app.example.com/a/b?x=1&y=2"),
                "scheme http",
            ),
            (
                301,
                Some("https://evil.example.com/a/b?x=1&y=2"),
                "host evil",
            ),
            (301, Some("https://app.example.com/"), "path changed"),
            (301, Some("https://app.example.com/a/b"), "query dropped"),
            (301, Some("https://app.example.com/a/b?"), "query dropped"),
            (
                301,
                Some("https://app.example.com/a/b?y=2&x=1"),
                "query changed",
            ),
            (
                301,
                Some("https://app.example.com:8443/a/b?x=1&y=2"),
                "port 8443",
            ),
            (301, Some("/a/b?x=1&y=2"), "not an absolute URL"),
        ];
        for (s, l, why) in cases {
            let found = problems(&p, &h, s, l, None);
            assert!(
                found.iter().any(|f| f.contains(why)),
                "{s} {l:?}: {found:?}"
            );
        }
    }

    #[test]
    fn the_listener_status_is_the_one_expected() {
        let (p, h) = urls();
        let loc = Some("https://app.example.com/a/b?x=1&y=2");
        let found = problems(&p, &h, 308, loc, Some(301));
        assert_eq!(
            found,
            vec!["status 308, the listener declares 301".to_string()]
        );
        assert!(problems(&p, &h, 301, loc, Some(301)).is_empty());
    }

    #[test]
    fn the_probe_carries_reserved_characters_exactly() {
        let base = Url::parse("http://app.example.com/").unwrap();
        let p = probe_url(&base);
        assert_eq!(
            p.path(),
            PROBE_PATH,
            "the url crate keeps the path as written"
        );
        assert_eq!(p.query(), Some(PROBE_QUERY));
        let h = Url::parse("https://app.example.com/").unwrap();
        let exact = format!("https://app.example.com:443{PROBE_PATH}?{PROBE_QUERY}");
        assert!(problems(&p, &h, 301, Some(&exact), Some(301)).is_empty());
        // A redirect that decodes `%2F` or re-encodes the query is not exact.
        let decoded = exact.replace("%2Fz", "/z");
        assert!(!problems(&p, &h, 301, Some(&decoded), None).is_empty());
        let reencoded = exact.replace("+au%20", "%20au+");
        let found = problems(&p, &h, 301, Some(&reencoded), None);
        assert!(
            found.iter().any(|f| f.contains("query changed")),
            "{found:?}"
        );
        // A user-given path and query are probed as given.
        let given = Url::parse("http://app.example.com/x?y=1").unwrap();
        assert_eq!(probe_url(&given), given);
    }

    #[test]
    fn honours_non_default_https_port() {
        let p = Url::parse("http://twin.local:8080/?q=1").unwrap();
        let h = Url::parse("https://twin.local:8443/?q=1").unwrap();
        assert!(ok(&p, &h, 301, Some("https://twin.local:8443/?q=1"), None));
        assert!(!ok(&p, &h, 301, Some("https://twin.local/?q=1"), None));
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
