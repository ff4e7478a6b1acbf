use std::collections::{BTreeMap, BTreeSet};

use super::*;

/// Floor of the frozen gate corpus: it can only grow (entries are never removed).
const GATE_FLOOR: usize = 49;
/// Floor of the benign corpus (issue #13: at least 200 realistic requests).
const BENIGN_FLOOR: usize = 200;

#[test]
fn gate_corpus_is_frozen_at_or_above_its_floor() {
    let all = gate_requests().unwrap();
    assert!(all.len() >= GATE_FLOOR, "{} < {GATE_FLOOR}", all.len());
    let ids: BTreeSet<&str> = all.iter().map(|r| r.wire.id.as_str()).collect();
    assert_eq!(ids.len(), all.len(), "gate ids must be unique");
    // Every group deployed by app-infra that a request can trigger has requests.
    let groups: BTreeSet<&str> = all.iter().map(|r| r.group.as_str()).collect();
    assert_eq!(groups.len(), 3);
}

#[test]
fn each_rule_belongs_to_one_group_and_its_placement_suffix_holds() {
    let all = gate_requests().unwrap();
    let mut owner: BTreeMap<&str, &str> = BTreeMap::new();
    for r in &all {
        let g = owner.entry(r.rule.as_str()).or_insert(r.group.as_str());
        assert_eq!(*g, r.group, "rule {} named in two groups", r.rule);
        let w = &r.wire;
        let query = w.path_and_query.split_once('?').map(|(_, q)| q);
        let has_cookie = w.headers.iter().any(|(k, _)| k == "Cookie");
        let rule = r.rule.as_str();
        let ok = if rule.ends_with("_QUERYARGUMENTS") || rule.ends_with("_QUERYSTRING") {
            query.is_some_and(|q| !q.is_empty())
        } else if rule.ends_with("_BODY") {
            w.body.is_some()
        } else if rule.ends_with("_COOKIE") || rule.ends_with("Cookie_HEADER") {
            has_cookie
        } else if rule.ends_with("_URIPATH") {
            query.is_none() && w.body.is_none() && !has_cookie
        } else if rule.ends_with("_HEADER") {
            !w.headers.is_empty() || w.omit_user_agent
        } else if rule.ends_with("_METHOD") {
            !matches!(w.method.as_str(), "GET" | "POST")
        } else {
            false
        };
        assert!(
            ok,
            "{}: rule {rule} does not match the request's placement",
            w.id
        );
        assert!(!r.why.is_empty());
    }
}

#[test]
fn size_fills_exceed_aws_limits() {
    let all = gate_requests().unwrap();
    let find = |rule: &str| all.iter().find(|r| r.rule == rule).unwrap();
    let q = find("SizeRestrictions_QUERYSTRING");
    assert!(q.wire.path_and_query.split_once('?').unwrap().1.len() > 2048);
    let p = find("SizeRestrictions_URIPATH");
    assert!(p.wire.path_and_query.len() > 1024);
    let b = find("SizeRestrictions_BODY");
    assert!(b.wire.body.as_ref().unwrap().1.len() > 8192);
    let c = find("SizeRestrictions_Cookie_HEADER");
    let cookie = &c
        .wire
        .headers
        .iter()
        .find(|(k, _)| k == "Cookie")
        .unwrap()
        .1;
    assert!(
        cookie.len() > 10240 && cookie.len() < 16 * 1024,
        "ALB accepts a 16 KB header"
    );
}

#[test]
fn bad_gate_files_are_config_errors() {
    let wrong_group =
        "group = \"X\"\n[[request]]\nid=\"a\"\nrule=\"R_BODY\"\nwhy=\"w\"\npath=\"/\"\n";
    assert!(matches!(
        parse_gate_file("Y", wrong_group),
        Err(Error::Config(_))
    ));
    let no_ct = "group = \"Y\"\n[[request]]\nid=\"a\"\nrule=\"R_BODY\"\nwhy=\"w\"\npath=\"/\"\nbody=\"x\"\n";
    assert!(matches!(parse_gate_file("Y", no_ct), Err(Error::Config(_))));
    let rel = "group = \"Y\"\n[[request]]\nid=\"a\"\nrule=\"R\"\nwhy=\"w\"\npath=\"x\"\n";
    assert!(matches!(parse_gate_file("Y", rel), Err(Error::Config(_))));
}

#[test]
fn benign_corpus_is_at_or_above_its_floor_and_ids_are_unique() {
    let b = benign_wire().unwrap();
    assert!(b.len() >= BENIGN_FLOOR, "{} < {BENIGN_FLOOR}", b.len());
    let ids: BTreeSet<&str> = b.iter().map(|w| w.id.as_str()).collect();
    assert_eq!(ids.len(), b.len());
    // AWS SizeRestrictions: a benign request must be one AWS lets through.
    for w in &b {
        let (path, query) = w
            .path_and_query
            .split_once('?')
            .unwrap_or((&w.path_and_query, ""));
        assert!(path.len() <= 1024 && query.len() <= 2048, "{}", w.id);
        assert!(
            w.body.as_ref().is_none_or(|(_, b)| b.len() <= 8192),
            "{}",
            w.id
        );
        for (k, v) in &w.headers {
            assert!(k != "Cookie" || v.len() <= 10240, "{}", w.id);
        }
    }
}

#[test]
fn curl_reproduces_the_request() {
    let r = gate_requests().unwrap();
    let ua = r.iter().find(|r| r.rule == "NoUserAgent_HEADER").unwrap();
    assert_eq!(
        ua.wire.curl("https://h"),
        "curl -X GET 'https://h/' -H 'User-Agent:'"
    );
    let c = r.iter().find(|r| r.rule == "SQLi_COOKIE").unwrap();
    assert!(
        c.wire
            .curl("https://h")
            .contains("-H 'Cookie: session_id=1'\\'' OR '\\''1'\\''='\\''1'")
    );
}
