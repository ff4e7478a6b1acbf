//! Encoders of the corpus and the placement of an encoded payload into a request.
//! Each encoding is an evasion a WAF must see through (GoTestWAF's encoders: plain,
//! URL, double URL, IIS `%u`, Base64; case and whitespace tricks from the OWASP
//! testing guide's WAF-bypass section). Pure.

use super::{COOKIE, Encoding, MULTIPART_BOUNDARY, PARAM, PATH_PREFIX, Placement, Probe};

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
pub(super) fn escape_minimal(s: &str, path: bool) -> String {
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
pub(super) fn unicode_percent(s: &str) -> String {
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
pub(super) fn json_unicode(s: &str) -> String {
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

/// XML text with every non-alphanumeric character as a numeric character reference.
pub(super) fn xml_charref(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_string()
            } else {
                format!("&#x{:X};", u32::from(c))
            }
        })
        .collect()
}

/// XML text as CDATA (a `]]>` inside is split across two sections).
pub(super) fn xml_cdata(s: &str) -> String {
    format!("<![CDATA[{}]]>", s.replace("]]>", "]]]]><![CDATA[>"))
}

/// Standard Base64 (RFC 4648 §4, with padding).
pub fn base64(s: &str) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let bytes = s.as_bytes();
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Alternating case of the ASCII letters (`select` → `SeLeCt`).
pub fn case_swap(s: &str) -> String {
    let mut upper = true;
    s.chars()
        .map(|c| {
            if c.is_ascii_alphabetic() {
                let out = if upper {
                    c.to_ascii_uppercase()
                } else {
                    c.to_ascii_lowercase()
                };
                upper = !upper;
                out
            } else {
                c
            }
        })
        .collect()
}

/// Every space as a horizontal tab (a separator most parsers accept, many patterns miss).
pub fn whitespace(s: &str) -> String {
    s.replace(' ', "\t")
}

/// The payload after the transforming encodings (Base64, case, whitespace); the
/// placement's own syntax is applied afterwards.
fn transform(payload: &str, enc: Encoding) -> String {
    match enc {
        Encoding::Base64 => base64(payload),
        Encoding::Case => case_swap(payload),
        Encoding::Whitespace => whitespace(payload),
        _ => payload.to_string(),
    }
}

/// Encodes `payload` for a URL-ish placement (query, path, form, cookie).
pub(super) fn encode_urlish(payload: &str, enc: Encoding, path: bool) -> String {
    match enc {
        Encoding::Url => url_encode(payload),
        Encoding::DoubleUrl => url_encode(&url_encode(payload)),
        Encoding::Unicode => unicode_percent(payload),
        _ => escape_minimal(&transform(payload, enc), path),
    }
}

/// A header value: control characters (CR, LF in CRLF payloads) cannot travel raw in
/// a header, so they go percent-encoded, as a header-borne CRLF attack is sent.
fn header_value(payload: &str, enc: Encoding) -> String {
    transform(payload, enc)
        .chars()
        .map(|c| {
            if c.is_ascii_control() && c != '\t' {
                url_encode(&c.to_string())
            } else {
                c.to_string()
            }
        })
        .collect()
}

/// Builds the request carrying `payload` at `placement` with `enc`. With `raw`, a
/// JSON or XML placement sends the payload as the whole body (XXE documents,
/// deserialisation gadgets).
pub(super) fn place(
    id: String,
    category: &str,
    placement: Placement,
    enc: Encoding,
    payload: &str,
    header: &str,
    raw: bool,
) -> Probe {
    let mut probe = Probe {
        id,
        category: category.to_string(),
        placement,
        encoding: enc,
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
            .push((header.to_string(), header_value(payload, enc))),
        Placement::UserAgent => probe
            .headers
            .push(("User-Agent".into(), header_value(payload, enc))),
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
            let body = match enc {
                _ if raw => payload.to_string(),
                Encoding::Unicode => format!("{{\"{PARAM}\":{}}}", json_unicode(payload)),
                _ => format!(
                    "{{\"{PARAM}\":{}}}",
                    serde_json::Value::String(transform(payload, enc))
                ),
            };
            probe.body = Some(("application/json", body));
        }
        Placement::Xml => {
            probe.method = "POST";
            let body = match enc {
                _ if raw => payload.to_string(),
                Encoding::Unicode => xml_doc(&xml_charref(payload)),
                _ => xml_doc(&xml_cdata(&transform(payload, enc))),
            };
            probe.body = Some(("application/xml", body));
        }
        Placement::Multipart => {
            probe.method = "POST";
            probe.body = Some((
                super::MULTIPART_CONTENT_TYPE,
                format!(
                    "--{MULTIPART_BOUNDARY}\r\nContent-Disposition: form-data; \
                     name=\"{PARAM}\"\r\n\r\n{}\r\n--{MULTIPART_BOUNDARY}--\r\n",
                    transform(payload, enc)
                ),
            ));
        }
    }
    probe
}

/// An XML request document whose `q` element holds `text` (already escaped).
fn xml_doc(text: &str) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<request><{PARAM}>{text}</{PARAM}></request>"
    )
}
