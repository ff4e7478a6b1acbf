//! The TLS check against real servers started on port 0 (`support/tls_world.rs`:
//! valid, expired, wrong-host and untrusted certificates, a plain HTTP redirector, raw
//! legacy-handshake answers), on the twin's edge against testssl.sh (`testssl`), and
//! every twin fault that targets TLS.

mod testssl;

use harness::checks::tls;
use harness::checks::tls::client_hello::{LegacyVersion, ServerAnswer};
use harness::config::CheckName;
use harness::endpoint::Endpoint;
use harness::result::{Evidence, Verdict};

use crate::support::tls_world::{HOST, Leaf, Servers, listen, raw_server, settings, setup};

#[tokio::test]
async fn healthy_tls_passes_with_evidence() {
    let s = setup(Leaf::Valid, true, true).await;
    let r = tls::check(&s.endpoint, &settings(), None).await;
    assert_eq!(r.verdict, Verdict::Pass, "{} {:?}", r.summary, r.evidence);
    let Evidence::Tls(e) = r.evidence else {
        panic!("no TLS evidence")
    };
    assert_eq!(e.sans, vec![HOST.to_string()]);
    assert_eq!(e.negotiated, "TLS 1.3");
    assert!((88..=90).contains(&e.days_left), "{}", e.days_left);
    assert_eq!(e.hsts_max_age, Some(63_072_000));
    assert!(e.redirect.as_ref().unwrap().ok);
    // rustls refuses a TLS 1.0/1.1 ClientHello with a fatal alert.
    for p in &e.probes[..2] {
        assert!(!p.accepted, "{p:?}");
        assert!(p.detail.starts_with("fatal alert"), "{p:?}");
    }
    assert!(
        e.probes[2].accepted && e.probes[3].accepted,
        "{:?}",
        e.probes
    );
}

#[tokio::test]
async fn untrusted_ca_fails_and_says_so() {
    let s = setup(Leaf::Valid, false, true).await;
    let r = tls::check(&s.endpoint, &settings(), None).await;
    assert_eq!(r.verdict, Verdict::Fail);
    assert!(r.summary.contains("not trusted"), "{}", r.summary);
    assert!(r.summary.contains("--ca-file"), "{}", r.summary);
}

#[tokio::test]
async fn expired_certificate_fails() {
    let s = setup(Leaf::Expired, true, true).await;
    let r = tls::check(&s.endpoint, &settings(), None).await;
    assert_eq!(r.verdict, Verdict::Fail);
    assert!(r.summary.contains("expired"), "{}", r.summary);
    let Evidence::Tls(e) = r.evidence else {
        panic!("no TLS evidence")
    };
    assert!(e.days_left < 0, "{}", e.days_left);
}

#[tokio::test]
async fn wrong_host_fails() {
    let s = setup(Leaf::WrongHost, true, true).await;
    let r = tls::check(&s.endpoint, &settings(), None).await;
    assert_eq!(r.verdict, Verdict::Fail);
    assert!(r.summary.contains("host name"), "{}", r.summary);
}

#[tokio::test]
async fn missing_redirect_fails() {
    let s = setup(Leaf::Valid, true, false).await;
    let r = tls::check(&s.endpoint, &settings(), None).await;
    assert_eq!(r.verdict, Verdict::Fail);
    assert!(r.summary.contains("expected 301/308"), "{}", r.summary);
}

async fn probe_raw(answer: Vec<u8>, v: LegacyVersion) -> ServerAnswer {
    let (l, a) = listen().await;
    let _servers = Servers(vec![raw_server(l, answer)]);
    let e = Endpoint::new(
        &format!("https://{HOST}:{}/", a.port()),
        None,
        &[format!("{HOST}:{}:127.0.0.1", a.port())],
        None,
    )
    .unwrap();
    tls::legacy::probe(&e, v, std::time::Duration::from_secs(5))
        .await
        .unwrap()
}

#[tokio::test]
async fn legacy_probe_reads_alerts_hellos_and_closes() {
    let alert = probe_raw(vec![21, 3, 1, 0, 2, 2, 40], LegacyVersion::Tls10).await;
    assert_eq!(alert, ServerAnswer::Alert(2, 40));
    let hello = vec![22, 3, 1, 0, 0x2a, 2, 0, 0, 0x26, 3, 1, 0, 0, 0, 0, 0];
    let accepted = probe_raw(hello, LegacyVersion::Tls10).await;
    assert!(accepted.accepted(LegacyVersion::Tls10), "{accepted:?}");
    let closed = probe_raw(vec![], LegacyVersion::Tls11).await;
    assert_eq!(closed, ServerAnswer::Closed);
}

/// Every twin fault whose target is TLS (`Fault::check`) makes the TLS check FAIL.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_tls_fault_fails_tls() {
    crate::faults::each_fails(CheckName::Tls).await;
}
