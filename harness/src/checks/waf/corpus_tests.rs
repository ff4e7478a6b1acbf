//! Tests of the corpus loading and expansion.
use super::*;

#[test]
fn every_file_parses_and_expands() {
    let all = attacks().unwrap();
    let cats: std::collections::BTreeSet<_> = all.iter().map(|p| p.category.as_str()).collect();
    assert_eq!(cats.len(), ATTACK_FILES.len());
    let ids: std::collections::BTreeSet<_> = all.iter().map(|p| p.id.as_str()).collect();
    assert_eq!(ids.len(), all.len(), "ids are unique");
    assert!(all.len() > 300, "{} requests", all.len());
    assert!(!benign().unwrap().is_empty());
}

#[test]
fn expansion_is_payloads_times_applicable_cells() {
    let text = r#"
        category = "t"
        description = "test"
        placements = ["query", "header", "json"]
        encodings = ["plain", "url", "double-url", "unicode"]
        payloads = ["a'b", "c<d"]
    "#;
    let v = expand_attack_file("t", text).unwrap();
    // query: 4 encodings, header: plain only, json: plain + unicode → 7 × 2.
    assert_eq!(v.len(), 14);
    let with_path =
        format!("{text}\nplacements = [\"path\", \"cookie\"]\npath_encodings = [\"url\"]")
            .replace("placements = [\"query\", \"header\", \"json\"]", "");
    let v = expand_attack_file("t", &with_path).unwrap();
    // path: url only; cookie: all but double-url → (1 + 3) × 2.
    assert_eq!(v.len(), 8);
    assert!(expand_attack_file("other", text).is_err());
    assert!(expand_attack_file("t", "category = 1").is_err());
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
}

#[test]
fn placements_put_the_payload_where_they_say() {
    let p = |pl| place("x".into(), "c", pl, Encoding::Plain, "v1", "Referer");
    assert_eq!(p(Placement::Query).path_and_query, "/?q=v1");
    assert_eq!(p(Placement::Path).path_and_query, "/search/v1");
    assert_eq!(
        p(Placement::Header).headers,
        vec![("Referer".into(), "v1".into())]
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
}
