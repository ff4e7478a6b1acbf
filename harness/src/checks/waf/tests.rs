//! Unit tests of the pure gate judge and the WebACL findings.

use super::gate::acl::{self, AclExpect};
use super::gate::judge::{FP_CEILING, NOT_DEPLOYED, UNTESTED};
use super::gate::{GateAnswer, GateInput, GateOutcome, GateRequest, Wire, judge, outcome};
use super::*;
use crate::result::{ManagedGroupInfo, WafEvidence};

const SQLI: &str = "AWSManagedRulesSQLiRuleSet";
const COMMON: &str = "AWSManagedRulesCommonRuleSet";
const IPREP: &str = "AWSManagedRulesAmazonIpReputationList";

fn block() -> GateAnswer {
    GateAnswer {
        status: Some(403),
        ..Default::default()
    }
}
fn app() -> GateAnswer {
    GateAnswer {
        status: Some(200),
        variant: Some("stable".into()),
        waf_rule: None,
    }
}
fn limited() -> GateAnswer {
    GateAnswer {
        status: Some(429),
        variant: None,
        waf_rule: Some("rate-limit-per-ip".into()),
    }
}

fn req(group: &str, rule: &str, path: &str) -> GateRequest {
    GateRequest {
        group: group.into(),
        rule: rule.into(),
        why: "doc".into(),
        wire: Wire {
            id: format!("{group}/{rule}"),
            method: "GET".into(),
            path_and_query: path.into(),
            headers: vec![],
            body: None,
            omit_user_agent: false,
        },
    }
}

fn benign(n: usize, blocked: usize) -> Vec<(Wire, GateAnswer)> {
    (0..n)
        .map(|i| {
            let w = Wire {
                id: format!("benign/{i}"),
                ..req("b", "b", "/ok").wire
            };
            (w, if i < blocked { block() } else { app() })
        })
        .collect()
}

fn acl_with(groups: &[(&str, &str)]) -> WebAclLookup {
    Some(Ok(Some(WebAclInfo {
        name: "app-prod".into(),
        arn: "arn:acl".into(),
        rules: vec![],
        managed_groups: groups
            .iter()
            .map(|(n, o)| ManagedGroupInfo {
                vendor: "AWS".into(),
                name: n.to_string(),
                override_action: o.to_string(),
            })
            .collect(),
        rate_rules: vec!["rate-limit-per-ip".into()],
    })))
}

fn run(
    web_acl: &WebAclLookup,
    expect: &AclExpect,
    gate: &[(GateRequest, Option<GateAnswer>)],
    b: &[(Wire, GateAnswer)],
) -> CheckResult {
    judge(&GateInput {
        block_status: 403,
        alpha: 0.05,
        web_acl,
        expect,
        covered: &[SQLI, COMMON],
        gate,
        benign: b,
        base: "https://app.example",
    })
}

fn ev(c: &CheckResult) -> &WafEvidence {
    match &c.evidence {
        Evidence::Waf(w) => w,
        e => panic!("{e:?}"),
    }
}

fn healthy_gate() -> Vec<(GateRequest, Option<GateAnswer>)> {
    vec![
        (
            req(SQLI, "SQLi_URIPATH", "/search/1'%20OR%20'1'='1"),
            Some(block()),
        ),
        (
            req(COMMON, "GenericLFI_QUERYARGUMENTS", "/?f=../../etc/passwd"),
            Some(block()),
        ),
    ]
}

#[test]
fn outcomes_rate_limited_is_never_a_block() {
    assert_eq!(outcome(&block(), 403), GateOutcome::Blocked);
    assert_eq!(outcome(&app(), 403), GateOutcome::Missed);
    assert_eq!(outcome(&limited(), 403), GateOutcome::RateLimited);
    // Even when the configured block status is 429, a named rate rule is not a block.
    assert_eq!(outcome(&limited(), 429), GateOutcome::RateLimited);
    // The app answering 403 is not the WAF.
    let app403 = GateAnswer {
        status: Some(403),
        variant: Some("canary".into()),
        waf_rule: None,
    };
    assert_eq!(outcome(&app403, 403), GateOutcome::Missed);
    assert_eq!(
        outcome(&GateAnswer::default(), 403),
        GateOutcome::Unresolved
    );
    let page200 = GateAnswer {
        status: Some(200),
        ..Default::default()
    };
    assert_eq!(outcome(&page200, 403), GateOutcome::Unresolved);
}

#[test]
fn all_blocked_passes_and_lists_the_untested_group() {
    let acl = acl_with(&[(IPREP, "none"), (COMMON, "none"), (SQLI, "none")]);
    let c = run(
        &acl,
        &AclExpect::default(),
        &healthy_gate(),
        &benign(200, 0),
    );
    assert_eq!(c.verdict, Verdict::Pass, "{}", c.summary);
    assert!(c.summary.contains("blocked 2 of 2"), "{}", c.summary);
    assert!(c.summary.contains(IPREP), "{}", c.summary);
    assert!(c.summary.contains("upper bound 1.8%"), "{}", c.summary);
    let e = ev(&c);
    let ip = e.gate_groups.iter().find(|g| g.group == IPREP).unwrap();
    assert_eq!(ip.coverage, UNTESTED);
    assert_eq!(e.gate.len(), 2);
    assert!(e.acl_findings.is_empty());
    assert!(
        e.acl_notes
            .iter()
            .any(|f| f.contains("AWS/AWSManagedRulesSQLiRuleSet (none)"))
    );
}

#[test]
fn a_miss_fails_naming_group_rule_request_and_variant() {
    let mut g = healthy_gate();
    g[0].1 = Some(app());
    let c = run(&None, &AclExpect::default(), &g, &benign(200, 0));
    assert_eq!(c.verdict, Verdict::Fail);
    assert!(
        c.summary.contains("AWSManagedRulesSQLiRuleSet/SQLi_URIPATH not enforced: GET /search/1'%20OR%20'1'='1 answered 200 by stable"),
        "{}",
        c.summary
    );
    assert_eq!(ev(&c).gate[0].outcome, "missed");
    assert!(
        ev(&c).gate[0]
            .curl
            .starts_with("curl -X GET 'https://app.example/search/")
    );
}

#[test]
fn rate_limited_or_unresolved_is_inconclusive_never_pass() {
    let mut g = healthy_gate();
    g[1].1 = Some(limited());
    let c = run(&None, &AclExpect::default(), &g, &benign(200, 0));
    assert_eq!(c.verdict, Verdict::Inconclusive, "{}", c.summary);
    assert!(c.summary.contains("rate-limited by rate-limit-per-ip"));
    g[1].1 = Some(GateAnswer::default());
    let c = run(&None, &AclExpect::default(), &g, &benign(200, 0));
    assert_eq!(c.verdict, Verdict::Inconclusive);
    // A miss elsewhere still FAILs.
    g[0].1 = Some(app());
    assert_eq!(
        run(&None, &AclExpect::default(), &g, &benign(200, 0)).verdict,
        Verdict::Fail
    );
}

#[test]
fn a_group_not_deployed_is_not_applicable_and_not_sent() {
    let acl = acl_with(&[(COMMON, "none")]);
    let g = vec![
        healthy_gate()[1].clone(),
        (req(SQLI, "SQLi_BODY", "/"), None),
    ];
    let c = run(&acl, &AclExpect::default(), &g, &benign(200, 0));
    assert_eq!(c.verdict, Verdict::Pass, "{}", c.summary);
    let sqli = ev(&c).gate_groups.iter().find(|x| x.group == SQLI).unwrap();
    assert_eq!((sqli.coverage.as_str(), sqli.sent), (NOT_DEPLOYED, 0));
}

#[test]
fn nothing_testable_is_inconclusive() {
    let acl = acl_with(&[(IPREP, "none")]);
    let c = run(&acl, &AclExpect::default(), &[], &benign(200, 0));
    assert_eq!(c.verdict, Verdict::Inconclusive, "{}", c.summary);
}

#[test]
fn false_positive_interval_exact_and_ceiling_on_the_lower_bound() {
    // Exact Clopper–Pearson bounds (95 %), by bisection on the binomial CDF:
    // 0/200: [0, 0.0182753]; 5/200: [0.0081662, 0.0573744]; 10/200: [0.0242342, 0.0900275].
    let g = healthy_gate();
    let fp = |c: &CheckResult| ev(c).false_positive_rate.clone().unwrap();
    let c0 = run(&None, &AclExpect::default(), &g, &benign(200, 0));
    assert!((fp(&c0).high - 0.018_275_34).abs() < 1e-6);
    assert_eq!(fp(&c0).low, 0.0);
    let c5 = run(&None, &AclExpect::default(), &g, &benign(200, 5));
    assert!(
        (fp(&c5).low - 0.008_166_17).abs() < 1e-6 && (fp(&c5).high - 0.057_374_35).abs() < 1e-6
    );
    assert!(fp(&c5).low < FP_CEILING);
    assert_eq!(
        c5.verdict,
        Verdict::Pass,
        "lower bound 0.82% <= 1%: {}",
        c5.summary
    );
    let c10 = run(&None, &AclExpect::default(), &g, &benign(200, 10));
    assert!((fp(&c10).low - 0.024_234_17).abs() < 1e-6);
    assert_eq!(c10.verdict, Verdict::Fail);
    assert!(
        c10.summary.contains("lower bound 2.4% > ceiling 1.0%"),
        "{}",
        c10.summary
    );
    assert_eq!(ev(&c10).false_positives.len(), 10);
}

#[test]
fn acl_findings_fail_on_missing_other_name_count_mode_and_missing_group() {
    let e = AclExpect {
        name: Some("app-prod".into()),
        groups: Some(vec![SQLI.into(), COMMON.into()]),
    };
    let none = acl::findings(&Some(Ok(None)), &e);
    assert_eq!(
        none.fails,
        vec!["no WebACL is associated with the load balancer".to_string()]
    );
    let other = Some(Ok(Some(WebAclInfo {
        name: "legacy".into(),
        ..Default::default()
    })));
    let f = acl::findings(&other, &e);
    assert!(
        f.fails[0].contains("\"legacy\"") && f.fails[0].contains("\"app-prod\""),
        "{:?}",
        f.fails
    );
    assert!(
        f.fails
            .iter()
            .any(|x| x.contains(SQLI) && x.contains("expected but not"))
    );
    let count = acl_with(&[(SQLI, "count"), (COMMON, "none")]);
    let f = acl::findings(&count, &e);
    assert_eq!(f.fails.len(), 1, "{:?}", f.fails);
    assert!(f.fails[0].contains("AWSManagedRulesSQLiRuleSet is in Count mode"));
    let unread = acl::findings(&Some(Err("HTTP 500".into())), &e);
    assert!(
        unread.fails.is_empty() && unread.notes[0].contains("not available from this endpoint")
    );
    // In the check: a configuration finding FAILs even when every request is blocked.
    let c = run(&count, &e, &healthy_gate(), &benign(200, 0));
    assert_eq!(c.verdict, Verdict::Fail);
    assert!(c.summary.contains("Count mode"));
}
