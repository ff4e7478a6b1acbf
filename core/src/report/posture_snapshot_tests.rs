//! Snapshot tests of every renderer (JSON, JUnit, Markdown, HTML, terminal text) on a
//! run holding a `waf-posture` check in each of its verdicts
//! ([`fixtures::posture_states`]): PASS report-only, FAIL below a floor, INCONCLUSIVE.

use super::{fixtures, html, json, junit, markdown, text};

#[test]
fn posture_snapshots_in_every_format() {
    for (name, run) in fixtures::posture_states() {
        insta::assert_snapshot!(format!("posture_json_{name}"), json::render(&run));
        insta::assert_snapshot!(format!("posture_junit_{name}"), junit::render(&run));
        insta::assert_snapshot!(format!("posture_markdown_{name}"), markdown::render(&run));
        insta::assert_snapshot!(format!("posture_html_{name}"), html::render(&run));
        insta::assert_snapshot!(format!("posture_text_{name}"), text::run_summary(&run));
    }
}

#[test]
fn posture_markup_is_escaped_and_missed_attacks_are_listed() {
    for (_, run) in fixtures::posture_states() {
        let page = html::render(&run);
        assert!(
            !page.to_lowercase().contains("<script"),
            "unescaped payload"
        );
        assert!(page.contains("<details>"), "missed attacks are collapsible");
        assert_eq!(page.matches("<li><code>xss/query/case/").count(), 5);
        let md = markdown::render(&run);
        assert!(md.contains("| xss | 15/20 | 75.00% |"), "{md}");
        let back: crate::result::RunResult = serde_json::from_str(&json::render(&run)).unwrap();
        assert_eq!(back, run, "report.json round-trips");
    }
}
