//! The attack and benign corpora, organised like GoTestWAF: each attack category is a
//! data file (`harness/corpus/attacks/<category>.toml`) listing payloads and the
//! placements and encodings that apply; [`attacks`] expands payload × placement ×
//! encoding into concrete requests. The files are embedded with `include_str!` so the
//! binary is self-contained. Pure: no I/O. A top-level module rather than part of
//! `checks::waf`: the checks send it, and config validates posture floors against its
//! categories, so both depend on it and neither on the other.
//!
//! The corpus is a yardstick: its files say what an attacker sends, never which WAF
//! blocks what. Nothing is removed from it to make a measured rate look better; the
//! floor on its size ([`MIN_ATTACK_REQUESTS`], pinned by a test) only grows.

mod encode;

use serde::Deserialize;

use crate::error::{Error, Result};

use encode::place;
pub use encode::{base64, case_swap, url_encode, whitespace};

/// Fewest attack requests the expanded corpus may hold (issue #13: ≥ 650; the corpus
/// before it was trimmed to one rule set held 692; this is the size of the restored and
/// extended corpus). Raise it when the corpus grows; never lower it.
pub const MIN_ATTACK_REQUESTS: usize = 2119;
const _: () = assert!(MIN_ATTACK_REQUESTS >= 650, "issue #13: at least 650");

macro_rules! attack_files {
    ($($name:literal),* $(,)?) => {
        [$(($name, include_str!(concat!("../../corpus/attacks/", $name, ".toml")))),*]
    };
}

/// The embedded attack files, one per category.
const ATTACK_FILES: [(&str, &str); 15] = attack_files![
    "sqli",
    "xss",
    "path-traversal",
    "shell-injection",
    "log4shell",
    "ssrf-metadata",
    "scanner-user-agent",
    "ldap-injection",
    "nosql-injection",
    "ssti",
    "ssi",
    "xxe",
    "crlf-injection",
    "mail-injection",
    "rce-json",
];

/// The embedded benign corpus.
const BENIGN_FILE: &str = include_str!("../../corpus/benign.toml");

/// Name of the query/form/JSON/XML/multipart parameter that carries a payload.
pub const PARAM: &str = "q";
/// Name of the cookie that carries a payload.
pub const COOKIE: &str = "session_note";
/// Path prefix under which the path placement puts a payload segment.
pub const PATH_PREFIX: &str = "/search/";
/// Boundary of the multipart placement's body.
pub const MULTIPART_BOUNDARY: &str = "----canaryharness7MA4YWxkTrZu0gW";
/// Content type of the multipart placement (carries [`MULTIPART_BOUNDARY`]).
pub const MULTIPART_CONTENT_TYPE: &str =
    "multipart/form-data; boundary=----canaryharness7MA4YWxkTrZu0gW";

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
    /// `POST` `application/json` `{"q": "…"}` (or the payload as the body: `raw`)
    Json,
    /// `POST` `multipart/form-data`, one part named `q`.
    Multipart,
    /// `POST` `application/xml` `<request><q>…</q></request>` (or the payload: `raw`)
    Xml,
    /// The `User-Agent` header.
    UserAgent,
}

impl Placement {
    /// Every placement, in report order.
    pub const ALL: [Placement; 9] = [
        Placement::Query,
        Placement::Path,
        Placement::Form,
        Placement::Multipart,
        Placement::Json,
        Placement::Xml,
        Placement::Header,
        Placement::Cookie,
        Placement::UserAgent,
    ];

    /// Label used in the evidence.
    pub fn label(self) -> &'static str {
        match self {
            Placement::Query => "query",
            Placement::Path => "path",
            Placement::Header => "header",
            Placement::Cookie => "cookie",
            Placement::Form => "form",
            Placement::Json => "json",
            Placement::Multipart => "multipart",
            Placement::Xml => "xml",
            Placement::UserAgent => "user-agent",
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
    /// IIS-style `%uXXXX` (JSON: `\uXXXX`, XML: `&#xXX;`) for every non-alphanumeric
    /// character.
    Unicode,
    /// The payload Base64-encoded (an app that decodes a Base64 parameter).
    Base64,
    /// Alternating letter case (`SeLeCt`, `<ScRiPt>`).
    Case,
    /// Spaces as tabs.
    Whitespace,
}

impl Encoding {
    /// Label used in ids.
    pub fn label(self) -> &'static str {
        match self {
            Encoding::Plain => "plain",
            Encoding::Url => "url",
            Encoding::DoubleUrl => "double-url",
            Encoding::Unicode => "unicode",
            Encoding::Base64 => "base64",
            Encoding::Case => "case",
            Encoding::Whitespace => "whitespace",
        }
    }

    /// Whether this encoding makes sense at `placement`. URL-ish places (query, path,
    /// form, cookie) take every encoding: a server decodes once, an app may decode
    /// again, and a WAF is expected to normalise both. Headers and multipart parts
    /// are not percent-decoded by servers; JSON escapes with `\u` and XML with
    /// character references, not `%`.
    pub fn applies_to(self, placement: Placement) -> bool {
        let transform = matches!(
            self,
            Encoding::Plain | Encoding::Base64 | Encoding::Case | Encoding::Whitespace
        );
        match placement {
            Placement::Query | Placement::Path | Placement::Form | Placement::Cookie => true,
            Placement::Header | Placement::UserAgent | Placement::Multipart => transform,
            Placement::Json | Placement::Xml => transform || self == Encoding::Unicode,
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
    /// The payloads are whole JSON/XML documents: sent as the body, plain only.
    #[serde(default)]
    raw: bool,
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
    /// Encoding.
    pub encoding: Encoding,
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

/// Expands the embedded attack files into requests.
pub fn attacks() -> Result<Vec<Probe>> {
    let mut out = Vec::new();
    for (name, text) in ATTACK_FILES {
        out.extend(expand_attack_file(name, text)?);
    }
    Ok(out)
}

/// Names of the embedded attack categories.
pub fn categories() -> Vec<&'static str> {
    ATTACK_FILES.iter().map(|(n, _)| *n).collect()
}

/// Expands one attack file (payload × placement × applicable encoding).
pub fn expand_attack_file(name: &str, text: &str) -> Result<Vec<Probe>> {
    let bad = |msg: String| Error::Config(format!("corpus attacks/{name}.toml: {msg}"));
    let file: AttackFile = toml::from_str(text).map_err(|e| bad(e.to_string()))?;
    if file.category != name {
        return Err(bad(format!(
            "category {:?} does not match the file name",
            file.category
        )));
    }
    let header = file.header.as_deref().unwrap_or("User-Agent");
    if header.eq_ignore_ascii_case("user-agent")
        && file.placements.contains(&Placement::Header)
        && file.placements.contains(&Placement::UserAgent)
    {
        return Err(bad(
            "placements header and user-agent would send the same requests: set `header`".into(),
        ));
    }
    let mut out = Vec::new();
    for &placement in &file.placements {
        let encodings = match (&file.path_encodings, placement) {
            (Some(p), Placement::Path) => p,
            _ => &file.encodings,
        };
        let raw_body = file.raw && matches!(placement, Placement::Json | Placement::Xml);
        for &enc in encodings {
            if !enc.applies_to(placement) || (raw_body && enc != Encoding::Plain) {
                continue;
            }
            for (i, payload) in file.payloads.iter().enumerate() {
                let id = format!("{name}/{}/{}/{i}", placement.label(), enc.label());
                out.push(place(id, name, placement, enc, payload, header, file.raw));
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
                false,
            )
        })
        .collect())
}

#[cfg(test)]
mod tests;
