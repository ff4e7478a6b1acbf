//! The AWS control plane of the twin: a `moto_server` process on a free loopback port.
//! The process is killed when the [`MotoServer`] is dropped (tests clean up even when
//! they fail) and, through a parent-death signal, when this process dies without
//! unwinding; unless started to outlive it and [`MotoServer::detach`]ed for `harness
//! twin up`, in which case `twin down` ends it by the pid in the twin's state file.

use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use crate::error::{Error, Result};
use crate::twin::host::{prereq, process};

/// The moto executable (PyPI `moto[server]`, in the venv `scripts/setup.sh` makes).
const MOTO_BIN: &str = prereq::MOTO_SERVER;
/// How long moto may take to accept connections (~0.3 s measured).
const READY_TIMEOUT: Duration = Duration::from_secs(20);
/// Attempts with a fresh port when another process grabs ours first.
const PORT_ATTEMPTS: usize = 5;
/// moto's switch for its catalogue of public AMIs, which it loads into the EC2 backend
/// on the first EC2 call (the seed's `CreateVpc`). The twin runs Fargate tasks and
/// reads no image: off, the first EC2 call takes ~0.2 s less CPU (1.36 s → 1.13 s
/// measured), for every twin and world.
const LOAD_DEFAULT_AMIS: (&str, &str) = ("MOTO_EC2_LOAD_DEFAULT_AMIS", "false");

/// A running moto server; killed on drop unless detached.
#[derive(Debug)]
pub struct MotoServer {
    /// e.g. `http://127.0.0.1:41234`.
    pub endpoint_url: String,
    /// Listening port.
    pub port: u16,
    child: Option<Child>,
}

impl MotoServer {
    /// Starts `moto_server` on a free port and waits until it answers. The server
    /// dies with the thread that started it, even when this process is killed
    /// without unwinding (Linux parent-death signal through util-linux `setpriv`).
    pub async fn start() -> Result<Self> {
        Self::start_with(false).await
    }

    /// As [`MotoServer::start`]; with `outlive_parent` the server survives this
    /// process (`harness twin up`, ended later by `twin down`).
    pub async fn start_with(outlive_parent: bool) -> Result<Self> {
        let Some(bin) = prereq::moto_server() else {
            let venv = prereq::moto_venv().map_or_else(
                || format!("${}", prereq::MOTO_VENV_ENV),
                |v| v.display().to_string(),
            );
            return Err(Error::Prerequisite(format!(
                "{MOTO_BIN} not found in {venv}/bin or on PATH"
            )));
        };
        let mut last_error = String::new();
        for _ in 0..PORT_ATTEMPTS {
            // The port may be taken before moto binds it: the loop retries.
            let port = process::free_port().map_err(|e| Error::io("finding a free port", e))?;
            let mut child = match process::command(&bin, !outlive_parent)
                .args(["-H", "127.0.0.1", "-p", &port.to_string()])
                .env(LOAD_DEFAULT_AMIS.0, LOAD_DEFAULT_AMIS.1)
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
            {
                Ok(c) => c,
                Err(e) => return Err(Error::io(format!("starting {MOTO_BIN}"), e)),
            };
            match wait_ready(&mut child, port).await {
                Ok(()) => {
                    return Ok(MotoServer {
                        endpoint_url: format!("http://127.0.0.1:{port}"),
                        port,
                        child: Some(child),
                    });
                }
                Err(e) => {
                    let _ = child.kill();
                    let _ = child.wait();
                    last_error = e;
                }
            }
        }
        Err(Error::Runtime(format!(
            "{MOTO_BIN} did not start after {PORT_ATTEMPTS} attempts: {last_error}"
        )))
    }

    /// Process id of the server.
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }

    /// Leaves the server running past this value's life (`twin up`; `twin down`
    /// stops it by the pid in the twin's state file).
    pub fn detach(mut self) {
        self.child.take();
    }
}

impl Drop for MotoServer {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

async fn wait_ready(child: &mut Child, port: u16) -> std::result::Result<(), String> {
    let client = reqwest::Client::builder()
        .timeout(PROBE_TIMEOUT)
        .build()
        .map_err(|e| format!("http client: {e}"))?;
    let started = Instant::now();
    loop {
        if let Ok(Some(status)) = child.try_wait() {
            return Err(format!("exited with {status} (port {port} taken?)"));
        }
        // Only moto's own answer counts. Another process (seen: a docker-proxy of a
        // container's port mapping) can take the port between `free_port` and moto's
        // bind; moto then exits and the port answers for someone else, with 404s to
        // every AWS call.
        match moto_answers(&client, port).await {
            Some(true) if matches!(child.try_wait(), Ok(None)) => return Ok(()),
            Some(_) => {
                return Err(format!(
                    "port {port} answers, but not as moto (taken by another process)"
                ));
            }
            None => {}
        }
        if started.elapsed() > READY_TIMEOUT {
            return Err(format!(
                "not listening on port {port} after {READY_TIMEOUT:?}"
            ));
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Path every moto server answers with 200 and a JSON body (its state dump).
const MOTO_PROBE: &str = "/moto-api/data.json";
/// How long one probe may take before the next attempt.
const PROBE_TIMEOUT: Duration = Duration::from_secs(2);

/// Whether the server on `port` answers [`MOTO_PROBE`] with 200 (`Some(false)`: it
/// answers otherwise; `None`: no answer yet, try again).
async fn moto_answers(client: &reqwest::Client, port: u16) -> Option<bool> {
    let url = format!("http://127.0.0.1:{port}{MOTO_PROBE}");
    let answer = client.get(url).send().await.ok()?;
    Some(answer.status() == reqwest::StatusCode::OK)
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    /// A one-shot server on port 0 that answers any request with `status_line`.
    async fn answering(status_line: &'static str) -> u16 {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            let (mut s, _) = listener.accept().await.unwrap();
            let mut buf = [0u8; 512];
            let _ = s.read(&mut buf).await;
            let _ = s
                .write_all(format!("{status_line}\r\nContent-Length: 2\r\n\r\n{{}}").as_bytes())
                .await;
        });
        addr.port()
    }

    /// Only a server answering moto's state path with 200 counts as moto: a foreign
    /// listener on the port (a docker-proxy forwarding to the app gives 404) does not.
    #[tokio::test]
    async fn only_moto_counts_as_ready() {
        let client = reqwest::Client::new();
        let ok = answering("HTTP/1.1 200 OK").await;
        assert_eq!(moto_answers(&client, ok).await, Some(true));
        let foreign = answering("HTTP/1.1 404 Not Found").await;
        assert_eq!(moto_answers(&client, foreign).await, Some(false));
    }
}
