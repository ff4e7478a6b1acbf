//! Real servers on port 0 for the TLS and WAF checks: a tokio-rustls HTTPS server
//! with rcgen certificates (valid, expired, wrong host, untrusted CA), a plain HTTP
//! redirector, and raw TCP servers that answer a legacy ClientHello with an alert, a
//! ServerHello or a close. Shared by `tls` and `waf`.

use std::net::SocketAddr;
use std::sync::Arc;

use harness::checks::tls::TlsSettings;
use harness::endpoint::Endpoint;
use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair};
use rustls_pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

pub const HOST: &str = "app.test";

/// Aborts the server tasks when the test ends, even on panic.
pub struct Servers(pub Vec<JoinHandle<()>>);

impl Drop for Servers {
    fn drop(&mut self) {
        for h in &self.0 {
            h.abort();
        }
    }
}

pub struct Pki {
    ca_pem: String,
    leaf: CertificateDer<'static>,
    key: PrivateKeyDer<'static>,
}

pub enum Leaf {
    Valid,
    Expired,
    WrongHost,
}

pub fn pki(kind: Leaf) -> Pki {
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

pub async fn listen() -> (TcpListener, SocketAddr) {
    let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let a = l.local_addr().unwrap();
    (l, a)
}

pub async fn read_head<S: tokio::io::AsyncRead + Unpin>(s: &mut S) -> String {
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

pub fn https_server(l: TcpListener, pki: &Pki) -> JoinHandle<()> {
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

pub fn http_server(l: TcpListener, https_port: u16, redirect: bool) -> JoinHandle<()> {
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
pub fn raw_server(l: TcpListener, answer: Vec<u8>) -> JoinHandle<()> {
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

pub struct Setup {
    pub endpoint: Endpoint,
    _servers: Servers,
    _ca: tempfile::NamedTempFile,
}

pub async fn setup(kind: Leaf, pass_ca: bool, redirect: bool) -> Setup {
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

pub fn settings() -> TlsSettings {
    TlsSettings {
        min_cert_days: 21,
        require_hsts: false,
        hsts_min_max_age: None,
    }
}
