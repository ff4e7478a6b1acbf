//! Connection timeouts that hyper's HTTP/1 server lacks in the form a target behind a
//! load balancer needs.
//!
//! hyper's own `header_read_timeout` also runs while a keep-alive connection sits idle,
//! so it would close idle proxy connections after a few seconds; AWS advises targets to
//! keep idle connections open longer than the ALB idle timeout (60 s), or requests
//! racing the close get 502. This guard separates the two bounds:
//!
//! - **head timeout** (slowloris): armed by the first byte of a request head, disarmed
//!   when hyper hands the parsed request to the service; on expiry the read fails and
//!   hyper drops the connection.
//! - **idle timeout**: a connection with no traffic and no request in progress reads
//!   EOF after it, which hyper treats as a clean close.
//!
//! The service marks request start and end on the shared [`ConnState`].

use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::time::{Instant, Sleep, sleep};

/// Per-connection request bookkeeping shared by the guard and the service.
///
/// `seq` is odd while a request is in the service and even between requests; the
/// guard remembers the `seq` at which it armed the head timer, so any later change
/// disarms it.
#[derive(Debug, Default)]
pub struct ConnState {
    seq: AtomicU64,
}

impl ConnState {
    /// The service got a complete request head.
    pub fn request_started(&self) {
        self.seq.fetch_add(1, Ordering::AcqRel);
    }

    /// The service produced the response (the request body was read before).
    pub fn request_finished(&self) {
        self.seq.fetch_add(1, Ordering::AcqRel);
    }

    fn seq(&self) -> u64 {
        self.seq.load(Ordering::Acquire)
    }
}

/// An I/O stream with head and idle timeouts.
#[derive(Debug)]
pub struct Guarded<T> {
    inner: T,
    state: Arc<ConnState>,
    head_timeout: Duration,
    idle_timeout: Duration,
    /// Deadline for the current request head and the `seq` when it was armed.
    head: Option<(Pin<Box<Sleep>>, u64)>,
    idle: Pin<Box<Sleep>>,
}

impl<T> Guarded<T> {
    /// Wraps `inner`.
    pub fn new(
        inner: T,
        state: Arc<ConnState>,
        head_timeout: Duration,
        idle_timeout: Duration,
    ) -> Self {
        Guarded {
            inner,
            state,
            head_timeout,
            idle_timeout,
            head: None,
            idle: Box::pin(sleep(idle_timeout)),
        }
    }

    fn touch(&mut self) {
        self.idle.as_mut().reset(Instant::now() + self.idle_timeout);
    }
}

impl<T: AsyncRead + Unpin> AsyncRead for Guarded<T> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = &mut *self;
        let seq = this.state.seq();
        let in_request = seq % 2 == 1;
        if this.head.as_ref().is_some_and(|(_, armed)| *armed != seq) {
            this.head = None;
        }
        let before = buf.filled().len();
        match Pin::new(&mut this.inner).poll_read(cx, buf) {
            Poll::Ready(Ok(())) => {
                if buf.filled().len() > before {
                    this.touch();
                    if !in_request && this.head.is_none() {
                        let mut timer = Box::pin(sleep(this.head_timeout));
                        // Register the waker so expiry wakes a pending read.
                        let _ = timer.as_mut().poll(cx);
                        this.head = Some((timer, seq));
                    }
                }
                Poll::Ready(Ok(()))
            }
            Poll::Ready(Err(e)) => Poll::Ready(Err(e)),
            Poll::Pending => {
                if let Some((timer, _)) = this.head.as_mut() {
                    if timer.as_mut().poll(cx).is_ready() {
                        return Poll::Ready(Err(io::Error::new(
                            io::ErrorKind::TimedOut,
                            "request head not received in time",
                        )));
                    }
                } else if !in_request && this.idle.as_mut().poll(cx).is_ready() {
                    // EOF: hyper closes an idle connection cleanly.
                    return Poll::Ready(Ok(()));
                }
                Poll::Pending
            }
        }
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for Guarded<T> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        data: &[u8],
    ) -> Poll<io::Result<usize>> {
        let res = Pin::new(&mut self.inner).poll_write(cx, data);
        if matches!(res, Poll::Ready(Ok(n)) if n > 0) {
            self.touch();
        }
        res
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let res = Pin::new(&mut self.inner).poll_write_vectored(cx, bufs);
        if matches!(res, Poll::Ready(Ok(n)) if n > 0) {
            self.touch();
        }
        res
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt, duplex};

    const HEAD: Duration = Duration::from_millis(100);
    const IDLE: Duration = Duration::from_millis(400);

    #[tokio::test]
    async fn partial_head_times_out() {
        let (mut client, server) = duplex(64);
        let state = Arc::new(ConnState::default());
        let mut g = Guarded::new(server, state, HEAD, IDLE);
        client.write_all(b"GET / HT").await.unwrap();
        let mut buf = [0u8; 64];
        assert_eq!(g.read(&mut buf).await.unwrap(), 8);
        let err = g.read(&mut buf).await.unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::TimedOut);
    }

    #[tokio::test]
    async fn idle_connection_reads_eof_after_idle_timeout_only() {
        let (_client, server) = duplex(64);
        let mut g = Guarded::new(server, Arc::new(ConnState::default()), HEAD, IDLE);
        let t = Instant::now();
        let mut buf = [0u8; 8];
        assert_eq!(g.read(&mut buf).await.unwrap(), 0);
        assert!(t.elapsed() >= IDLE, "closed after {:?}", t.elapsed());
    }

    #[tokio::test]
    async fn request_in_service_is_never_timed_out() {
        let (mut client, server) = duplex(64);
        let state = Arc::new(ConnState::default());
        let mut g = Guarded::new(server, state.clone(), HEAD, IDLE);
        client.write_all(b"GET / HTTP/1.1\r\n\r\n").await.unwrap();
        let mut buf = [0u8; 64];
        assert!(g.read(&mut buf).await.unwrap() > 0);
        state.request_started();
        // A slow handler: nothing arrives for longer than both timeouts.
        let r = tokio::time::timeout(IDLE * 3, g.read(&mut buf)).await;
        assert!(
            r.is_err(),
            "read must stay pending while a request is served"
        );
        state.request_finished();
        // The next head gets its own fresh deadline.
        client.write_all(b"GET").await.unwrap();
        assert_eq!(g.read(&mut buf).await.unwrap(), 3);
        let err = g.read(&mut buf).await.unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::TimedOut);
    }
}
