//! Binary entry point of the service: JSON logs on stdout, configuration from the
//! environment (exit 2 on a bad value), serve, and on SIGTERM/SIGINT drain and exit 0.

use std::process::ExitCode;

use tokio::signal::unix::{SignalKind, signal};

/// Exit code for a bad configuration value.
const EXIT_CONFIG: u8 = 2;
/// Exit code when the listeners cannot be bound or the server fails.
const EXIT_RUNTIME: u8 = 4;

#[tokio::main]
async fn main() -> ExitCode {
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
