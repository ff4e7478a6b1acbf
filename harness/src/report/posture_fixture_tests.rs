//! The core's posture fixture (`harness_core::report::fixtures::posture_check`) is
//! data: the three `waf-posture` checks as the real decision
//! ([`crate::checks::waf_posture::judge`]) built them from a small fixed set of
//! requests — PASS report-only, FAIL below a floor, INCONCLUSIVE with the floor inside
//! the interval — one request with markup and quotes, to prove every renderer escapes
//! it. This test rebuilds them with the judge and holds the fixture to it.

use std::time::Duration;

use crate::checks::waf_posture::{Answer, PostureFloors, PostureSettings, curl, judge};
use crate::corpus::{Encoding, Placement, Probe};
use crate::report::{fixtures, json};
use crate::sample::RequestSpec;

fn probes() -> Vec<Probe> {
    let mut out = Vec::new();
    let cells = [
        (
            "sqli",
            Placement::Query,
            Encoding::Plain,
            "/?q='%20OR%20'1'='1",
        ),
        (
            "sqli",
            Placement::Path,
            Encoding::Url,
            "/search/%27%20OR%201%3D1",
        ),
        (
            "xss",
            Placement::Query,
            Encoding::Case,
            "/?q=<ScRiPt>alert('x')</sCrIpT>",
        ),
    ];
    for (cat, placement, encoding, path) in cells {
        for i in 0..20 {
            out.push(Probe {
                id: format!("{cat}/{}/{}/{i}", placement.label(), encoding.label()),
                category: cat.into(),
                placement,
                encoding,
                method: "GET",
                path_and_query: path.into(),
                headers: vec![("Cookie".into(), "session_note=it's".into())],
                body: None,
            });
        }
    }
    out
}

/// 55 of 60 blocked: sqli 40 of 40, xss 15 of 20.
fn answers() -> Vec<Answer> {
    (0..60)
        .map(|i| Answer {
            status: Some(if i >= 55 { 200 } else { 403 }),
            attributed: i >= 55,
            waf_rule: false,
        })
        .collect()
}

fn settings(floors: PostureFloors) -> PostureSettings {
    PostureSettings {
        block_status: 403,
        floors,
        rps: 50.0,
        concurrency: 8,
        alpha: 0.05,
        timeout: Duration::from_secs(5),
        request: RequestSpec::default(),
        curl: curl::CurlContext {
            base: "https://app.example.com".into(),
            resolve: vec!["app.example.com:443:127.0.0.1".into()],
            ..Default::default()
        },
    }
}

/// The fixture's checks by name: `pass` (no floor), `fail` (xss floor 0.95: 15 of 20
/// has an upper bound of 0.94), `inconclusive` (overall floor 0.9 inside
/// [0.81, 0.97]).
#[test]
fn the_core_posture_fixture_is_what_the_judge_builds() {
    let floors = [
        ("pass", PostureFloors::default()),
        (
            "fail",
            PostureFloors {
                overall: None,
                categories: [("xss".to_string(), 0.95)].into(),
            },
        ),
        (
            "inconclusive",
            PostureFloors {
                overall: Some(0.9),
                categories: Default::default(),
            },
        ),
    ];
    for (name, floors) in floors {
        let judged = judge(&settings(floors), &probes(), &answers());
        let fixture = fixtures::posture_check(name);
        assert_eq!(judged, fixture, "posture fixture {name}");
        // And the same bytes in report.json.
        let mut a = fixtures::pass();
        let mut b = a.clone();
        a.checks = vec![judged];
        b.checks = vec![fixture];
        assert_eq!(json::render(&a), json::render(&b), "posture fixture {name}");
    }
    assert_eq!(fixtures::posture_states().len(), 3);
}
