//! The TLS 1.0/1.1 probe over the network: dial, send the hand-built ClientHello, read
//! the first record of the answer. I/O only; the bytes live in `client_hello`.

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use super::client_hello::{self, LegacyVersion, NEEDED, ServerAnswer};
use crate::endpoint::Endpoint;
use crate::error::{Error, Result};

/// Offers `version` to the endpoint and returns the server's answer. A timeout while
/// waiting for the answer is reported as `Other` (not a refusal: the probe learned
/// nothing).
pub async fn probe(
    endpoint: &Endpoint,
    version: LegacyVersion,
    timeout: Duration,
) -> Result<ServerAnswer> {
    let host = endpoint.host().to_string();
    let addr = endpoint.socket_addr(&host, endpoint.port()).await?;
    let mut tcp = tokio::time::timeout(timeout, TcpStream::connect(addr))
        .await
        .map_err(|_| Error::Unreachable(format!("{host} ({addr}): connect timed out")))?
        .map_err(|e| Error::Unreachable(format!("{host} ({addr}): {e}")))?;
    let random: [u8; 32] = rand::random();
    let hello = client_hello::build(version, &host, random);
    let exchange = async {
        tcp.write_all(&hello).await?;
        let mut buf = Vec::with_capacity(NEEDED);
        let mut chunk = [0u8; 64];
        while buf.len() < NEEDED {
            match tcp.read(&mut chunk).await {
                Ok(0) => break,
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
                // A reset after the alert (or instead of it) is a refusal too.
                Err(e) if buf.is_empty() => return Err(e),
                Err(_) => break,
            }
            // An alert record is complete at 7 bytes.
            if buf.len() >= 7 && buf[0] == 21 {
                break;
            }
        }
        Ok(buf)
    };
    match tokio::time::timeout(timeout, exchange).await {
        Err(_) => Ok(ServerAnswer::Other(format!("no answer within {timeout:?}"))),
        Ok(Err(e)) if is_reset(&e) => Ok(ServerAnswer::Closed),
        Ok(Err(e)) => Err(Error::Unreachable(format!("{host} ({addr}): {e}"))),
        Ok(Ok(buf)) => Ok(client_hello::parse(&buf)),
    }
}

fn is_reset(e: &std::io::Error) -> bool {
    matches!(
        e.kind(),
        std::io::ErrorKind::ConnectionReset
            | std::io::ErrorKind::ConnectionAborted
            | std::io::ErrorKind::BrokenPipe
            | std::io::ErrorKind::UnexpectedEof
    )
}
