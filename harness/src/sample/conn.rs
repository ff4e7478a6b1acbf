//! One HTTP/1.1 connection per concurrency slot, over rustls, with hyper's connection
//! API (as oha does): no shared pool to lock, no URL parsing per request. Certificate
//! validation is rustls's WebPKI verifier over the system roots plus the private CA
//! ([`Endpoint::root_store`]); it is never disabled.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Empty};
use hyper::client::conn::http1::SendRequest;
use hyper::header::{HOST, HeaderValue, USER_AGENT};
use hyper_util::rt::TokioIo;
use rustls_pki_types::ServerName;
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;

use super::accumulator::{Attribution, RELEASE_HEADER, RequestOutcome, VARIANT_HEADER};
use super::request::RequestSpec;
use crate::endpoint::Endpoint;
use crate::error::{Error, Result};

/// `User-Agent` of the sampler's requests.
const AGENT: &str = concat!("canary-harness/", env!("CARGO_PKG_VERSION"));

/// Where and how to connect; shared by all slots.
pub(crate) struct Target {
    addrs: Vec<SocketAddr>,
    name: ServerName<'static>,
    tls: TlsConnector,
    host: HeaderValue,
    path: hyper::Uri,
    /// `--header` values, sent with every request. No `Cookie` is ever added by the
    /// sampler: a `Set-Cookie` from the target (e.g. ALB stickiness) is ignored.
    headers: Vec<(hyper::header::HeaderName, HeaderValue)>,
    timeout: Duration,
}

impl std::fmt::Debug for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Target")
            .field("addrs", &self.addrs)
            .field("name", &self.name)
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

impl Target {
    /// Resolves the endpoint once (pins first; every address of the name otherwise)
    /// and builds the TLS client.
    pub(crate) async fn new(
        endpoint: &Endpoint,
        request: &RequestSpec,
        timeout: Duration,
    ) -> Result<Self> {
        let addrs = endpoint
            .socket_addrs(endpoint.host(), endpoint.port())
            .await?;
        Self::with_addrs(endpoint, request, addrs, timeout)
    }

    /// The target at the given addresses (already resolved).
    pub(crate) fn with_addrs(
        endpoint: &Endpoint,
        request: &RequestSpec,
        addrs: Vec<SocketAddr>,
        timeout: Duration,
    ) -> Result<Self> {
        let host = endpoint.host().to_string();
        let port = endpoint.port();
        let provider = crate::endpoint::provider();
        let config = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| Error::failed("building the TLS client config", e))?
            .with_root_certificates(endpoint.root_store()?)
            .with_no_client_auth();
        let name = ServerName::try_from(host.clone())
            .map_err(|e| Error::Config(format!("--url host {host:?}: {e}")))?;
        let url = &endpoint.url;
        let default_port = url.port().is_none();
        let host_header = if default_port {
            host.clone()
        } else {
            format!("{host}:{port}")
        };
        let path = request.path_and_query(url);
        Ok(Target {
            addrs,
            name,
            tls: TlsConnector::from(Arc::new(config)),
            host: HeaderValue::from_str(&host_header)
                .map_err(|e| Error::Config(format!("--url host {host:?}: {e}")))?,
            path: path
                .parse()
                .map_err(|e| Error::Config(format!("--url path {path:?}: {e}")))?,
            headers: request.hyper_headers()?,
            timeout,
        })
    }

    /// Opens a connection, preferring address `first` (slots start on different
    /// addresses so connections spread over the load balancer's nodes) and falling
    /// back to the others when a connect fails.
    async fn connect(
        &self,
        first: usize,
    ) -> std::result::Result<(SendRequest<Empty<Bytes>>, SocketAddr), String> {
        let n = self.addrs.len().max(1);
        let mut last = String::from("no address");
        let mut tcp = None;
        for i in 0..n {
            let addr = self.addrs[(first + i) % n];
            match TcpStream::connect(addr).await {
                Ok(s) => {
                    tcp = Some((addr, s));
                    break;
                }
                Err(e) => last = format!("tcp connect to {addr}: {e}"),
            }
        }
        let (addr, tcp) = tcp.ok_or(last)?;
        let _ = tcp.set_nodelay(true);
        let tls = self
            .tls
            .connect(self.name.clone(), tcp)
            .await
            .map_err(|e| format!("TLS handshake with {addr}: {}", chain(&e)))?;
        let (sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(tls))
            .await
            .map_err(|e| format!("HTTP handshake: {}", chain(&e)))?;
        tokio::spawn(async move {
            // Errors surface on the request side; the connection task only ends.
            let _ = conn.await;
        });
        Ok((sender, addr))
    }
}

/// One concurrency slot: its connection, reused unless `fresh` or broken.
#[derive(Debug)]
pub(crate) struct Slot {
    target: Arc<Target>,
    /// Index of the address this slot connects to first.
    index: usize,
    fresh: bool,
    /// The kept connection and the address (node) it is connected to.
    sender: Option<(SendRequest<Empty<Bytes>>, SocketAddr)>,
}

impl Slot {
    pub(crate) fn new(target: Arc<Target>, index: usize, fresh: bool) -> Self {
        Slot {
            target,
            index,
            fresh,
            sender: None,
        }
    }

    /// Sends one `GET` and reads the whole body, within the per-request timeout
    /// (connect included).
    pub(crate) async fn request(&mut self) -> RequestOutcome {
        let sent = Instant::now();
        let timeout = self.target.timeout;
        match tokio::time::timeout(timeout, self.exchange(sent)).await {
            Ok(Ok(outcome)) => outcome,
            Ok(Err(msg)) => {
                self.sender = None;
                RequestOutcome::TransportError(msg.replace('\n', " "))
            }
            Err(_) => {
                self.sender = None;
                RequestOutcome::Timeout
            }
        }
    }

    async fn exchange(&mut self, sent: Instant) -> std::result::Result<RequestOutcome, String> {
        // A kept connection the server has closed (keep-alive limit, idle timeout) is
        // replaced before the request is written, so it costs no failed request.
        let kept = match self.sender.take() {
            Some((mut s, addr)) if !self.fresh => s.ready().await.is_ok().then_some((s, addr)),
            _ => None,
        };
        let (mut sender, node) = match kept {
            Some(s) => s,
            None => self.target.connect(self.index).await?,
        };
        let mut req = hyper::Request::get(self.target.path.clone())
            .header(HOST, self.target.host.clone())
            .header(USER_AGENT, AGENT);
        for (name, value) in &self.target.headers {
            req = req.header(name, value);
        }
        let req = req
            .body(Empty::<Bytes>::new())
            .map_err(|e| format!("building the request: {e}"))?;
        let resp = sender
            .send_request(req)
            .await
            .map_err(|e| format!("request: {}", chain(&e)))?;
        let status = resp.status().as_u16();
        let header = |name: &str| resp.headers().get(name).and_then(|v| v.to_str().ok());
        let attribution = Attribution::from_headers(header(VARIANT_HEADER), header(RELEASE_HEADER));
        // The response counts once its body is complete (what a user waits for).
        resp.into_body()
            .collect()
            .await
            .map_err(|e| format!("reading the body: {}", chain(&e)))?;
        if !self.fresh {
            self.sender = Some((sender, node));
        }
        Ok(RequestOutcome::Response {
            status,
            attribution,
            latency: sent.elapsed(),
            node: Some(node),
        })
    }
}

/// An error and its sources on one line, so the report says *why*.
fn chain(e: &dyn std::error::Error) -> String {
    let mut msg = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        msg.push_str(": ");
        msg.push_str(&s.to_string());
        source = s.source();
    }
    msg
}

#[cfg(test)]
#[path = "conn_tests.rs"]
mod tests;
