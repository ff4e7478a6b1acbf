//! TLS and WAF checks against real servers started on port 0: a tokio-rustls HTTPS
//! server with rcgen certificates (valid, expired, wrong host, untrusted CA), a plain
//! HTTP redirector, and raw TCP servers that answer a legacy ClientHello with an alert,
//! a ServerHello or a close.

use std::net::SocketAddr;
use std::sync::Arc;

use harness::checks::tls::client_hello::{LegacyVersion, ServerAnswer};
use harness::checks::tls::{self, TlsSettings};
use harness::endpoint::Endpoint;
use harness::result::{Evidence, Verdict};
use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair};
use rustls_pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

const HOST: &str = "app.test";

/// Aborts the server tasks when the test ends, even on panic.
struct Servers(Vec<JoinHandle<()>>);

impl Drop for Servers {
    fn drop(&mut self) {
        for h in &self.0 {
            h.abort();
        }
    }
}

struct Pki {
    ca_pem: String,
    leaf: CertificateDer<'static>,
    key: PrivateKeyDer<'static>,
}

enum Leaf {
    Valid,
    Expired,
    WrongHost,
}

fn pki(kind: Leaf) -> Pki {
    let ca_key = KeyPair::generate().unwrap();
    let mut ca = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca.distinguished_name
        .push(DnType::CommonName, "harness test CA");
    let ca = CertifiedIssuer::self_signed(ca, ca_key).unwrap();
    let host = match kind {
        Leaf::WrongHost => "other.test",
        _ => HOST,
    };
    let key = KeyPair::generate().unwrap();
    let mut p = CertificateParams::new(vec![host.to_string()]).unwrap();
    p.distinguished_name.push(DnType::CommonName, host);
    let now = time::OffsetDateTime::now_utc();
    match kind {
        Leaf::Expired => {
            p.not_before = now - time::Duration::days(100);
            p.not_after = now - time::Duration::days(2);
        }
        _ => {
            p.not_before = now - time::Duration::days(1);
            p.not_after = now + time::Duration::days(90);
        }
    }
    let leaf = p.signed_by(&key, &ca).unwrap();
    Pki {
        ca_pem: ca.pem(),
        leaf: leaf.der().clone(),
        key: PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der())),
    }
}

async fn listen() -> (TcpListener, SocketAddr) {
    let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let a = l.local_addr().unwrap();
    (l, a)
}

async fn read_head<S: tokio::io::AsyncRead + Unpin>(s: &mut S) -> String {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 1024];
    // Read the head, then the body (Content-Length), so closing never resets the
    // connection under unread data.
    let mut need = usize::MAX;
    while buf.len() < need {
        if need == usize::MAX {
            if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                let head = String::from_utf8_lossy(&buf[..end]).to_ascii_lowercase();
                let len = head
                    .lines()
                    .find_map(|l| l.strip_prefix("content-length:"))
                    .and_then(|v| v.trim().parse::<usize>().ok())
                    .unwrap_or(0);
                need = end + 4 + len;
                continue;
            }
        }
        match s.read(&mut chunk).await {
            Ok(0) | Err(_) => break,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    }
    String::from_utf8_lossy(&buf).into_owned()
}

fn https_server(l: TcpListener, pki: &Pki) -> JoinHandle<()> {
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(vec![pki.leaf.clone()], pki.key.clone_key())
        .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    tokio::spawn(async move {
        loop {
            let Ok((tcp, _)) = l.accept().await else {
                return;
            };
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                let Ok(mut tls) = acceptor.accept(tcp).await else {
                    return;
                };
                read_head(&mut tls).await;
                let body = "HTTP/1.1 200 OK\r\nStrict-Transport-Security: max-age=63072000\r\n\
                            x-variant: stable\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok";
                let _ = tls.write_all(body.as_bytes()).await;
                let _ = tls.shutdown().await;
            });
        }
    })
}

fn http_server(l: TcpListener, https_port: u16, redirect: bool) -> JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            let Ok((mut tcp, _)) = l.accept().await else {
                return;
            };
            tokio::spawn(async move {
                let head = read_head(&mut tcp).await;
                let path = head.split_whitespace().nth(1).unwrap_or("/").to_string();
                let resp = if redirect {
                    format!(
                        "HTTP/1.1 301 Moved Permanently\r\nLocation: https://{HOST}:{https_port}{path}\r\n\
                         Content-Length: 0\r\nConnection: close\r\n\r\n"
                    )
                } else {
                    "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok"
                        .to_string()
                };
                let _ = tcp.write_all(resp.as_bytes()).await;
            });
        }
    })
}

/// Raw TCP server: reads the ClientHello and writes `answer` (empty = close).
fn raw_server(l: TcpListener, answer: Vec<u8>) -> JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            let Ok((mut tcp, _)) = l.accept().await else {
                return;
            };
            let answer = answer.clone();
            tokio::spawn(async move {
                let mut buf = [0u8; 512];
                let _ = tcp.read(&mut buf).await;
                let _ = tcp.write_all(&answer).await;
            });
        }
    })
}

struct Setup {
    endpoint: Endpoint,
    _servers: Servers,
    _ca: tempfile::NamedTempFile,
}

async fn setup(kind: Leaf, pass_ca: bool, redirect: bool) -> Setup {
    let pki = pki(kind);
    let (tl, ta) = listen().await;
    let (hl, ha) = listen().await;
    let servers = Servers(vec![
        https_server(tl, &pki),
        http_server(hl, ta.port(), redirect),
    ]);
    let ca = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(ca.path(), &pki.ca_pem).unwrap();
    let endpoint = Endpoint::new(
        &format!("https://{HOST}:{}/shop?item=1", ta.port()),
        Some(&format!("http://{HOST}:{}/shop?item=1", ha.port())),
        &[
            format!("{HOST}:{}:127.0.0.1", ta.port()),
            format!("{HOST}:{}:127.0.0.1", ha.port()),
        ],
        pass_ca.then(|| ca.path()),
    )
    .unwrap();
    Setup {
        endpoint,
        _servers: servers,
        _ca: ca,
    }
}

fn settings() -> TlsSettings {
    TlsSettings {
        min_cert_days: 21,
        require_hsts: false,
        hsts_min_max_age: None,
    }
}

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

fn waf_settings() -> harness::checks::waf::WafSettings {
    harness::checks::waf::WafSettings {
        block_status: 403,
        rps: 400.0,
        concurrency: 8,
        alpha: 0.05,
        timeout: std::time::Duration::from_secs(5),
        expect: Default::default(),
    }
}

fn print_waf(r: &harness::result::CheckResult) {
    println!("WAF {}: {}", r.verdict, r.summary);
    for w in &r.warnings {
        println!("  warning: {w}");
    }
    if let Evidence::Waf(e) = &r.evidence {
        for c in e.by_category.iter().chain(&e.cells) {
            println!(
                "  {:<20} {:<6} sent {:>4} blocked {:>4} passed {:>4} unresolved {:>3} CI [{:.3}, {:.3}]",
                c.category,
                c.placement,
                c.sent,
                c.blocked,
                c.passed,
                c.unresolved,
                c.ci_low,
                c.ci_high
            );
        }
        for f in &e.false_positives {
            println!("  false positive {}: {}", f.id, f.request);
        }
    }
}

/// An HTTPS app with no WAF in front (the `waf-off` situation): every attack reaches the
/// app, so the check must FAIL with a 0% block rate; no WebACL associated → FAIL too.
#[tokio::test]
async fn no_waf_in_front_fails() {
    let s = setup(Leaf::Valid, true, true).await;
    let fast = harness::checks::waf::WafSettings {
        rps: 2000.0,
        ..waf_settings()
    };
    let r = harness::checks::waf::check(&s.endpoint, &fast, None).await;
    print_waf(&r);
    assert_eq!(r.verdict, Verdict::Fail, "{}", r.summary);
    let Evidence::Waf(e) = &r.evidence else {
        panic!("no WAF evidence")
    };
    assert_eq!(e.attacks_blocked, 0);
    assert_eq!(e.unresolved, 0, "every request reached the app");
    assert!(e.false_positives.is_empty());
    let r = harness::checks::waf::check(&s.endpoint, &fast, Some(Ok(None))).await;
    assert!(r.summary.contains("no WebACL"), "{}", r.summary);
}
