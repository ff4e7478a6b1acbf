//! The two listeners and the drain.
//!
//! poem's `Server` exposes neither hyper's HTTP/1 limits nor `TCP_NODELAY`, so the
//! accept loop is ours: hyper's HTTP/1 connection (head buffer and header-count caps)
//! over a [`Guarded`] socket (head and idle timeouts) with `TCP_NODELAY`, dispatching
//! into the poem endpoints of [`crate::routes`].
//!
//! Shutdown (SIGTERM) has two phases. **Deregistration**: `/health` answers 503 at
//! once but the application listener keeps serving for `shutdown_delay`, because the
//! load balancer goes on sending requests until the target group's deregistration
//! delay ends (ECS signals the task while the target is still draining at the ALB).
//! **Drain**: the application listener stops
//! accepting, keep-alive connections close after their current response, in-flight
//! requests finish; then the health listener closes too. The whole drain is bounded by
//! `drain_timeout`, after which remaining connections are dropped.

use std::convert::Infallible;
use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::combinators::BoxBody;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use poem::endpoint::BoxEndpoint;
use poem::http::uri::Scheme;
use poem::web::{LocalAddr, RemoteAddr};
use poem::{Addr, Endpoint, EndpointExt, Response};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::{JoinHandle, JoinSet};
use tokio::time::Instant;

use crate::config::Config;
use crate::guard::{ConnState, Guarded};
use crate::routes::{app_endpoint, health_endpoint};
use crate::state::AppState;

/// hyper's read buffer cap: a request head larger than this is refused by hyper itself
/// with a bare 431 (no attribution headers). Heads between [`crate::edge::MAX_HEAD_BYTES`]
/// and this get the service's attributed 431.
pub const HYPER_MAX_BUF_BYTES: usize = 64 * 1024;
/// hyper's cap on the number of request headers (bare 431 beyond).
pub const HYPER_MAX_HEADERS: usize = 100;
/// Pause after a failed `accept` (e.g. out of file descriptors) to avoid spinning.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(50);

type DynEndpoint = Arc<BoxEndpoint<'static, Response>>;

/// Per-connection settings.
#[derive(Clone, Copy, Debug)]
struct ConnLimits {
    head_timeout: Duration,
    idle_timeout: Duration,
}

/// A running service: both listeners bound and serving in the background.
#[derive(Debug)]
pub struct Running {
    /// Actual address of the application listener (port 0 resolved).
    pub app_addr: SocketAddr,
    /// Actual address of the health listener (port 0 resolved).
    pub health_addr: SocketAddr,
    state: Arc<AppState>,
    drain_timeout: Duration,
    shutdown_delay: Duration,
    /// Becomes `Some(start)` when the drain begins.
    drain_tx: watch::Sender<Option<Instant>>,
    /// Tells the health listener to close (after the app listener drained).
    health_stop_tx: watch::Sender<bool>,
    app_task: JoinHandle<()>,
    health_task: JoinHandle<()>,
}

/// Binds both listeners (port 0 allowed) and serves them in the background.
pub async fn start(cfg: Config) -> io::Result<Running> {
    let app_listener = bind(cfg.app_addr, canary_contract::ENV_APP_PORT).await?;
    let health_listener = bind(cfg.health_addr, canary_contract::ENV_HEALTH_PORT).await?;
    let app_addr = app_listener.local_addr()?;
    let health_addr = health_listener.local_addr()?;
    let state = Arc::new(AppState::new(&cfg));
    let limits = ConnLimits {
        head_timeout: cfg.header_read_timeout,
        idle_timeout: cfg.idle_timeout,
    };

    let (drain_tx, drain_rx) = watch::channel(None::<Instant>);
    let (health_stop_tx, health_stop_rx) = watch::channel(false);

    let app_ep: DynEndpoint = Arc::new(app_endpoint(state.clone()).boxed());
    let health_ep: DynEndpoint = Arc::new(health_endpoint(state.clone()).boxed());
    let app_stop = {
        let mut rx = drain_rx;
        async move {
            let _ = rx.wait_for(Option::is_some).await;
        }
    };
    let health_stop = {
        let mut rx = health_stop_rx;
        async move {
            let _ = rx.wait_for(|stop| *stop).await;
        }
    };
    let app_task = tokio::spawn(serve(app_listener, app_ep, limits, app_stop));
    let health_task = tokio::spawn(serve(health_listener, health_ep, limits, health_stop));
    tracing::info!(
        app = %app_addr,
        health = %health_addr,
        release = %cfg.release,
        variant = %cfg.variant,
        "listening"
    );
    Ok(Running {
        app_addr,
        health_addr,
        state,
        drain_timeout: cfg.drain_timeout,
        shutdown_delay: cfg.shutdown_delay,
        drain_tx,
        health_stop_tx,
        app_task,
        health_task,
    })
}

async fn bind(addr: SocketAddr, var: &str) -> io::Result<TcpListener> {
    TcpListener::bind(addr)
        .await
        .map_err(|e| io::Error::new(e.kind(), format!("cannot listen on {addr} ({var}): {e}")))
}

impl Running {
    /// Starts the deregistration phase: `/health` answers 503 from now on, while `GET /`
    /// is still served on new and kept-alive connections. Idempotent.
    pub fn begin_deregistration(&self) {
        if !self.state.draining.swap(true, Ordering::SeqCst) {
            tracing::info!(
                delay_s = self.shutdown_delay.as_secs_f64(),
                "deregistering: health answers 503, still serving"
            );
        }
    }

    /// Starts the drain: `/health` answers 503 from now on, the application listener
    /// stops accepting and its connections close once their current request is done.
    /// Idempotent.
    pub fn begin_drain(&self) {
        if !self.state.draining.swap(true, Ordering::SeqCst) {
            tracing::info!(timeout_s = self.drain_timeout.as_secs_f64(), "draining");
        }
        self.drain_tx.send_if_modified(|started| {
            if started.is_none() {
                *started = Some(Instant::now());
                true
            } else {
                false
            }
        });
    }

    /// Resolves once the service stopped: after [`Running::begin_drain`], when all
    /// in-flight requests finished, or at the latest `drain_timeout` after the drain
    /// began (remaining connections are then dropped). Without a drain it resolves
    /// only if both listeners stop by themselves, which they do not.
    pub async fn wait(mut self) -> io::Result<()> {
        let mut drain_rx = self.drain_tx.subscribe();
        let drain_timeout = self.drain_timeout;
        let deadline = async move {
            let started = match drain_rx.wait_for(Option::is_some).await {
                Ok(started) => started.unwrap_or_else(Instant::now),
                Err(_) => return std::future::pending().await,
            };
            tokio::time::sleep_until(started + drain_timeout).await;
        };
        tokio::pin!(deadline);

        let timed_out = tokio::select! {
            res = &mut self.app_task => { join_result(res)?; false }
            () = &mut deadline => true,
        };
        if timed_out {
            self.app_task.abort();
            tracing::warn!("drain timeout: dropping connections still open");
        }
        let _ = self.health_stop_tx.send(true);
        let timed_out = timed_out
            || tokio::select! {
                res = &mut self.health_task => { join_result(res)?; false }
                () = &mut deadline => true,
            };
        if timed_out {
            self.health_task.abort();
        }
        tracing::info!(timed_out, "stopped");
        Ok(())
    }

    /// The SIGTERM path: [`Running::begin_deregistration`], keep serving for the
    /// shutdown delay, then [`Running::begin_drain`] and [`Running::wait`].
    pub async fn shutdown(self) -> io::Result<()> {
        self.begin_deregistration();
        if !self.shutdown_delay.is_zero() {
            tokio::time::sleep(self.shutdown_delay).await;
        }
        self.begin_drain();
        self.wait().await
    }

    /// Whether the drain began.
    pub fn is_draining(&self) -> bool {
        self.state.is_draining()
    }
}

impl Drop for Running {
    /// A dropped `Running` stops serving at once (tests never leak listeners).
    fn drop(&mut self) {
        self.app_task.abort();
        self.health_task.abort();
    }
}

fn join_result(res: Result<(), tokio::task::JoinError>) -> io::Result<()> {
    match res {
        Ok(()) => Ok(()),
        Err(e) if e.is_cancelled() => Ok(()),
        Err(e) => Err(io::Error::other(format!("listener task failed: {e}"))),
    }
}

/// Accepts until `stop`, then lets every connection finish its current request.
/// Connections are owned by a `JoinSet`, so aborting this task drops them all.
async fn serve(
    listener: TcpListener,
    ep: DynEndpoint,
    limits: ConnLimits,
    stop: impl std::future::Future<Output = ()>,
) {
    let (conn_stop_tx, conn_stop_rx) = watch::channel(false);
    let mut conns = JoinSet::new();
    tokio::pin!(stop);
    loop {
        tokio::select! {
            () = &mut stop => break,
            res = listener.accept() => match res {
                Ok((stream, peer)) => {
                    conns.spawn(serve_conn(stream, peer, ep.clone(), limits, conn_stop_rx.clone()));
                }
                Err(e) => {
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(ACCEPT_BACKOFF).await;
                }
            },
            Some(_) = conns.join_next(), if !conns.is_empty() => {}
        }
    }
    drop(listener);
    let _ = conn_stop_tx.send(true);
    while conns.join_next().await.is_some() {}
}

async fn serve_conn(
    stream: TcpStream,
    peer: SocketAddr,
    ep: DynEndpoint,
    limits: ConnLimits,
    mut stop: watch::Receiver<bool>,
) {
    // Small responses must not wait for Nagle + delayed ACK (~40 ms behind nginx).
    let _ = stream.set_nodelay(true);
    let local = stream
        .local_addr()
        .map(|a| LocalAddr(Addr::SocketAddr(a)))
        .unwrap_or_default();
    let remote = RemoteAddr(Addr::SocketAddr(peer));
    let conn_state = Arc::new(ConnState::default());
    let io = Guarded::new(
        stream,
        conn_state.clone(),
        limits.head_timeout,
        limits.idle_timeout,
    );

    let service = hyper::service::service_fn(move |req: hyper::Request<Incoming>| {
        let ep = ep.clone();
        let conn_state = conn_state.clone();
        let local = local.clone();
        let remote = remote.clone();
        async move {
            conn_state.request_started();
            let req = poem::Request::from((req, local, remote, Scheme::HTTP));
            let resp = ep.get_response(req).await;
            conn_state.request_finished();
            Ok::<hyper::Response<BoxBody<Bytes, io::Error>>, Infallible>(resp.into())
        }
    });

    let mut builder = http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        // The guard implements the head timeout without closing idle connections.
        .header_read_timeout(None)
        .max_buf_size(HYPER_MAX_BUF_BYTES)
        .max_headers(HYPER_MAX_HEADERS)
        .keep_alive(true);
    let conn = builder.serve_connection(TokioIo::new(io), service);
    tokio::pin!(conn);
    tokio::select! {
        res = conn.as_mut() => {
            if let Err(e) = res {
                tracing::debug!(error = %e, %peer, "connection ended with error");
            }
            return;
        }
        _ = stop.wait_for(|s| *s) => {}
    }
    conn.as_mut().graceful_shutdown();
    if let Err(e) = conn.await {
        tracing::debug!(error = %e, %peer, "connection ended with error during drain");
    }
}
