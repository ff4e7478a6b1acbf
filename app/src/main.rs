//! Binary entry point of the service: JSON logs on stdout, configuration from the
//! environment (exit 2 on a bad value), serve, and on SIGTERM/SIGINT drain and exit 0.
//!
//! `app healthcheck` probes the local health listener and exits 0 only on a 200: the
//! image is `scratch` (no curl), so Docker's `HEALTHCHECK` and an ECS container health
//! check call the binary itself.

use std::io::{Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpStream};
use std::process::ExitCode;
use std::time::Duration;

use tokio::signal::unix::{SignalKind, signal};

/// Exit code for a bad configuration value.
const EXIT_CONFIG: u8 = 2;
/// Exit code when the listeners cannot be bound or the server fails.
const EXIT_RUNTIME: u8 = 4;

/// Bound on each step of `app healthcheck`.
const PROBE_TIMEOUT: Duration = Duration::from_secs(2);

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    match (args.next().as_deref(), args.next()) {
        (None, _) => serve(),
        (Some("healthcheck"), None) => healthcheck(),
        (Some("--version"), None) => {
            println!("app {}", app::config::BUILD_RELEASE);
            ExitCode::SUCCESS
        }
        _ => {
            eprintln!("app: usage: app [healthcheck | --version] (configured by env, see README)");
            ExitCode::from(EXIT_CONFIG)
        }
    }
}

#[tokio::main]
async fn serve() -> ExitCode {
    init_tracing();
    let cfg = match app::Config::from_env() {
        Ok(cfg) => cfg,
        Err(e) => {
            eprintln!("app: configuration: {e}");
            return ExitCode::from(EXIT_CONFIG);
        }
    };
    let running = match app::start(cfg).await {
        Ok(running) => running,
        Err(e) => {
            eprintln!("app: {e}");
            return ExitCode::from(EXIT_RUNTIME);
        }
    };
    if let Err(e) = wait_for_signal().await {
        eprintln!("app: cannot install signal handlers: {e}");
        return ExitCode::from(EXIT_RUNTIME);
    }
    match running.shutdown().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("app: {e}");
            ExitCode::from(EXIT_RUNTIME)
        }
    }
}

/// Resolves on the first SIGTERM (ECS, `docker stop`) or SIGINT (Ctrl-C).
async fn wait_for_signal() -> std::io::Result<()> {
    let mut term = signal(SignalKind::terminate())?;
    let mut int = signal(SignalKind::interrupt())?;
    tokio::select! {
        _ = term.recv() => tracing::info!(signal = "SIGTERM", "shutdown requested"),
        _ = int.recv() => tracing::info!(signal = "SIGINT", "shutdown requested"),
    }
    Ok(())
}

/// One JSON object per line on stdout (CloudWatch-friendly). `RUST_LOG` filters;
/// default `info`.
fn init_tracing() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .json()
        .flatten_event(true)
        .with_current_span(false)
        .with_span_list(false)
        .with_env_filter(filter)
        .with_writer(std::io::stdout)
        .init();
}

/// `GET /health` on `127.0.0.1:HEALTH_PORT`; exit 0 on 200, 1 otherwise (Docker's
/// convention for health checks).
fn healthcheck() -> ExitCode {
    let cfg = match app::Config::from_env() {
        Ok(cfg) => cfg,
        Err(e) => {
            eprintln!("app: configuration: {e}");
            return ExitCode::from(EXIT_CONFIG);
        }
    };
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, cfg.health_addr.port()));
    match probe(addr) {
        Ok(status) if status.starts_with("HTTP/1.1 200") => ExitCode::SUCCESS,
        Ok(status) => {
            eprintln!("app: unhealthy: {status}");
            ExitCode::FAILURE
        }
        Err(e) => {
            eprintln!("app: unhealthy: {addr}: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Returns the status line of `GET /health`.
fn probe(addr: SocketAddr) -> std::io::Result<String> {
    let mut s = TcpStream::connect_timeout(&addr, PROBE_TIMEOUT)?;
    s.set_read_timeout(Some(PROBE_TIMEOUT))?;
    s.set_write_timeout(Some(PROBE_TIMEOUT))?;
    let request = format!(
        "GET {} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n",
        canary_contract::HEALTH_PATH
    );
    s.write_all(request.as_bytes())?;
    let mut head = [0u8; 64];
    let n = s.read(&mut head)?;
    let text = String::from_utf8_lossy(&head[..n]);
    Ok(text.lines().next().unwrap_or("").to_owned())
}
