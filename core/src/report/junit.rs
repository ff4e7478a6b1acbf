//! `junit.xml` for CI test-report tooling: one testsuite per run, one testcase per
//! check and one per WAF category (plus one for WAF false positives). Built with
//! `quick-junit` (the serializer cargo-nextest uses), validated by `schemas/junit.xsd`.
//!
//! Mapping (one per [`Verdict`] state):
//!
//! | verdict | testcase |
//! | --- | --- |
//! | PASS | passing, the evidence in `<system-out>` |
//! | FAIL | `<failure>` |
//! | ERROR | `<error type="error">`: a read or probe failed and stopped the check |
//! | INCONCLUSIVE | `<error type="inconclusive">`: the check could not decide, which a CI reader must not see as green, yet is not a demonstrated deviation |
//! | NOT_APPLICABLE | `<skipped message="why">`: counted in `skipped`, never as an error |
//!
//! The summary is the `message`; the evidence text is the body.

use std::time::Duration;

use quick_junit::{NonSuccessKind, Property, Report, TestCase, TestCaseStatus, TestSuite};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::text::{category_totals, distinct, evidence_text, pct};
use crate::result::{CheckResult, Evidence, RunResult, Verdict, WafEvidence};

/// Renders the run as JUnit XML.
pub fn render(run: &RunResult) -> String {
    let mut suite = TestSuite::new(format!("canary verification of {}", run.target.host));
    if let Some(d) = duration(&run.started_at, &run.finished_at) {
        suite.set_time(d);
    }
    suite.add_properties([
        Property::new("verdict", run.verdict.label()),
        Property::new("target", run.target.url.as_str()),
        Property::new("harness_version", run.harness_version.as_str()),
        Property::new("started_at", run.started_at.as_str()),
        Property::new("command", run.command.as_str()),
    ]);
    for check in &run.checks {
        suite.add_test_case(check_case(check));
        if let Evidence::Waf(waf) = &check.evidence {
            suite.add_test_cases(waf_cases(waf));
        }
    }
    let mut report = Report::new("harness");
    report.add_test_suite(suite);
    // The model holds only strings and numbers; XML serialisation into memory cannot fail.
    report.to_string().expect("JUnit serialises")
}

/// Status of a testcase from a verdict, with message and body.
fn status(verdict: Verdict, message: &str, body: String) -> TestCaseStatus {
    let mut status = match verdict {
        Verdict::Pass => return TestCaseStatus::success(),
        Verdict::Fail => TestCaseStatus::non_success(NonSuccessKind::Failure),
        Verdict::Inconclusive | Verdict::Error => {
            let mut s = TestCaseStatus::non_success(NonSuccessKind::Error);
            s.set_type(verdict.token());
            s
        }
        Verdict::NotApplicable => TestCaseStatus::skipped(),
    };
    status.set_message(message).set_description(body);
    status
}

/// The testcase of one check.
fn check_case(check: &CheckResult) -> TestCase {
    let text = evidence_text(check);
    let mut case = TestCase::new(
        check.name.as_str(),
        status(check.verdict, &check.summary, text.clone()),
    );
    case.set_classname("harness.checks");
    if check.verdict == Verdict::Pass {
        case.set_system_out(text);
    }
    case
}

/// One testcase per WAF category: FAIL when the category's pooled block rate is below
/// the required rate, PASS otherwise; plus one for false positives.
fn waf_cases(waf: &WafEvidence) -> Vec<TestCase> {
    let mut cases = Vec::new();
    for category in distinct(waf.cells.iter().map(|c| c.category.as_str())) {
        let (blocked, sent) = category_totals(waf, category);
        let rate = if sent == 0 {
            0.0
        } else {
            blocked as f64 / sent as f64
        };
        let verdict = if sent == 0 {
            Verdict::Inconclusive
        } else if rate < waf.min_block_rate {
            Verdict::Fail
        } else {
            Verdict::Pass
        };
        let lines: Vec<String> = waf
            .cells
            .iter()
            .filter(|c| c.category == category)
            .map(|c| {
                format!(
                    "{}: blocked {} of {} ({}, interval [{}, {}]), passed {}, unresolved {}",
                    c.placement,
                    c.blocked,
                    c.sent,
                    pct(if c.sent == 0 {
                        0.0
                    } else {
                        c.blocked as f64 / c.sent as f64
                    }),
                    pct(c.ci_low),
                    pct(c.ci_high),
                    c.passed,
                    c.unresolved
                )
            })
            .collect();
        let message = format!(
            "{category}: blocked {blocked} of {sent} ({}), required {}",
            pct(rate),
            pct(waf.min_block_rate)
        );
        let mut case = TestCase::new(
            format!("waf/{category}"),
            status(verdict, &message, lines.join("\n")),
        );
        case.set_classname("harness.waf");
        cases.push(case);
    }
    cases.extend(gate_cases(waf));
    let fp = waf.false_positives.len() as u64;
    let verdict = match &waf.false_positive_rate {
        Some(r) if r.low > r.ceiling => Verdict::Fail,
        Some(_) => Verdict::Pass,
        None if fp > waf.max_false_positives => Verdict::Fail,
        None => Verdict::Pass,
    };
    let body: Vec<String> = waf
        .false_positives
        .iter()
        .map(|f| format!("{} (status {}): {}", f.id, f.status, f.request))
        .collect();
    let message = match &waf.false_positive_rate {
        Some(r) => format!(
            "{fp} of {} benign requests blocked, false-positive rate interval [{}, {}], ceiling {} on the lower bound",
            r.resolved,
            pct(r.low),
            pct(r.high),
            pct(r.ceiling)
        ),
        None => format!(
            "{fp} of {} benign requests blocked, allowed {}",
            waf.benign_sent, waf.max_false_positives
        ),
    };
    let mut case = TestCase::new(
        "waf/false-positives",
        status(verdict, &message, body.join("\n")),
    );
    case.set_classname("harness.waf");
    cases.push(case);
    cases
}

/// One testcase per rule group of the gate tier: FAIL when a canonical request got
/// through, INCONCLUSIVE when one was rate-limited or unresolved, SKIPPED (as
/// not-applicable) for an untested or undeployed group; plus one for the WebACL.
fn gate_cases(waf: &WafEvidence) -> Vec<TestCase> {
    let mut cases = Vec::new();
    for g in &waf.gate_groups {
        let rows: Vec<_> = waf.gate.iter().filter(|r| r.group == g.group).collect();
        let verdict = if g.coverage != "tested" {
            Verdict::NotApplicable
        } else if rows.iter().any(|r| r.outcome == "missed") {
            Verdict::Fail
        } else if rows.iter().any(|r| r.outcome != "blocked") {
            Verdict::Inconclusive
        } else {
            Verdict::Pass
        };
        let lines: Vec<String> = rows
            .iter()
            .map(|r| {
                format!(
                    "{} {} ({}): {}",
                    r.rule,
                    r.outcome,
                    r.status.map_or("-".into(), |s| s.to_string()),
                    r.curl
                )
            })
            .collect();
        let message = format!(
            "{}: {}, blocked {} of {}",
            g.group, g.coverage, g.blocked, g.sent
        );
        let mut case = TestCase::new(
            format!("waf/gate/{}", g.group),
            status(verdict, &message, lines.join("\n")),
        );
        case.set_classname("harness.waf");
        cases.push(case);
    }
    if !waf.acl_findings.is_empty() || !waf.acl_notes.is_empty() {
        let verdict = if waf.acl_findings.is_empty() {
            Verdict::Pass
        } else {
            Verdict::Fail
        };
        let all: Vec<&str> = waf
            .acl_findings
            .iter()
            .chain(&waf.acl_notes)
            .map(|s| s.as_str())
            .collect();
        let message = all.join("; ");
        let mut case = TestCase::new("waf/web-acl", status(verdict, &message, all.join("\n")));
        case.set_classname("harness.waf");
        cases.push(case);
    }
    cases
}

/// Wall time between two RFC 3339 stamps, when both parse and are ordered.
fn duration(start: &str, end: &str) -> Option<Duration> {
    let start = OffsetDateTime::parse(start, &Rfc3339).ok()?;
    let end = OffsetDateTime::parse(end, &Rfc3339).ok()?;
    Duration::try_from(end - start).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::fixtures;

    #[test]
    fn counts_match_the_verdicts() {
        let xml = render(&fixtures::fail());
        // 5 checks + 4 WAF categories + 2 gate groups + WebACL + false positives.
        assert!(xml.contains("tests=\"13\""), "{xml}");
        // split, scale, health, tls, waf, waf/xss, waf/scanner, waf/sqli? (34/40 = 85%),
        // the SQLi gate group (SQLi_URIPATH missed), the WebACL (Count mode); the false
        // positives pass (1 of 40: lower bound 0.06% <= 1% ceiling); IP reputation skipped.
        assert!(xml.contains("failures=\"10\""), "{xml}");
        assert!(xml.contains("skipped=\"1\""), "{xml}");
        assert!(xml.contains("time=\"105"), "{xml}");
        let xml = render(&fixtures::inconclusive());
        assert!(xml.contains("type=\"inconclusive\""), "{xml}");
    }

    #[test]
    fn error_and_not_applicable_have_their_own_elements() {
        let xml = render(&fixtures::error());
        assert!(xml.contains("<error message=\"AWS: ECS services"), "{xml}");
        assert!(xml.contains("type=\"error\""), "{xml}");
        // scale is the one error; TLS and WAF testcases all pass.
        assert!(
            xml.contains("errors=\"1\"") && xml.contains("failures=\"0\""),
            "{xml}"
        );
        let xml = render(&fixtures::not_applicable());
        assert!(xml.contains("skipped=\"2\""), "{xml}");
        assert!(
            xml.contains("errors=\"0\"") && xml.contains("failures=\"0\""),
            "{xml}"
        );
        assert!(
            xml.contains("<skipped message=\"canary weight is 100: scale-to-zero"),
            "{xml}"
        );
        assert!(!xml.contains("<error"), "{xml}");
    }

    #[test]
    fn markup_in_evidence_is_escaped() {
        let xml = render(&fixtures::fail());
        assert!(!xml.contains("<script>"), "{xml}");
        assert!(xml.contains("&lt;script&gt;"), "{xml}");
    }
}
