//! What each sampled request carries beyond `GET <url>`: a path appended to the URL
//! (`--path`) and extra headers (`--header NAME:VALUE`). Both exist because an ALB
//! listener's rules route by path and header: the sampler must send exactly what the
//! rule whose weights are judged matches, and the rule is chosen from the same values
//! ([`crate::aws::RequestMatch`]). Parsing is strict and errors are one-line
//! configuration errors (exit 2).

use hyper::header::{HeaderName, HeaderValue};

use crate::error::{Error, Result};

/// Headers the user may not set: the harness sets them itself (Host comes from
/// `--url`, and framing headers would desync the connection).
pub const RESERVED_HEADERS: &[&str] = &[
    "host",
    "content-length",
    "transfer-encoding",
    "connection",
    "upgrade",
    "te",
];

/// Environment variable holding the gate's WAF token (a CI secret).
pub const GATE_TOKEN_ENV: &str = "HARNESS_GATE_TOKEN";
/// Header that carries the gate's token: app-infra's WAF counts requests carrying it by
/// the gate's own rate limit instead of the per-client one (`waf.tf`).
pub const GATE_TOKEN_HEADER: &str = "x-harness-gate";

/// A header whose value is a secret: sent, never printed, never in a report or in the
/// reproducing command line.
#[derive(Clone, PartialEq, Eq)]
pub struct SecretHeader {
    name: String,
    value: String,
}

impl std::fmt::Debug for SecretHeader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: (redacted)", self.name)
    }
}

/// Path and headers added to every sampled request.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RequestSpec {
    /// Path appended to the URL's path (starts with `/`), e.g. `/api/x`.
    pub path: Option<String>,
    /// Extra headers, in the order given (names lower-cased).
    pub headers: Vec<(String, String)>,
    /// The gate's WAF token ([`GATE_TOKEN_ENV`]), sent as [`GATE_TOKEN_HEADER`].
    pub secret: Option<SecretHeader>,
}

impl RequestSpec {
    /// Parses `--path` and the `--header NAME:VALUE` values.
    pub fn parse(path: Option<&str>, headers: &[String]) -> Result<Self> {
        let path = path.map(parse_path).transpose()?;
        let headers = headers
            .iter()
            .map(|h| parse_header(h))
            .collect::<Result<Vec<_>>>()?;
        Ok(RequestSpec {
            path,
            headers,
            secret: None,
        })
    }

    /// Adds the gate's WAF token (the value of [`GATE_TOKEN_ENV`], when set and not
    /// empty) as [`GATE_TOKEN_HEADER`]. A value that cannot be a header value is a
    /// configuration error that does not echo it.
    pub fn with_gate_token(mut self, token: Option<String>) -> Result<Self> {
        let Some(value) = token.filter(|t| !t.trim().is_empty()) else {
            return Ok(self);
        };
        if HeaderValue::from_str(value.trim()).is_err() {
            return Err(Error::Config(format!(
                "{GATE_TOKEN_ENV}: not a valid header value (its value is not shown)"
            )));
        }
        self.secret = Some(SecretHeader {
            name: GATE_TOKEN_HEADER.to_string(),
            value: value.trim().to_string(),
        });
        Ok(self)
    }

    /// The request path and query the sampler sends for `url`: the URL's path with
    /// `path` appended (one `/` between them), then the URL's query.
    pub fn path_and_query(&self, url: &url::Url) -> String {
        let mut p = url.path().to_string();
        if let Some(extra) = &self.path {
            p = format!("{}{extra}", p.trim_end_matches('/'));
        }
        if let Some(q) = url.query() {
            p.push('?');
            p.push_str(q);
        }
        p
    }

    /// The headers as hyper values (validated again; parse already checked them).
    pub fn hyper_headers(&self) -> Result<Vec<(HeaderName, HeaderValue)>> {
        let mut out = self
            .headers
            .iter()
            .map(|(n, v)| typed(n, v, &format!("{n}:{v}")))
            .collect::<Result<Vec<_>>>()?;
        if let Some(s) = &self.secret {
            let (n, mut v) = typed(&s.name, &s.value, &format!("{GATE_TOKEN_ENV} header"))?;
            v.set_sensitive(true);
            out.push((n, v));
        }
        Ok(out)
    }

    /// Whether a header of this name (case-insensitive) is sent.
    pub fn has_header(&self, name: &str) -> bool {
        self.headers
            .iter()
            .any(|(n, _)| n.eq_ignore_ascii_case(name))
            || self
                .secret
                .as_ref()
                .is_some_and(|s| s.name.eq_ignore_ascii_case(name))
    }

    /// Command-line flags that reproduce this spec.
    pub fn flags(&self) -> Vec<(String, String)> {
        let mut out = Vec::new();
        if let Some(p) = &self.path {
            out.push(("path".to_string(), p.clone()));
        }
        for (n, v) in &self.headers {
            out.push(("header".to_string(), format!("{n}:{v}")));
        }
        out
    }
}

fn parse_path(p: &str) -> Result<String> {
    let bad = |why: &str| Err(Error::Config(format!("--path {p:?}: {why}")));
    if !p.starts_with('/') {
        return bad("must start with /");
    }
    if p.contains(['?', '#']) {
        return bad("must be a path only (put a query string in --url)");
    }
    if p.parse::<hyper::Uri>().is_err() || p.chars().any(|c| c.is_whitespace()) {
        return bad("not a valid URL path (percent-encode special characters)");
    }
    Ok(p.to_string())
}

fn parse_header(s: &str) -> Result<(String, String)> {
    let Some((name, value)) = s.split_once(':') else {
        return Err(Error::Config(format!(
            "--header {s:?}: expected NAME:VALUE, e.g. x-canary-group:beta"
        )));
    };
    let (name, value) = (name.trim().to_ascii_lowercase(), value.trim().to_string());
    typed(&name, &value, s)?;
    if RESERVED_HEADERS.contains(&name.as_str()) {
        return Err(Error::Config(format!(
            "--header {s:?}: {name} is set by the harness and cannot be given"
        )));
    }
    Ok((name, value))
}

fn typed(name: &str, value: &str, given: &str) -> Result<(HeaderName, HeaderValue)> {
    let n = HeaderName::from_bytes(name.as_bytes())
        .map_err(|_| Error::Config(format!("--header {given:?}: {name:?} is not a header name")))?;
    let v = HeaderValue::from_str(value).map_err(|_| {
        Error::Config(format!(
            "--header {given:?}: the value holds characters a header cannot carry"
        ))
    })?;
    Ok((n, v))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn appends_path_keeps_query() {
        let spec = RequestSpec::parse(Some("/api/x"), &[]).unwrap();
        let url = url::Url::parse("https://h/").unwrap();
        assert_eq!(spec.path_and_query(&url), "/api/x");
        let url = url::Url::parse("https://h/base/?a=1").unwrap();
        assert_eq!(spec.path_and_query(&url), "/base/api/x?a=1");
        let none = RequestSpec::default();
        assert_eq!(none.path_and_query(&url), "/base/?a=1");
    }

    #[test]
    fn parses_headers() {
        let spec = RequestSpec::parse(None, &["X-Group: beta".into(), "a:b:c".into()]).unwrap();
        assert_eq!(
            spec.headers,
            vec![
                ("x-group".to_string(), "beta".to_string()),
                ("a".into(), "b:c".into())
            ]
        );
        assert!(spec.has_header("X-GROUP"));
        assert_eq!(spec.hyper_headers().unwrap().len(), 2);
    }

    #[test]
    fn rejects_bad_input_with_one_line() {
        for (path, headers) in [
            (Some("api"), vec![]),
            (Some("/a?b=1"), vec![]),
            (Some("/a b"), vec![]),
            (None, vec!["novalue".to_string()]),
            (None, vec![":v".to_string()]),
            (None, vec!["bad name:v".to_string()]),
            (None, vec!["x:\u{7f}".to_string()]),
            (None, vec!["Host:evil".to_string()]),
        ] {
            match RequestSpec::parse(path, &headers) {
                Err(Error::Config(m)) => assert!(!m.contains('\n'), "{m}"),
                other => panic!("{path:?} {headers:?}: {other:?}"),
            }
        }
    }

    /// The gate's token is sent but never shown: not in the reproducing flags, not in
    /// Debug output (reports and logs), not in the error for a bad value.
    #[test]
    fn the_gate_token_is_sent_and_never_shown() {
        let token = "s3cret-token-0123456789abcdef0123456789";
        let spec = RequestSpec::parse(None, &[])
            .unwrap()
            .with_gate_token(Some(token.into()))
            .unwrap();
        let sent = spec.hyper_headers().unwrap();
        assert_eq!(sent.len(), 1);
        assert_eq!(sent[0].0.as_str(), GATE_TOKEN_HEADER);
        assert_eq!(sent[0].1.to_str().unwrap(), token);
        assert!(sent[0].1.is_sensitive());
        assert!(spec.has_header(GATE_TOKEN_HEADER));
        assert!(spec.flags().is_empty(), "{:?}", spec.flags());
        assert!(!format!("{spec:?}").contains(token));
        let unset = RequestSpec::parse(None, &[]).unwrap();
        assert_eq!(unset.clone().with_gate_token(None).unwrap(), unset);
        assert_eq!(
            unset.clone().with_gate_token(Some(" ".into())).unwrap(),
            unset
        );
        let err = unset
            .with_gate_token(Some("bad\u{7f}value".into()))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains(GATE_TOKEN_ENV) && !err.contains("bad"),
            "{err}"
        );
    }
}
