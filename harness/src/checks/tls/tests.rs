//! Unit tests of the pure TLS judge.

use super::*;
use crate::checks::tls::cert::LeafInfo;

const NOW: i64 = 1_800_000_000;

fn settings() -> TlsSettings {
    TlsSettings {
        min_cert_days: 21,
        require_hsts: false,
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

fn healthy() -> TlsObservation {
    TlsObservation {
        host: "app.example.com".into(),
        handshake: Handshake {
            leaf: Some(LeafInfo {
                subject: "CN=app.example.com".into(),
                sans: vec!["app.example.com".into()],
                issuer: "CN=ca".into(),
                not_after_unix: NOW + 90 * DAY_S,
                key_type: "ECDSA P-256".into(),
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
        redirect: Some(Ok(RedirectEvidence {
            probed: "http://app.example.com/".into(),
            status: 301,
            location: Some("https://app.example.com/".into()),
            ok: true,
        })),
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
    no_redirect.redirect = Some(Ok(RedirectEvidence {
        probed: "http://app.example.com/".into(),
        status: 200,
        location: None,
        ok: false,
    }));
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
        ..good
    };
    let r = judge(&healthy(), &settings(), Some(&other_cert));
    assert_eq!(r.verdict, Verdict::Fail);
    assert!(r.summary.contains("not serving the configured certificate"));
}
