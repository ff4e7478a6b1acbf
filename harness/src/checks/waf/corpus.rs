//! The attack and benign corpora, organised like GoTestWAF: each attack category is a
//! data file (`harness/corpus/attacks/<category>.toml`) listing payloads and the
//! placements and encodings that apply; [`attacks`] expands payload × placement ×
//! encoding into concrete requests. The files are embedded with `include_str!` so the
//! binary is self-contained. Pure: no I/O.

use serde::Deserialize;

use crate::error::{Error, Result};

/// The embedded attack files, one per category.
const ATTACK_FILES: [(&str, &str); 7] = [
    ("sqli", include_str!("../../../corpus/attacks/sqli.toml")),
    ("xss", include_str!("../../../corpus/attacks/xss.toml")),
    (
        "path-traversal",
        include_str!("../../../corpus/attacks/path-traversal.toml"),
    ),
    (
        "shell-injection",
        include_str!("../../../corpus/attacks/shell-injection.toml"),
    ),
    (
        "log4shell",
        include_str!("../../../corpus/attacks/log4shell.toml"),
    ),
    (
        "ssrf-metadata",
        include_str!("../../../corpus/attacks/ssrf-metadata.toml"),
    ),
    (
        "scanner-user-agent",
        include_str!("../../../corpus/attacks/scanner-user-agent.toml"),
    ),
];

/// The embedded benign corpus.
const BENIGN_FILE: &str = include_str!("../../../corpus/benign.toml");

/// Name of the query/form/JSON parameter that carries a payload.
pub const PARAM: &str = "q";
/// Name of the cookie that carries a payload.
pub const COOKIE: &str = "session_note";
/// Path prefix under which the path placement puts a payload segment.
pub const PATH_PREFIX: &str = "/search/";

/// Where in the request a payload goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Placement {
    /// `GET /?q=…`
    Query,
    /// `GET /search/…`
    Path,
    /// A request header (the file's `header`, default `User-Agent`).
    Header,
    /// `Cookie: session_note=…`
    Cookie,
    /// `POST` `application/x-www-form-urlencoded` `q=…`
    Form,
    /// `POST` `application/json` `{"q": "…"}`
    Json,
}

impl Placement {
    /// Label used in the evidence.
    pub fn label(self) -> &'static str {
        match self {
            Placement::Query => "query",
            Placement::Path => "path",
            Placement::Header => "header",
            Placement::Cookie => "cookie",
            Placement::Form => "form",
            Placement::Json => "json",
        }
    }
}

/// How a payload is encoded before it is placed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Encoding {
    /// As is (only what the placement's syntax requires is escaped).
    Plain,
    /// Every byte outside RFC 3986 unreserved as `%XX`.
    Url,
    /// URL encoding applied twice (`'` → `%2527`).
    DoubleUrl,
    /// IIS-style `%uXXXX` (JSON: `\uXXXX`) for every non-alphanumeric character.
    Unicode,
}

impl Encoding {
    /// Label used in ids.
    pub fn label(self) -> &'static str {
        match self {
            Encoding::Plain => "plain",
            Encoding::Url => "url",
            Encoding::DoubleUrl => "double-url",
            Encoding::Unicode => "unicode",
        }
    }

    /// Whether this encoding makes sense at `placement`. Headers are not URL-decoded
    /// by servers; JSON has its own `\u` escapes, not `%`; double URL encoding is an
    /// evasion only where the server decodes once and the WAF is expected to decode
    /// again (query and form arguments), while a cookie or path value double-encoded
    /// reaches the app still encoded.
    pub fn applies_to(self, placement: Placement) -> bool {
        match placement {
            Placement::Query | Placement::Form => true,
            Placement::Path | Placement::Cookie => self != Encoding::DoubleUrl,
            Placement::Header => self == Encoding::Plain,
            Placement::Json => matches!(self, Encoding::Plain | Encoding::Unicode),
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct AttackFile {
    category: String,
    #[allow(dead_code)]
    description: String,
    placements: Vec<Placement>,
    encodings: Vec<Encoding>,
    #[serde(default)]
    header: Option<String>,
    /// Encodings for the path placement when they differ from `encodings`.
    #[serde(default)]
    path_encodings: Option<Vec<Encoding>>,
    payloads: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct BenignFile {
    request: Vec<BenignEntry>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct BenignEntry {
    id: String,
    placement: Placement,
    value: String,
    #[serde(default)]
    header: Option<String>,
}

/// One concrete request of a corpus.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Probe {
    /// Stable id, e.g. `sqli/query/url/3`.
    pub id: String,
    /// Category (`benign` for the benign corpus).
    pub category: String,
    /// Placement.
    pub placement: Placement,
    /// `GET` or `POST`.
    pub method: &'static str,
    /// Path and query to request (already encoded).
    pub path_and_query: String,
    /// Extra headers.
    pub headers: Vec<(String, String)>,
    /// Body and its content type.
    pub body: Option<(&'static str, String)>,
}

impl Probe {
    /// Short human form for reports.
    pub fn describe(&self) -> String {
        let mut s = format!("{} {}", self.method, self.path_and_query);
        for (k, v) in &self.headers {
            s.push_str(&format!(" [{k}: {v}]"));
        }
        if let Some((_, b)) = &self.body {
            s.push_str(&format!(" body {b}"));
        }
        s
    }
}

fn is_unreserved(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~')
}

/// Percent-encodes every byte outside the unreserved set.
pub fn url_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len() * 3);
    for b in s.bytes() {
        if is_unreserved(b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Minimal escaping for a query/form/cookie value: only the characters that would
/// change the request's structure.
fn escape_minimal(s: &str, path: bool) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '%' | '&' | '#' | '+' | ';' | '=' | ' ' | '\n' | '\r' | '\t' => {
                out.push_str(&url_encode(&c.to_string()))
            }
            '/' | '?' | '\\' if path => out.push_str(&url_encode(&c.to_string())),
            c if c.is_ascii_control() => out.push_str(&url_encode(&c.to_string())),
            c => out.push(c),
        }
    }
    out
}

/// IIS-style `%uXXXX` for every non-alphanumeric character.
fn unicode_percent(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_string()
            } else {
                format!("%u{:04X}", u32::from(c))
            }
        })
        .collect()
}

/// JSON string literal with every non-alphanumeric character as `\uXXXX`.
fn json_unicode(s: &str) -> String {
    let inner: String = s
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_string()
            } else {
                format!("\\u{:04x}", u32::from(c))
            }
        })
        .collect();
    format!("\"{inner}\"")
}

/// Encodes `payload` for a URL-ish placement (query, path, form, cookie).
fn encode_urlish(payload: &str, enc: Encoding, path: bool) -> String {
    match enc {
        Encoding::Plain => escape_minimal(payload, path),
        Encoding::Url => url_encode(payload),
        Encoding::DoubleUrl => url_encode(&url_encode(payload)),
        Encoding::Unicode => unicode_percent(payload),
    }
}

/// Builds the request carrying `payload` at `placement` with `enc`.
fn place(
    id: String,
    category: &str,
    placement: Placement,
    enc: Encoding,
    payload: &str,
    header: &str,
) -> Probe {
    let mut probe = Probe {
        id,
        category: category.to_string(),
        placement,
        method: "GET",
        path_and_query: "/".into(),
        headers: vec![],
        body: None,
    };
    match placement {
        Placement::Query => {
            probe.path_and_query = format!("/?{PARAM}={}", encode_urlish(payload, enc, false));
        }
        Placement::Path => {
            probe.path_and_query = format!("{PATH_PREFIX}{}", encode_urlish(payload, enc, true));
        }
        Placement::Header => probe
            .headers
            .push((header.to_string(), payload.to_string())),
        Placement::Cookie => probe.headers.push((
            "Cookie".into(),
            format!("{COOKIE}={}", encode_urlish(payload, enc, false)),
        )),
        Placement::Form => {
            probe.method = "POST";
            probe.body = Some((
                "application/x-www-form-urlencoded",
                format!("{PARAM}={}", encode_urlish(payload, enc, false)),
            ));
        }
        Placement::Json => {
            probe.method = "POST";
            let value = match enc {
                Encoding::Unicode => json_unicode(payload),
                _ => serde_json::Value::String(payload.to_string()).to_string(),
            };
            probe.body = Some(("application/json", format!("{{\"{PARAM}\":{value}}}")));
        }
    }
    probe
}

/// Expands the embedded attack files into requests.
pub fn attacks() -> Result<Vec<Probe>> {
    let mut out = Vec::new();
    for (name, text) in ATTACK_FILES {
        out.extend(expand_attack_file(name, text)?);
    }
    Ok(out)
}

/// Expands one attack file (payload × placement × applicable encoding).
pub fn expand_attack_file(name: &str, text: &str) -> Result<Vec<Probe>> {
    let file: AttackFile = toml::from_str(text)
        .map_err(|e| Error::Config(format!("corpus attacks/{name}.toml: {e}")))?;
    if file.category != name {
        return Err(Error::Config(format!(
            "corpus attacks/{name}.toml: category {:?} does not match the file name",
            file.category
        )));
    }
    let header = file.header.as_deref().unwrap_or("User-Agent");
    let mut out = Vec::new();
    for &placement in &file.placements {
        let encodings = match (&file.path_encodings, placement) {
            (Some(p), Placement::Path) => p,
            _ => &file.encodings,
        };
        for &enc in encodings {
            if !enc.applies_to(placement) {
                continue;
            }
            for (i, payload) in file.payloads.iter().enumerate() {
                let id = format!("{name}/{}/{}/{i}", placement.label(), enc.label());
                out.push(place(id, name, placement, enc, payload, header));
            }
        }
    }
    Ok(out)
}

/// The embedded benign requests (sent plain).
pub fn benign() -> Result<Vec<Probe>> {
    parse_benign(BENIGN_FILE)
}

/// Parses a benign corpus file.
pub fn parse_benign(text: &str) -> Result<Vec<Probe>> {
    let file: BenignFile =
        toml::from_str(text).map_err(|e| Error::Config(format!("corpus benign.toml: {e}")))?;
    Ok(file
        .request
        .into_iter()
        .map(|r| {
            let header = r.header.as_deref().unwrap_or("User-Agent");
            place(
                format!("benign/{}", r.id),
                "benign",
                r.placement,
                Encoding::Plain,
                &r.value,
                header,
            )
        })
        .collect())
}

#[cfg(test)]
#[path = "corpus_tests.rs"]
mod tests;
