//! Tests of the corpus loading, expansion and encoders.
use super::encode::*;
use super::*;
use std::collections::BTreeSet;

#[test]
fn every_file_parses_and_expands() {
    let all = attacks().unwrap();
    let cats: BTreeSet<_> = all.iter().map(|p| p.category.as_str()).collect();
    assert_eq!(cats.len(), ATTACK_FILES.len());
    let ids: BTreeSet<_> = all.iter().map(|p| p.id.as_str()).collect();
    assert_eq!(ids.len(), all.len(), "ids are unique");
    assert!(!benign().unwrap().is_empty());
}

/// The floor on the corpus size: it can only grow (issue #13: at least 650 attack
/// requests; commit 66783dd had cut 692 to 433 to fit one rule set).
#[test]
fn the_corpus_never_shrinks() {
    let n = attacks().unwrap().len();
    assert!(n >= MIN_ATTACK_REQUESTS, "{n} attack requests");
}

/// What 66783dd removed is back: the path placement of sqli, path-traversal,
/// shell-injection and ssrf-metadata; header placements; double-URL and `%u`
/// encodings; the `| id` payload.
#[test]
fn what_the_trim_removed_is_back() {
    let all = attacks().unwrap();
    let has = |cat: &str, pl: Placement, enc: Encoding| {
        all.iter()
            .any(|p| p.category == cat && p.placement == pl && p.encoding == enc)
    };
    for cat in ["sqli", "path-traversal", "shell-injection", "ssrf-metadata"] {
        for enc in [
            Encoding::Plain,
            Encoding::Url,
            Encoding::DoubleUrl,
            Encoding::Unicode,
        ] {
            assert!(has(cat, Placement::Path, enc), "{cat} path {enc:?}");
            assert!(has(cat, Placement::Cookie, enc), "{cat} cookie {enc:?}");
        }
        assert!(has(cat, Placement::Header, Encoding::Plain), "{cat} header");
    }
    for cat in ["shell-injection", "ssrf-metadata"] {
        assert!(has(cat, Placement::Query, Encoding::DoubleUrl), "{cat}");
        assert!(has(cat, Placement::Json, Encoding::Unicode), "{cat}");
    }
    for cat in ["xss", "log4shell"] {
        assert!(
            has(cat, Placement::Path, Encoding::Plain),
            "{cat} path plain"
        );
    }
    assert!(
        all.iter()
            .any(|p| p.id.starts_with("shell-injection/query/plain/")
                && p.path_and_query == "/?q=|%20id")
    );
}

#[test]
fn new_categories_and_every_placement_and_encoding_are_present() {
    let all = attacks().unwrap();
    let cats: BTreeSet<_> = all.iter().map(|p| p.category.as_str()).collect();
    for c in [
        "ldap-injection",
        "nosql-injection",
        "ssti",
        "ssi",
        "xxe",
        "crlf-injection",
        "mail-injection",
        "rce-json",
    ] {
        assert!(cats.contains(c), "{c} missing");
    }
    let placements: BTreeSet<_> = all.iter().map(|p| p.placement).collect();
    assert_eq!(placements.len(), Placement::ALL.len());
    let encodings: BTreeSet<_> = all.iter().map(|p| p.encoding).collect();
    assert_eq!(encodings.len(), 7);
}

#[test]
fn expansion_is_payloads_times_applicable_cells() {
    let text = r#"
        category = "t"
        description = "test"
        placements = ["query", "header", "json"]
        encodings = ["plain", "url", "double-url", "unicode"]
        header = "Referer"
        payloads = ["a'b", "c<d"]
    "#;
    let v = expand_attack_file("t", text).unwrap();
    // query: 4 encodings, header: plain only, json: plain + unicode → 7 × 2.
    assert_eq!(v.len(), 14);
    let with_path =
        format!("{text}\nplacements = [\"path\", \"cookie\"]\npath_encodings = [\"url\"]")
            .replace("placements = [\"query\", \"header\", \"json\"]", "");
    let v = expand_attack_file("t", &with_path).unwrap();
    // path: url only; cookie: all four → (1 + 4) × 2.
    assert_eq!(v.len(), 10);
    assert!(expand_attack_file("other", text).is_err());
    assert!(expand_attack_file("t", "category = 1").is_err());
    // Header and user-agent placements with header = User-Agent would duplicate.
    let dup = text
        .replace("\"header\", \"json\"", "\"header\", \"user-agent\"")
        .replace("header = \"Referer\"", "");
    assert!(expand_attack_file("t", &dup).is_err());
}

#[test]
fn raw_documents_are_the_body_and_plain_only() {
    let text = r#"
        category = "t"
        description = "test"
        placements = ["json", "xml", "query"]
        encodings = ["plain", "url", "unicode"]
        raw = true
        payloads = ["{\"$ne\": 1}"]
    "#;
    let v = expand_attack_file("t", text).unwrap();
    // json: plain, xml: plain (raw bodies); query: plain, url, unicode.
    assert_eq!(v.len(), 5);
    assert_eq!(v[0].body.as_ref().unwrap().1, "{\"$ne\": 1}");
    assert_eq!(v[1].body.as_ref().unwrap().0, "application/xml");
}

#[test]
fn encodings_are_right() {
    assert_eq!(url_encode("' OR 1=1"), "%27%20OR%201%3D1");
    assert_eq!(encode_urlish("'", Encoding::DoubleUrl, false), "%2527");
    assert_eq!(
        encode_urlish("<a>", Encoding::Unicode, false),
        "%u003Ca%u003E"
    );
    assert_eq!(encode_urlish("a b&c", Encoding::Plain, false), "a%20b%26c");
    assert_eq!(encode_urlish("../x", Encoding::Plain, true), "..%2Fx");
    assert_eq!(json_unicode("a'"), "\"a\\u0027\"");
    assert_eq!(xml_charref("a<"), "a&#x3C;");
    assert_eq!(xml_cdata("x]]>y"), "<![CDATA[x]]]]><![CDATA[>y]]>");
    // RFC 4648 §10 test vectors.
    for (i, o) in [
        ("", ""),
        ("f", "Zg=="),
        ("fo", "Zm8="),
        ("foo", "Zm9v"),
        ("foob", "Zm9vYg=="),
        ("fooba", "Zm9vYmE="),
        ("foobar", "Zm9vYmFy"),
    ] {
        assert_eq!(base64(i), o);
    }
    assert_eq!(encode_urlish("' or 1", Encoding::Base64, false), "JyBvciAx");
    assert_eq!(case_swap("union select"), "UnIoN sElEcT");
    assert_eq!(encode_urlish("a b", Encoding::Whitespace, false), "a%09b");
}

#[test]
fn placements_put_the_payload_where_they_say() {
    let p = |pl| place("x".into(), "c", pl, Encoding::Plain, "v1", "Referer", false);
    assert_eq!(p(Placement::Query).path_and_query, "/?q=v1");
    assert_eq!(p(Placement::Path).path_and_query, "/search/v1");
    assert_eq!(
        p(Placement::Header).headers,
        vec![("Referer".into(), "v1".into())]
    );
    assert_eq!(
        p(Placement::UserAgent).headers,
        vec![("User-Agent".into(), "v1".into())]
    );
    assert_eq!(
        p(Placement::Cookie).headers,
        vec![("Cookie".into(), "session_note=v1".into())]
    );
    let form = p(Placement::Form);
    assert_eq!(form.method, "POST");
    assert_eq!(form.body.unwrap().1, "q=v1");
    let json = p(Placement::Json);
    assert_eq!(
        json.body.unwrap(),
        ("application/json", "{\"q\":\"v1\"}".into())
    );
    let xml = p(Placement::Xml).body.unwrap();
    assert!(
        xml.1.contains("<request><q><![CDATA[v1]]></q></request>"),
        "{}",
        xml.1
    );
    let mp = p(Placement::Multipart).body.unwrap();
    assert_eq!(mp.0, MULTIPART_CONTENT_TYPE);
    assert!(mp.0.ends_with(MULTIPART_BOUNDARY));
    assert!(mp.1.contains("name=\"q\"\r\n\r\nv1\r\n"), "{}", mp.1);
    // CR/LF cannot travel raw in a header value.
    let crlf = place(
        "x".into(),
        "c",
        Placement::Header,
        Encoding::Plain,
        "a\r\nb",
        "Referer",
        false,
    );
    assert_eq!(crlf.headers[0].1, "a%0D%0Ab");
}
