//! A corpus request as a curl command a user can paste to replay an attack that got
//! through (pure). Every argument is quoted with [`shell_quote`] (POSIX single
//! quotes), so any byte a payload holds — quotes, `$()`, backticks, CR/LF — reaches
//! curl unchanged. `-g` keeps curl from globbing `[]{}` in the URL and `--path-as-is`
//! from squashing `../`; `--data-binary` sends the body byte for byte. The gate token
//! is never written out: the command reads it from `$HARNESS_GATE_TOKEN`.

use crate::config::input::shell_quote;
use crate::corpus::Probe;
use crate::endpoint::Endpoint;
use crate::sample::{GATE_TOKEN_ENV, RequestSpec};

/// What every command of a run shares.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CurlContext {
    /// `scheme://host[:port]` the probes' paths are appended to.
    pub base: String,
    /// `--resolve HOST:PORT:ADDR` pins.
    pub resolve: Vec<String>,
    /// `--cacert` file.
    pub ca_file: Option<String>,
    /// Non-secret headers sent with every request (`--header`).
    pub headers: Vec<(String, String)>,
    /// Name of the secret header (the gate token), sent from the environment.
    pub secret_header: Option<String>,
}

impl CurlContext {
    /// The context of a run against `endpoint` with the `--resolve` pins as given.
    pub fn new(
        endpoint: &Endpoint,
        resolve: &[String],
        ca_file: Option<String>,
        request: &RequestSpec,
    ) -> Self {
        let mut base = endpoint.url.clone();
        base.set_path("");
        base.set_query(None);
        base.set_fragment(None);
        CurlContext {
            base: base.as_str().trim_end_matches('/').to_string(),
            resolve: resolve.to_vec(),
            ca_file,
            headers: request.headers.clone(),
            secret_header: request
                .has_header(crate::sample::GATE_TOKEN_HEADER)
                .then(|| crate::sample::GATE_TOKEN_HEADER.to_string()),
        }
    }
}

/// The arguments of the curl command for `probe` (unquoted; [`command`] quotes them).
pub fn args(ctx: &CurlContext, probe: &Probe) -> Vec<String> {
    let mut a: Vec<String> = ["curl", "-sS", "-g", "--path-as-is", "-X", probe.method]
        .iter()
        .map(|s| s.to_string())
        .collect();
    for r in &ctx.resolve {
        a.extend(["--resolve".into(), r.clone()]);
    }
    if let Some(ca) = &ctx.ca_file {
        a.extend(["--cacert".into(), ca.clone()]);
    }
    for (k, v) in ctx.headers.iter().chain(&probe.headers) {
        a.extend(["-H".into(), format!("{k}: {v}")]);
    }
    if let Some((ct, body)) = &probe.body {
        a.extend(["-H".into(), format!("Content-Type: {ct}")]);
        a.extend(["--data-binary".into(), body.clone()]);
    }
    a.push(format!("{}{}", ctx.base, probe.path_and_query));
    a
}

/// The shell command for `probe`: [`args`] quoted, plus the gate token header read
/// from the environment when the run sent one.
pub fn command(ctx: &CurlContext, probe: &Probe) -> String {
    let mut parts: Vec<String> = args(ctx, probe).iter().map(|s| shell_quote(s)).collect();
    if let Some(h) = &ctx.secret_header {
        let url = parts.pop().unwrap_or_default();
        parts.push("-H".into());
        parts.push(format!("\"{h}: ${GATE_TOKEN_ENV}\""));
        parts.push(url);
    }
    parts.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::corpus::{Encoding, Placement};

    /// Splits a command line as a POSIX shell does for the quoting [`shell_quote`]
    /// produces: words separated by spaces, `'…'` literal, `\'` an escaped quote.
    fn shell_words(s: &str) -> Vec<String> {
        let mut words = Vec::new();
        let mut cur = String::new();
        let mut in_word = false;
        let mut chars = s.chars();
        while let Some(c) = chars.next() {
            match c {
                ' ' => {
                    if in_word {
                        words.push(std::mem::take(&mut cur));
                        in_word = false;
                    }
                }
                '\'' => {
                    in_word = true;
                    for q in chars.by_ref() {
                        if q == '\'' {
                            break;
                        }
                        cur.push(q);
                    }
                }
                '\\' => {
                    in_word = true;
                    cur.extend(chars.next());
                }
                c => {
                    in_word = true;
                    cur.push(c);
                }
            }
        }
        if in_word {
            words.push(cur);
        }
        words
    }

    fn probe(headers: Vec<(String, String)>, body: Option<(&'static str, String)>) -> Probe {
        Probe {
            id: "t/x/plain/0".into(),
            category: "t".into(),
            placement: Placement::Json,
            encoding: Encoding::Plain,
            method: "POST",
            path_and_query: "/?q=%27%20OR%20{{7*7}}[1]".into(),
            headers,
            body,
        }
    }

    #[test]
    fn tricky_bytes_round_trip_through_the_shell() {
        let tricky = "a'b\"c $(id) `uname` \\ \r\n\t; | & ${IFS} é 嘍 ' '' end";
        let ctx = CurlContext {
            base: "https://app.example.com:8443".into(),
            resolve: vec!["app.example.com:8443:127.0.0.1".into()],
            ca_file: Some("/tmp/my ca.pem".into()),
            headers: vec![("x-team".into(), "it's".into())],
            secret_header: None,
        };
        let p = probe(
            vec![("Cookie".into(), format!("session_note={tricky}"))],
            Some(("application/json", format!("{{\"q\":\"{tricky}\"}}"))),
        );
        let cmd = command(&ctx, &p);
        assert_eq!(shell_words(&cmd), args(&ctx, &p), "{cmd}");
        let words = shell_words(&cmd);
        assert!(words.contains(&"--path-as-is".to_string()) && words.contains(&"-g".into()));
        assert_eq!(
            words.last().unwrap(),
            "https://app.example.com:8443/?q=%27%20OR%20{{7*7}}[1]"
        );
        let i = words.iter().position(|w| w == "--resolve").unwrap();
        assert_eq!(words[i + 1], "app.example.com:8443:127.0.0.1");
    }

    #[test]
    fn every_corpus_request_round_trips() {
        let ctx = CurlContext {
            base: "https://app.example.com".into(),
            ..Default::default()
        };
        for p in crate::corpus::attacks().unwrap() {
            let cmd = command(&ctx, &p);
            assert_eq!(shell_words(&cmd), args(&ctx, &p), "{}", p.id);
        }
    }

    #[test]
    fn the_gate_token_comes_from_the_environment_never_the_value() {
        let request = RequestSpec::default()
            .with_gate_token(Some("s3cret-token-value".into()))
            .unwrap();
        let endpoint = Endpoint::new("https://app.example.com/x?y=1", None, &[], None).unwrap();
        let ctx = CurlContext::new(&endpoint, &[], None, &request);
        assert_eq!(ctx.base, "https://app.example.com");
        let cmd = command(&ctx, &probe(vec![], None));
        assert!(!cmd.contains("s3cret"), "{cmd}");
        assert!(
            cmd.ends_with(
                "-H \"x-harness-gate: $HARNESS_GATE_TOKEN\" \
                 'https://app.example.com/?q=%27%20OR%20{{7*7}}[1]'"
            ),
            "{cmd}"
        );
    }
}
