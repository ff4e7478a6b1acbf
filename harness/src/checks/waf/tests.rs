//! Unit tests of the pure WAF judge.

use super::*;

fn settings() -> WafSettings {
    WafSettings {
        block_status: 403,
        min_block_rate: 0.95,
        max_false_positives: 0,
        rps: 100.0,
        concurrency: 4,
        alpha: 0.05,
        timeout: std::time::Duration::from_secs(5),
    }
}

const BLOCK: Answer = Answer {
    status: Some(403),
    attributed: false,
};
const APP: Answer = Answer {
    status: Some(200),
    attributed: true,
};
const PAGE200: Answer = Answer {
    status: Some(200),
    attributed: false,
};
const LIMITED: Answer = Answer {
    status: Some(429),
    attributed: false,
};

fn corpora() -> (Vec<Probe>, Vec<Probe>) {
    (corpus::attacks().unwrap(), corpus::benign().unwrap())
}

/// Attack answers: the first `passed` pass, `odd` get `odd_answer`, the rest blocked.
fn answers(n: usize, passed: usize, odd: usize, odd_answer: Answer) -> Vec<Answer> {
    (0..n)
        .map(|i| {
            if i < passed {
                APP
            } else if i < passed + odd {
                odd_answer
            } else {
                BLOCK
            }
        })
        .collect()
}

#[test]
fn healthy_waf_passes() {
    let (a, b) = corpora();
    let acl = Some(Ok(Some(WebAclInfo::default())));
    let r = judge(
        &settings(),
        acl,
        &a,
        &answers(a.len(), 3, 0, APP),
        &b,
        &vec![APP; b.len()],
    );
    assert_eq!(r.verdict, Verdict::Pass, "{}", r.summary);
    let Evidence::Waf(e) = r.evidence else {
        panic!("no WAF evidence")
    };
    assert_eq!(e.attacks_blocked, a.len() as u64 - 3);
    assert_eq!(e.by_category.len(), corpus::categories().len());
    assert!(e.block_rate_low < e.block_rate && e.block_rate < 1.0);
    assert!(e.web_acl.is_some());
}

#[test]
fn waf_off_fails() {
    let (a, b) = corpora();
    let r = judge(
        &settings(),
        None,
        &a,
        &vec![APP; a.len()],
        &b,
        &vec![APP; b.len()],
    );
    assert_eq!(r.verdict, Verdict::Fail);
    assert!(r.summary.contains("block rate 0.0%"), "{}", r.summary);
}

#[test]
fn false_positive_fails() {
    let (a, b) = corpora();
    let mut ben = vec![APP; b.len()];
    ben[1] = BLOCK;
    let r = judge(&settings(), None, &a, &vec![BLOCK; a.len()], &b, &ben);
    assert_eq!(r.verdict, Verdict::Fail);
    assert!(r.summary.contains(&b[1].id), "{}", r.summary);
    let lenient = WafSettings {
        max_false_positives: 1,
        ..settings()
    };
    let r = judge(&lenient, None, &a, &vec![BLOCK; a.len()], &b, &ben);
    assert_eq!(r.verdict, Verdict::Pass, "{}", r.summary);
}

#[test]
fn no_web_acl_fails_even_if_blocking() {
    let (a, b) = corpora();
    let r = judge(
        &settings(),
        Some(Ok(None)),
        &a,
        &vec![BLOCK; a.len()],
        &b,
        &vec![APP; b.len()],
    );
    assert_eq!(r.verdict, Verdict::Fail);
    assert!(r.summary.contains("no WebACL"));
}

#[test]
fn block_pages_with_200_are_unresolved_not_blocked() {
    let (a, b) = corpora();
    let half = a.len() / 2;
    let r = judge(
        &settings(),
        None,
        &a,
        &answers(a.len(), 0, half, PAGE200),
        &b,
        &vec![APP; b.len()],
    );
    assert_eq!(r.verdict, Verdict::Inconclusive, "{}", r.summary);
    let Evidence::Waf(e) = r.evidence else {
        panic!("no WAF evidence")
    };
    assert_eq!(e.unresolved, half as u64);
}

#[test]
fn nothing_answered_is_inconclusive_and_429s_warn() {
    let (a, b) = corpora();
    let none = Answer {
        status: None,
        attributed: false,
    };
    let r = judge(
        &settings(),
        None,
        &a,
        &vec![none; a.len()],
        &b,
        &vec![none; b.len()],
    );
    assert_eq!(r.verdict, Verdict::Inconclusive);
    let r = judge(
        &settings(),
        None,
        &a,
        &answers(a.len(), 0, 30, LIMITED),
        &b,
        &vec![APP; b.len()],
    );
    assert!(
        r.warnings
            .iter()
            .any(|w| w.contains("rate limiting suspected")),
        "{:?}",
        r.warnings
    );
}
