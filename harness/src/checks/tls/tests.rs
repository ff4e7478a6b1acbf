//! Unit tests of the pure TLS judge.

use super::*;
use crate::checks::tls::cert::LeafInfo;

const NOW: i64 = 1_800_000_000;

fn settings() -> TlsSettings {
    TlsSettings {
        min_cert_days: crate::config::DEFAULT_MIN_CERT_DAYS,
        require_hsts: false,
        hsts_min_max_age: None,
    }
}

fn probe(version: &str, accepted: bool) -> ProbeFinding {
    ProbeFinding {
        probe: ProtocolProbe {
            version: version.into(),
            accepted,
            detail: "x".into(),
        },
        conclusive: true,
    }
}

fn answer(status: u16, location: Option<&str>) -> RedirectAnswer {
    RedirectAnswer {
        probed: url::Url::parse("http://app.example.com/p/a%2Fb?q=1&r=%26").unwrap(),
        status,
        location: location.map(str::to_string),
    }
}

fn healthy() -> TlsObservation {
    TlsObservation {
        host: "app.example.com".into(),
        https_url: url::Url::parse("https://app.example.com/").unwrap(),
        handshake: Handshake {
            leaf: Some(LeafInfo {
                subject: "CN=app.example.com".into(),
                sans: vec!["app.example.com".into()],
                issuer: "CN=ca".into(),
                not_after_unix: NOW + 90 * DAY_S,
                key_type: "ECDSA P-256".into(),
                serial: "1f2e".into(),
                sha256: "ab".repeat(32),
            }),
            error: None,
            negotiated: "TLS 1.3".into(),
        },
        probes: vec![
            probe("TLS 1.0", false),
            probe("TLS 1.1", false),
            probe("TLS 1.2", true),
            probe("TLS 1.3", true),
        ],
        redirect: Some(Ok(answer(
            301,
            Some("https://app.example.com:443/p/a%2Fb?q=1&r=%26"),
        ))),
        hsts: Some(Ok(Some(31_536_000))),
        now_unix: NOW,
    }
}

#[test]
fn healthy_passes_with_evidence() {
    let r = judge(&healthy(), &settings(), None);
    assert_eq!(r.verdict, Verdict::Pass, "{}", r.summary);
    let Evidence::Tls(e) = r.evidence else {
        panic!("no TLS evidence")
    };
    assert_eq!(e.days_left, 90);
    assert_eq!(e.hsts_max_age, Some(31_536_000));
    assert!(e.chain_valid);
}

#[test]
fn each_fault_fails() {
    let mut expired = healthy();
    expired.handshake.error = Some("certificate expired: x".into());
    let mut soon = healthy();
    soon.handshake.leaf.as_mut().unwrap().not_after_unix = NOW + 5 * DAY_S;
    let mut legacy = healthy();
    legacy.probes[1] = probe("TLS 1.1", true);
    let mut no_redirect = healthy();
    no_redirect.redirect = Some(Ok(answer(200, None)));
    let mut refused = healthy();
    refused.redirect = Some(Err("connection refused".into()));
    for (name, obs) in [
        ("expired", expired),
        ("soon", soon),
        ("legacy", legacy),
        ("no_redirect", no_redirect),
        ("refused", refused),
    ] {
        assert_eq!(
            judge(&obs, &settings(), None).verdict,
            Verdict::Fail,
            "{name}"
        );
    }
}

#[test]
fn hsts_is_a_warning_unless_required() {
    let mut obs = healthy();
    obs.hsts = Some(Ok(None));
    let r = judge(&obs, &settings(), None);
    assert_eq!(r.verdict, Verdict::Pass);
    assert_eq!(r.warnings.len(), 1);
    let strict = TlsSettings {
        require_hsts: true,
        ..settings()
    };
    assert_eq!(judge(&obs, &strict, None).verdict, Verdict::Fail);
    // --hsts-min-max-age: missing or shorter FAILs, long enough PASSes.
    let min_year = TlsSettings {
        hsts_min_max_age: Some(31_536_000),
        ..settings()
    };
    let r = judge(&obs, &min_year, None);
    assert_eq!(r.verdict, Verdict::Fail, "{}", r.summary);
    assert!(
        r.summary.contains("no Strict-Transport-Security"),
        "{}",
        r.summary
    );
    obs.hsts = Some(Ok(Some(86_400)));
    let r = judge(&obs, &min_year, None);
    assert_eq!(r.verdict, Verdict::Fail);
    assert!(
        r.summary.contains("max-age=86400 is below"),
        "{}",
        r.summary
    );
    assert_eq!(judge(&obs, &settings(), None).verdict, Verdict::Pass);
    obs.hsts = Some(Ok(Some(31_536_000)));
    assert_eq!(judge(&obs, &min_year, None).verdict, Verdict::Pass);
}

#[test]
fn min_cert_days_defaults_to_21_and_is_configurable() {
    assert_eq!(crate::config::DEFAULT_MIN_CERT_DAYS, 21);
    let at = |days: i64| {
        let mut obs = healthy();
        obs.handshake.leaf.as_mut().unwrap().not_after_unix = NOW + days * DAY_S;
        obs
    };
    assert_eq!(judge(&at(21), &settings(), None).verdict, Verdict::Pass);
    let r = judge(&at(20), &settings(), None);
    assert_eq!(r.verdict, Verdict::Fail);
    assert!(
        r.summary.contains("expires in 20 days (< 21 required)"),
        "{}",
        r.summary
    );
    let lax = TlsSettings {
        min_cert_days: 7,
        ..settings()
    };
    assert_eq!(judge(&at(20), &lax, None).verdict, Verdict::Pass);
    assert_eq!(judge(&at(6), &lax, None).verdict, Verdict::Fail);
}

#[test]
fn a_redirect_that_drops_the_query_fails_naming_it() {
    let mut obs = healthy();
    obs.redirect = Some(Ok(answer(301, Some("https://app.example.com:443/p/a%2Fb"))));
    let r = judge(&obs, &settings(), None);
    assert_eq!(r.verdict, Verdict::Fail);
    assert!(r.summary.contains("query dropped"), "{}", r.summary);
    let Evidence::Tls(e) = r.evidence else {
        panic!("no TLS evidence")
    };
    assert!(!e.redirect.unwrap().ok);
    // The listener's declared status is the one expected.
    let declared_308 = TlsTruth {
        redirect_status: Some(308),
        ..TlsTruth::default()
    };
    let r = judge(&healthy(), &settings(), Some(&declared_308));
    assert!(
        r.summary.contains("status 301, the listener declares 308"),
        "{}",
        r.summary
    );
}

#[test]
fn unclear_probe_or_no_certificate_is_inconclusive() {
    let mut obs = healthy();
    obs.probes[0].conclusive = false;
    assert_eq!(
        judge(&obs, &settings(), None).verdict,
        Verdict::Inconclusive
    );
    let mut obs = healthy();
    obs.handshake.leaf = None;
    obs.handshake.error = Some("TLS handshake timed out".into());
    assert_eq!(
        judge(&obs, &settings(), None).verdict,
        Verdict::Inconclusive
    );
}

#[test]
fn compares_the_control_plane() {
    let not_after = cert::rfc3339(NOW + 90 * DAY_S);
    let good = TlsTruth {
        ssl_policy: Some(policy::RECOMMENDED_POLICY.into()),
        certificate_arn: Some("arn:aws:acm:eu-west-1:1:certificate/x".into()),
        acm_not_after: Some(not_after.clone()),
        acm_serial: Some("1f2e".into()),
        acm_sha256: Some("ab".repeat(32)),
        redirect_status: Some(301),
    };
    let r = judge(&healthy(), &settings(), Some(&good));
    assert_eq!(r.verdict, Verdict::Pass, "{}", r.summary);
    let old_policy = TlsTruth {
        ssl_policy: Some("ELBSecurityPolicy-2016-08".into()),
        ..good.clone()
    };
    assert_eq!(
        judge(&healthy(), &settings(), Some(&old_policy)).verdict,
        Verdict::Fail
    );
    let other_cert = TlsTruth {
        acm_not_after: Some(cert::rfc3339(NOW + 400 * DAY_S)),
        ..good.clone()
    };
    let r = judge(&healthy(), &settings(), Some(&other_cert));
    assert_eq!(r.verdict, Verdict::Fail);
    assert!(
        r.summary
            .contains("not serving the listener's ACM certificate")
    );
    assert!(r.summary.contains("(not-after differ)"), "{}", r.summary);
    // Same not-after, another certificate: the fingerprint and serial tell.
    let same_day = TlsTruth {
        acm_serial: Some("99".into()),
        acm_sha256: Some("cd".repeat(32)),
        ..good.clone()
    };
    let r = judge(&healthy(), &settings(), Some(&same_day));
    assert_eq!(r.verdict, Verdict::Fail);
    assert!(
        r.summary.contains("SHA-256 fingerprint, serial differ")
            && r.summary.contains("served serial 1f2e")
            && r.summary.contains("has serial 99"),
        "{}",
        r.summary
    );
    // ACM gave only the not-after (moto without GetCertificate): compared on it alone.
    let only_date = TlsTruth {
        acm_serial: None,
        acm_sha256: None,
        ..good
    };
    assert_eq!(
        judge(&healthy(), &settings(), Some(&only_date)).verdict,
        Verdict::Pass
    );
}

#[test]
fn days_are_whole_days_truncated_toward_zero() {
    let at = |secs: i64| {
        let mut obs = healthy();
        obs.handshake.leaf.as_mut().unwrap().not_after_unix = NOW + secs;
        let r = judge(&obs, &settings(), None);
        let Evidence::Tls(e) = &r.evidence else {
            panic!("no TLS evidence")
        };
        (e.days_left, r.verdict, r.summary.clone())
    };
    // 20.9 days left is 20, under the 21 required.
    let (d, v, s) = at(21 * DAY_S - DAY_S / 10);
    assert_eq!((d, v), (20, Verdict::Fail), "{s}");
    assert!(s.contains("expires in 20 days"), "{s}");
    assert_eq!(at(21 * DAY_S).1, Verdict::Pass);
    // Expired 1.1 days ago is "1 day ago" (flooring said -2).
    let (d, v, s) = at(-(DAY_S + DAY_S / 10));
    assert_eq!((d, v), (-1, Verdict::Fail), "{s}");
    assert!(s.contains("expired 1 days ago"), "{s}");
    // Expired a minute ago: 0 whole days, still expired.
    let (d, v, s) = at(-60);
    assert_eq!((d, v), (0, Verdict::Fail), "{s}");
    assert!(s.contains("expired 0 days ago"), "{s}");
}
