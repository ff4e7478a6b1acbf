//! The per-slot connections against a real rustls + hyper server on port 0: reuse,
//! fresh connections, address spreading and fallback, attribution, and errors
//! (refused, untrusted certificate) as outcomes rather than panics; and the sampling
//! loop over them, whose looks must fall on exact request counts.

use std::convert::Infallible;
use std::sync::atomic::{AtomicUsize, Ordering};

use http_body_util::Full;
use hyper::service::service_fn;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};

use super::*;
use crate::twin::{CertProfile, Pki};

const HOST: &str = "sampler.test";
const TIMEOUT: Duration = Duration::from_secs(10);

/// A TLS server answering every request as `x-variant: canary`, `x-release: v2`;
/// returns its address and the number of connections it accepted.
async fn server(pki: &Pki) -> (SocketAddr, Arc<AtomicUsize>) {
    let (addr, accepted, _) = recording_server(pki).await;
    (addr, accepted)
}

/// Path, query and headers of one request the server received.
type Seen = Arc<std::sync::Mutex<Vec<(String, hyper::HeaderMap)>>>;

/// [`server`] that also records each request and answers with a sticky-session
/// `Set-Cookie` (as an ALB with stickiness does).
async fn recording_server(pki: &Pki) -> (SocketAddr, Arc<AtomicUsize>, Seen) {
    let seen: Seen = Arc::default();
    let certs: Vec<CertificateDer<'static>> =
        CertificateDer::pem_slice_iter(format!("{}{}", pki.cert_pem, pki.ca_pem).as_bytes())
            .collect::<std::result::Result<_, _>>()
            .unwrap();
    let key = PrivateKeyDer::from_pem_slice(pki.key_pem.as_bytes()).unwrap();
    let config = rustls::ServerConfig::builder_with_provider(crate::endpoint::provider())
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let accepted = Arc::new(AtomicUsize::new(0));
    let count = accepted.clone();
    let log = seen.clone();
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            count.fetch_add(1, Ordering::SeqCst);
            let acceptor = acceptor.clone();
            let log = log.clone();
            tokio::spawn(async move {
                let Ok(tls) = acceptor.accept(tcp).await else {
                    return;
                };
                let svc = service_fn(move |req: hyper::Request<hyper::body::Incoming>| {
                    let pq = req.uri().path_and_query().map(|p| p.to_string());
                    log.lock()
                        .unwrap()
                        .push((pq.unwrap_or_default(), req.headers().clone()));
                    async {
                        Ok::<_, Infallible>(
                            hyper::Response::builder()
                                .header(VARIANT_HEADER, "canary")
                                .header(RELEASE_HEADER, "v2")
                                .header("set-cookie", "AWSALBTG=sticky; Path=/")
                                .body(Full::new(Bytes::from_static(b"hello")))
                                .unwrap(),
                        )
                    }
                });
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(tls), svc)
                    .await;
            });
        }
    });
    (addr, accepted, seen)
}

/// An address nothing listens on (bound, then released).
fn closed_addr() -> SocketAddr {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap()
}

fn endpoint(ca: &Pki) -> Endpoint {
    Endpoint {
        url: url::Url::parse(&format!("https://{HOST}/")).unwrap(),
        http_url: url::Url::parse(&format!("http://{HOST}/")).unwrap(),
        resolve: Vec::new(),
        ca_pem: Some(ca.ca_pem.as_bytes().to_vec()),
    }
}

fn target(ca: &Pki, addrs: Vec<SocketAddr>) -> Arc<Target> {
    let endpoint = endpoint(ca);
    Arc::new(Target::with_addrs(&endpoint, &RequestSpec::default(), addrs, TIMEOUT).unwrap())
}

fn issue() -> Pki {
    Pki::issue(HOST, CertProfile::Valid).unwrap()
}

fn assert_canary(outcome: &RequestOutcome) {
    match outcome {
        RequestOutcome::Response {
            status: 200,
            attribution: Attribution::Canary(Some(release)),
            ..
        } if release == "v2" => {}
        other => panic!("expected a canary v2 response, got {other:?}"),
    }
}

/// A slot reuses its connection (20 requests, 1 connection) unless asked for fresh
/// ones (5 requests, 5 connections).
#[tokio::test]
async fn connections_per_request_follow_the_fresh_option() {
    let pki = issue();
    for (fresh, requests, connections) in [(false, 20, 1), (true, 5, 5)] {
        let (addr, accepted) = server(&pki).await;
        let mut slot = Slot::new(target(&pki, vec![addr]), 0, fresh);
        for _ in 0..requests {
            assert_canary(&slot.request().await);
        }
        assert_eq!(
            accepted.load(Ordering::SeqCst),
            connections,
            "fresh {fresh}"
        );
    }
}

#[tokio::test]
async fn slots_spread_over_addresses_and_fall_back() {
    let pki = issue();
    let (a, on_a) = server(&pki).await;
    let (b, on_b) = server(&pki).await;
    let t = target(&pki, vec![a, b]);
    for index in 0..4 {
        assert_canary(&Slot::new(t.clone(), index, false).request().await);
    }
    assert_eq!(
        (on_a.load(Ordering::SeqCst), on_b.load(Ordering::SeqCst)),
        (2, 2)
    );
    // The preferred address refuses: the next one serves.
    let mut slot = Slot::new(target(&pki, vec![closed_addr(), a]), 0, false);
    assert_canary(&slot.request().await);
}

#[tokio::test]
async fn refused_and_untrusted_are_transport_errors() {
    let pki = issue();
    let mut slot = Slot::new(target(&pki, vec![closed_addr()]), 0, false);
    match slot.request().await {
        RequestOutcome::TransportError(msg) => assert!(msg.contains("refused"), "{msg}"),
        other => panic!("{other:?}"),
    }
    // A server whose certificate another CA issued is never trusted.
    let (addr, _) = server(&pki).await;
    let mut slot = Slot::new(target(&issue(), vec![addr]), 0, false);
    match slot.request().await {
        RequestOutcome::TransportError(msg) => {
            assert!(msg.contains("certificate"), "{msg}");
            assert!(!msg.contains('\n'));
        }
        other => panic!("{other:?}"),
    }
}

/// `--path` and `--header` reach the server on every request, and the sampler never
/// returns the cookie the server set (ALB stickiness must not pin the sample).
#[tokio::test]
async fn sends_path_and_headers_and_keeps_no_cookies() {
    let pki = issue();
    let (addr, _, seen) = recording_server(&pki).await;
    let spec = RequestSpec::parse(Some("/api/x"), &["X-Group:beta".into()]).unwrap();
    let t = Arc::new(Target::with_addrs(&endpoint(&pki), &spec, vec![addr], TIMEOUT).unwrap());
    for fresh in [false, true] {
        let mut slot = Slot::new(t.clone(), 0, fresh);
        for _ in 0..3 {
            assert_canary(&slot.request().await);
        }
    }
    let seen = seen.lock().unwrap();
    assert_eq!(seen.len(), 6);
    for (pq, headers) in seen.iter() {
        assert_eq!(pq, "/api/x");
        assert_eq!(headers["x-group"], "beta");
        assert!(!headers.contains_key("cookie"), "cookie sent: {headers:?}");
    }
}

/// The whole sampler against the server: with 16 workers recording their own outcomes,
/// every look still sees exactly the planned request count (the first after
/// `batch_size`, then as many more as the previous look asked for), a stop leaves the
/// summary at the look that stopped (outcomes completed meanwhile are not counted),
/// and a run that reaches `max_requests` mid-batch gets one last look at the total.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn looks_fall_on_exact_counts_and_a_stop_counts_nothing_after_it() {
    let pki = issue();
    let (addr, _) = server(&pki).await;
    let mut ep = endpoint(&pki);
    ep.url = url::Url::parse(&format!("https://{HOST}:{}/", addr.port())).unwrap();
    ep.resolve = vec![crate::endpoint::Resolve {
        host: HOST.into(),
        port: addr.port(),
        addr,
    }];
    let cfg = |max| crate::sample::SamplerConfig {
        endpoint: ep.clone(),
        request: RequestSpec::default(),
        max_requests: max,
        concurrency: 16,
        rps: None,
        timeout: TIMEOUT,
        fresh_connections: false,
        batch_size: 7,
        quiet: true,
    };
    let steps = [3u64, 11, 1, 29, 5];
    let mut seen = Vec::new();
    let summary = crate::sample::sample(&cfg(10_000), |s| {
        seen.push(s.requests);
        steps.get(seen.len() - 1).copied()
    })
    .await
    .unwrap();
    assert_eq!(seen, [7, 10, 21, 22, 51, 56]);
    assert_eq!(summary.requests, 56, "a stop counts nothing after its look");
    assert_eq!(summary.canary.responses, 56);

    let mut seen = Vec::new();
    let summary = crate::sample::sample(&cfg(40), |s| {
        seen.push(s.requests);
        Some(15)
    })
    .await
    .unwrap();
    assert_eq!(
        seen,
        [7, 22, 37, 40],
        "the partial last batch is looked at once"
    );
    assert_eq!(summary.requests, 40);
}
