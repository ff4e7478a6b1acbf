//! Tests of the posture decision: verdicts for report-only, floors met, below and
//! straddled (values from the exact Clopper–Pearson interval), rate-limited answers,
//! and the error rate of the floor rule computed exactly.
use super::*;
use crate::corpus::{Encoding, Placement, Probe};
use crate::result::FloorOutcome;

fn settings(overall: Option<f64>, cats: &[(&str, f64)]) -> PostureSettings {
    PostureSettings {
        block_status: 403,
        floors: PostureFloors {
            overall,
            categories: cats.iter().map(|(c, f)| (c.to_string(), *f)).collect(),
        },
        rps: 100.0,
        concurrency: 4,
        alpha: 0.05,
        timeout: Duration::from_secs(1),
        request: RequestSpec::default(),
        curl: curl::CurlContext {
            base: "https://app.example.com".into(),
            ..Default::default()
        },
    }
}

fn probe(cat: &str, i: usize) -> Probe {
    Probe {
        id: format!("{cat}/query/plain/{i}"),
        category: cat.into(),
        placement: Placement::Query,
        encoding: Encoding::Plain,
        method: "GET",
        path_and_query: format!("/?q={cat}{i}"),
        headers: vec![],
        body: None,
    }
}

const BLOCK: Answer = Answer {
    status: Some(403),
    attributed: false,
    waf_rule: false,
};
const PASS: Answer = Answer {
    status: Some(200),
    attributed: true,
    waf_rule: false,
};
const LIMITED: Answer = Answer {
    status: Some(429),
    attributed: false,
    waf_rule: true,
};

/// `blocked` of `n` sqli requests blocked, the rest passed.
fn run(s: &PostureSettings, n: usize, blocked: usize) -> CheckResult {
    let probes: Vec<Probe> = (0..n).map(|i| probe("sqli", i)).collect();
    let answers: Vec<Answer> = (0..n)
        .map(|i| if i < blocked { BLOCK } else { PASS })
        .collect();
    judge(s, &probes, &answers)
}

fn evidence(c: &CheckResult) -> &crate::result::PostureEvidence {
    match &c.evidence {
        Evidence::WafPosture(e) => e,
        other => panic!("{other:?}"),
    }
}

#[test]
fn without_a_floor_it_reports_only() {
    let c = run(&settings(None, &[]), 100, 40);
    assert_eq!(c.verdict, Verdict::Pass);
    assert!(
        c.summary.starts_with("report only (no floor set)"),
        "{}",
        c.summary
    );
    let e = evidence(&c);
    assert_eq!((e.overall.blocked, e.overall.passed), (40, 60));
    assert_eq!(e.missed.len(), 60);
    assert!(
        e.missed[0]
            .curl
            .starts_with("curl -sS -g --path-as-is -X GET")
    );
    assert_eq!(e.missed[0].id, "sqli/query/plain/40");
    assert!(e.floors.is_empty());
    assert_eq!(e.cells.len(), 1);
    assert_eq!(e.by_placement[0].placement, "query");
}

/// 95 of 100: the 95% Clopper–Pearson interval is [0.8872, 0.9836] (R's
/// `binom.test(95, 100)`). One floor: no Bonferroni adjustment.
#[test]
fn a_floor_is_met_straddled_or_missed_by_the_interval() {
    let met = run(&settings(Some(0.85), &[]), 100, 95);
    assert_eq!(met.verdict, Verdict::Pass, "{}", met.summary);
    assert!(met.summary.starts_with("1 floor(s) met"));
    let f = &evidence(&met).floors[0];
    assert!((f.low - 0.8872).abs() < 1e-4 && (f.high - 0.9836).abs() < 1e-4);
    let straddles = run(&settings(Some(0.9), &[]), 100, 95);
    assert_eq!(straddles.verdict, Verdict::Inconclusive);
    assert_eq!(
        evidence(&straddles).floors[0].outcome,
        FloorOutcome::Straddles
    );
    let below = run(&settings(Some(0.99), &[]), 100, 95);
    assert_eq!(below.verdict, Verdict::Fail, "{}", below.summary);
    assert!(
        below.summary.contains("overall 95.0% vs floor 99.0%"),
        "{}",
        below.summary
    );
}

#[test]
fn category_floors_are_judged_on_their_category_at_the_adjusted_level() {
    let s = settings(Some(0.5), &[("sqli", 0.99)]);
    let c = run(&s, 100, 95);
    assert_eq!(c.verdict, Verdict::Fail);
    let e = evidence(&c);
    assert_eq!(e.floors.len(), 2);
    assert_eq!(e.floors[1].scope, "sqli");
    // Two floors: each interval at 1 − 0.05/2, wider than the 95% one.
    let ci = crate::stats::binomial::clopper_pearson(95, 100, 0.025);
    assert_eq!((e.floors[1].low, e.floors[1].high), (ci.low, ci.high));
    assert!(e.floors[1].low < e.by_category[0].ci_low);
    // A category with no request at all has the vacuous interval: never FAIL.
    let c = run(&settings(None, &[("xss", 0.9)]), 10, 10);
    assert_eq!(c.verdict, Verdict::Inconclusive);
}

#[test]
fn rate_limited_answers_are_never_blocks() {
    // Even when the configured block status is 429.
    let mut s = settings(None, &[]);
    s.block_status = 429;
    assert_eq!(classify(&LIMITED, 429), PostureOutcome::RateLimited);
    assert_eq!(classify(&LIMITED, 403), PostureOutcome::RateLimited);
    let plain_429 = Answer {
        waf_rule: false,
        ..LIMITED
    };
    assert_eq!(classify(&plain_429, 429), PostureOutcome::Blocked);
    assert_eq!(classify(&PASS, 403), PostureOutcome::Passed);
    // 10 of 100 rate-limited (> 5%): INCONCLUSIVE, a warning says why.
    let probes: Vec<Probe> = (0..100).map(|i| probe("sqli", i)).collect();
    let answers: Vec<Answer> = (0..100)
        .map(|i| if i < 10 { LIMITED } else { BLOCK })
        .collect();
    let c = judge(&settings(None, &[]), &probes, &answers);
    assert_eq!(c.verdict, Verdict::Inconclusive, "{}", c.summary);
    assert_eq!(evidence(&c).overall.blocked, 90);
    assert_eq!(evidence(&c).overall.rate_limited, 10);
    assert!(c.warnings[0].contains("rate rule"), "{:?}", c.warnings);
    // Nothing resolved at all.
    let c = judge(&settings(None, &[]), &probes, &vec![LIMITED; 100]);
    assert_eq!(c.verdict, Verdict::Inconclusive);
    assert!(
        c.summary
            .starts_with("no attack request got a usable answer")
    );
}

/// The floor rule FAILs a WAF whose true block rate equals the floor with
/// probability at most α/2 (exact: the binomial sum over every count whose upper
/// bound lies below the floor), here for n = 200, floor 0.9, α = 0.05.
#[test]
fn false_fail_rate_is_at_most_half_alpha_exactly() {
    use statrs::distribution::{Binomial, Discrete};
    let (n, p, alpha) = (200u64, 0.9, 0.05);
    let b = Binomial::new(p, n).unwrap();
    let false_fail: f64 = (0..=n)
        .filter(|&x| crate::stats::binomial::clopper_pearson(x, n, alpha).high < p)
        .map(|x| b.pmf(x))
        .sum();
    assert!(false_fail <= alpha / 2.0, "{false_fail}");
    assert!(false_fail > 0.005, "the rule can fail: {false_fail}");
}

#[test]
fn floors_are_validated() {
    let f = |overall, cats: &[(&str, f64)]| PostureFloors {
        overall,
        categories: cats.iter().map(|(c, x)| (c.to_string(), *x)).collect(),
    };
    assert!(f(Some(0.9), &[("sqli", 0.8)]).validate().is_ok());
    assert!(f(Some(1.5), &[]).validate().is_err());
    assert!(f(Some(0.0), &[]).validate().is_err());
    assert!(f(None, &[("no-such", 0.8)]).validate().is_err());
    assert!(f(None, &[("xss", f64::NAN)]).validate().is_err());
    let parsed = PostureFloors::parse_category_flags(&["sqli=0.9".into()]).unwrap();
    assert_eq!(parsed["sqli"], 0.9);
    assert!(PostureFloors::parse_category_flags(&["sqli".into()]).is_err());
    assert!(PostureFloors::parse_category_flags(&["sqli=x".into()]).is_err());
}
