//! What every request and response passes through, on both listeners: request head
//! and body limits, a panic guard, the attribution headers (`x-release`,
//! `x-variant`) by which the harness tells stable from canary, and one JSON access-log
//! line. Error responses (404, 405, 413, 431, 503) get the same treatment as 200s.

use std::sync::Arc;
use std::time::Instant;

use poem::http::header::{ALLOW, CONNECTION, CONTENT_LENGTH};
use poem::http::{HeaderValue, StatusCode};
use poem::middleware::{CatchPanic, CatchPanicEndpoint};
use poem::{Endpoint, EndpointExt, Request, Response};

use crate::state::AppState;

/// The attribution headers, from the contract shared with the harness.
pub use canary_contract::{HEADER_RELEASE, HEADER_VARIANT};
/// Largest request body read. No route takes a body; 1 MiB matches nginx's default
/// `client_max_body_size`. Bodies are always read in full (up to this) so a keep-alive
/// connection from a proxy never desynchronises on unread bytes.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;
/// Largest request head (request line + headers) answered normally; beyond it 431.
/// nginx's default `large_client_header_buffers` allow 8 KiB per line.
pub const MAX_HEAD_BYTES: usize = 16 * 1024;
/// Methods every route of this service accepts (sent in `Allow` on 405).
pub const ALLOWED_METHODS: &str = "GET, HEAD";
/// Longest path written to the access log.
const MAX_LOGGED_PATH: usize = 256;

/// Which listener a request arrived on (logged).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Listener {
    /// The application port (80).
    App,
    /// The health port (8080).
    Health,
}

impl Listener {
    fn as_str(self) -> &'static str {
        match self {
            Listener::App => "app",
            Listener::Health => "health",
        }
    }
}

/// Wraps a route with limits, panic guard, attribution headers and access log.
pub struct Edge<E> {
    inner: CatchPanicEndpoint<E, ()>,
    state: Arc<AppState>,
    listener: Listener,
    release: HeaderValue,
    variant: HeaderValue,
}

impl<E: Endpoint> Edge<E> {
    /// Wraps `inner`.
    pub fn new(inner: E, state: Arc<AppState>, listener: Listener) -> Self {
        // `Config` validated the release as visible ASCII; fall back defensively.
        let release = HeaderValue::from_str(&state.release)
            .unwrap_or_else(|_| HeaderValue::from_static("invalid"));
        let variant = HeaderValue::from_static(state.variant.as_str());
        Edge {
            inner: inner.with(CatchPanic::new()),
            state,
            listener,
            release,
            variant,
        }
    }
}

impl<E> std::fmt::Debug for Edge<E> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Edge")
            .field("listener", &self.listener)
            .finish_non_exhaustive()
    }
}

/// Approximate size of the request head as sent on the wire.
fn head_bytes(req: &Request) -> usize {
    let line = req.method().as_str().len() + req.uri().to_string().len() + 12;
    req.headers()
        .iter()
        .map(|(k, v)| k.as_str().len() + v.len() + 4)
        .sum::<usize>()
        + line
}

fn declared_length(req: &Request) -> Option<u64> {
    req.headers()
        .get(CONTENT_LENGTH)?
        .to_str()
        .ok()?
        .parse()
        .ok()
}

fn closing(status: StatusCode, msg: &'static str) -> Response {
    Response::builder()
        .status(status)
        .header(CONNECTION, "close")
        .content_type("text/plain; charset=utf-8")
        .body(msg)
}

impl<E: Endpoint> Endpoint for Edge<E> {
    type Output = Response;

    async fn call(&self, mut req: Request) -> poem::Result<Response> {
        let started = Instant::now();
        let method = req.method().clone();
        let path: String = req.uri().path().chars().take(MAX_LOGGED_PATH).collect();

        let mut resp = if head_bytes(&req) > MAX_HEAD_BYTES {
            closing(
                StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
                "request head too large\n",
            )
        } else if declared_length(&req).is_some_and(|n| n > MAX_BODY_BYTES as u64) {
            closing(StatusCode::PAYLOAD_TOO_LARGE, "request body too large\n")
        } else {
            match req.take_body().into_bytes_limit(MAX_BODY_BYTES).await {
                Ok(body) => {
                    req.set_body(body);
                    self.inner.get_response(req).await
                }
                Err(poem::error::ReadBodyError::PayloadTooLarge) => {
                    closing(StatusCode::PAYLOAD_TOO_LARGE, "request body too large\n")
                }
                Err(_) => closing(StatusCode::BAD_REQUEST, "unreadable request body\n"),
            }
        };

        if resp.status() == StatusCode::METHOD_NOT_ALLOWED {
            resp.headers_mut()
                .insert(ALLOW, HeaderValue::from_static(ALLOWED_METHODS));
        }
        let headers = resp.headers_mut();
        headers.insert(HEADER_RELEASE, self.release.clone());
        headers.insert(HEADER_VARIANT, self.variant.clone());

        tracing::info!(
            target: "access",
            listener = self.listener.as_str(),
            method = %method,
            path = %path,
            status = resp.status().as_u16(),
            latency_ms = started.elapsed().as_secs_f64() * 1000.0,
            variant = self.state.variant.as_str(),
            release = %self.state.release,
            "request"
        );
        Ok(resp)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{Config, Variant};
    use crate::routes::{app_endpoint, health_endpoint};
    use poem::http::{Method, Uri};
    use proptest::prelude::*;

    fn state() -> Arc<AppState> {
        Arc::new(AppState::new(&Config::for_test(Variant::Canary, "r-prop")))
    }

    fn method() -> impl Strategy<Value = Method> {
        prop_oneof![
            Just(Method::GET),
            Just(Method::HEAD),
            Just(Method::POST),
            Just(Method::PUT),
            Just(Method::DELETE),
            Just(Method::OPTIONS),
            Just(Method::PATCH),
            Just(Method::TRACE),
            "[A-Z]{1,12}".prop_map(|m| Method::from_bytes(m.as_bytes()).unwrap()),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

        /// Whatever the request, both listeners answer (no panic) with a non-5xx
        /// status and both attribution headers.
        #[test]
        fn any_request_is_answered_and_attributed(
            method in method(),
            path in "/[ -~]{0,200}",
            headers in proptest::collection::vec(("[a-z][a-z0-9-]{0,30}", "[ -~]{0,300}"), 0..12),
            body in proptest::collection::vec(any::<u8>(), 0..4096),
            health in any::<bool>(),
        ) {
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
            let st = state();
            let ep = if health { health_endpoint(st).boxed() } else { app_endpoint(st).boxed() };
            // Arbitrary printable paths that are not valid URIs cannot reach the
            // service (hyper rejects them with 400), so they are skipped.
            let Ok(uri) = path.parse::<Uri>() else { return Ok(()); };
            let mut req = Request::builder().method(method).uri(uri).body(body);
            for (name, value) in &headers {
                if let (Ok(n), Ok(v)) = (
                    poem::http::HeaderName::from_bytes(name.as_bytes()),
                    HeaderValue::from_str(value.trim()),
                ) {
                    req.headers_mut().append(n, v);
                }
            }
            let resp = rt.block_on(ep.get_response(req));
            prop_assert!(!resp.status().is_server_error(), "status {}", resp.status());
            prop_assert_eq!(resp.headers().get(HEADER_RELEASE).unwrap(), "r-prop");
            prop_assert_eq!(resp.headers().get(HEADER_VARIANT).unwrap(), "canary");
        }
    }

    #[test]
    fn head_size_counts_headers() {
        let small = Request::builder().uri_str("/").finish();
        let big = Request::builder()
            .uri_str("/")
            .header("x-a", "a".repeat(1000))
            .finish();
        assert!(head_bytes(&big) >= head_bytes(&small) + 1000);
    }
}
