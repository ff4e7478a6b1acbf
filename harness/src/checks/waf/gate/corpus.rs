//! The frozen gate corpus: canonical requests per AWS managed rule, one data file per
//! rule group (`harness/corpus/gate/<RuleGroupName>.toml`), written from AWS's rule
//! documentation. Each request names the rule group and rule that must block it, so a
//! miss is reported as "this rule is not in force". Pure: no I/O (files embedded).

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::error::{Error, Result};

/// The embedded gate files, one per AWS managed rule group.
pub const GATE_FILES: [(&str, &str); 3] = [
    (
        "AWSManagedRulesCommonRuleSet",
        include_str!("../../../../corpus/gate/AWSManagedRulesCommonRuleSet.toml"),
    ),
    (
        "AWSManagedRulesKnownBadInputsRuleSet",
        include_str!("../../../../corpus/gate/AWSManagedRulesKnownBadInputsRuleSet.toml"),
    ),
    (
        "AWSManagedRulesSQLiRuleSet",
        include_str!("../../../../corpus/gate/AWSManagedRulesSQLiRuleSet.toml"),
    ),
];

/// Browser-like `User-Agent` sent with every request that does not set its own: AWS's
/// `NoUserAgent_HEADER` blocks requests without one, so a benign request must carry it.
pub const DEFAULT_USER_AGENT: &str =
    "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0";

/// Filler byte used by `fill`.
const FILL: char = 'a';

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct GateFile {
    group: String,
    request: Vec<GateEntry>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
enum Part {
    Query,
    Path,
    Body,
    Cookie,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Fill {
    part: Part,
    bytes: usize,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct GateEntry {
    id: String,
    rule: String,
    why: String,
    #[serde(default)]
    method: Option<String>,
    path: String,
    #[serde(default)]
    query: Option<String>,
    #[serde(default)]
    headers: BTreeMap<String, String>,
    #[serde(default)]
    cookie: Option<String>,
    #[serde(default)]
    body: Option<String>,
    #[serde(default)]
    content_type: Option<String>,
    #[serde(default)]
    omit_user_agent: bool,
    #[serde(default)]
    fill: Option<Fill>,
}

/// A request as sent on the wire (gate and benign corpora).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Wire {
    /// Stable id (`<group>/<id>` or `benign/<id>`).
    pub id: String,
    /// HTTP method.
    pub method: String,
    /// Path and query, already percent-encoded.
    pub path_and_query: String,
    /// Headers (a `User-Agent` here replaces [`DEFAULT_USER_AGENT`]).
    pub headers: Vec<(String, String)>,
    /// Body and its content type.
    pub body: Option<(String, String)>,
    /// Send no `User-Agent` at all.
    pub omit_user_agent: bool,
}

impl Wire {
    /// The request as a curl command a user can paste to reproduce it.
    pub fn curl(&self, base: &str) -> String {
        let q = |s: &str| format!("'{}'", s.replace('\'', "'\\''"));
        let mut c = format!(
            "curl -X {} {}",
            self.method,
            q(&format!("{base}{}", self.path_and_query))
        );
        if self.omit_user_agent {
            c.push_str(" -H 'User-Agent:'");
        }
        for (k, v) in &self.headers {
            c.push_str(&format!(" -H {}", q(&format!("{k}: {v}"))));
        }
        if let Some((ct, b)) = &self.body {
            let shown = if b.len() > 200 {
                format!("{}…({} bytes)", &b[..200], b.len())
            } else {
                b.clone()
            };
            c.push_str(&format!(
                " -H {} --data-raw {}",
                q(&format!("Content-Type: {ct}")),
                q(&shown)
            ));
        }
        c
    }
}

/// One canonical request of the gate corpus.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GateRequest {
    /// AWS managed rule group (`AWSManagedRulesSQLiRuleSet`).
    pub group: String,
    /// Rule of that group that must block the request (`SQLi_URIPATH`).
    pub rule: String,
    /// Why, from AWS's rule description.
    pub why: String,
    /// The request.
    pub wire: Wire,
}

fn pad(s: &mut String, to: usize, sep: &str) {
    if s.len() < to {
        s.push_str(sep);
        while s.len() < to {
            s.push(FILL);
        }
    }
}

/// Parses one gate file; `name` must equal the file's `group`.
pub fn parse_gate_file(name: &str, text: &str) -> Result<Vec<GateRequest>> {
    let bad = |m: String| Error::Config(format!("corpus gate/{name}.toml: {m}"));
    let file: GateFile = toml::from_str(text).map_err(|e| bad(e.to_string()))?;
    if file.group != name {
        return Err(bad(format!(
            "group {:?} does not match the file name",
            file.group
        )));
    }
    let mut out = Vec::new();
    for e in file.request {
        if !e.path.starts_with('/') {
            return Err(bad(format!("{}: path must start with /", e.id)));
        }
        let (mut path, mut query, mut body, mut cookie) =
            (e.path, e.query.unwrap_or_default(), e.body, e.cookie);
        if let Some(f) = &e.fill {
            match f.part {
                Part::Path => pad(&mut path, f.bytes, ""),
                Part::Query => pad(&mut query, f.bytes, "&pad="),
                Part::Body => pad(body.get_or_insert_with(String::new), f.bytes, ""),
                Part::Cookie => pad(cookie.get_or_insert_with(String::new), f.bytes, "; pad="),
            }
        }
        let mut headers: Vec<(String, String)> = e.headers.into_iter().collect();
        if let Some(c) = cookie {
            headers.push(("Cookie".into(), c));
        }
        let body = match (body, e.content_type) {
            (Some(b), Some(ct)) => Some((ct, b)),
            (None, None) => None,
            _ => return Err(bad(format!("{}: body and content_type go together", e.id))),
        };
        let path_and_query = if query.is_empty() {
            path
        } else {
            format!("{path}?{query}")
        };
        out.push(GateRequest {
            group: file.group.clone(),
            rule: e.rule,
            why: e.why,
            wire: Wire {
                id: format!("{}/{}", file.group, e.id),
                method: e
                    .method
                    .unwrap_or_else(|| "GET".into())
                    .to_ascii_uppercase(),
                path_and_query,
                headers,
                body,
                omit_user_agent: e.omit_user_agent,
            },
        });
    }
    Ok(out)
}

/// Every embedded gate request, grouped by file order.
pub fn gate_requests() -> Result<Vec<GateRequest>> {
    let mut out = Vec::new();
    for (name, text) in GATE_FILES {
        out.extend(parse_gate_file(name, text)?);
    }
    Ok(out)
}

/// The rule groups the gate corpus has requests for.
pub fn covered_groups() -> Vec<&'static str> {
    GATE_FILES.iter().map(|(n, _)| *n).collect()
}

/// The benign corpus as wire requests (ids `benign/<id>`).
pub fn benign_wire() -> Result<Vec<Wire>> {
    Ok(super::super::corpus::benign()?
        .into_iter()
        .map(|p| Wire {
            id: p.id,
            method: p.method.to_string(),
            path_and_query: p.path_and_query,
            headers: p.headers,
            body: p.body.map(|(ct, b)| (ct.to_string(), b)),
            omit_user_agent: false,
        })
        .collect())
}

#[cfg(test)]
#[path = "corpus_tests.rs"]
mod tests;
