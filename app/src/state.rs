//! The state both listeners' handlers and the [`crate::edge`] middleware share: which
//! release and variant this process is, its fault knobs, and whether the drain began.
//! It has its own module so that `edge` (which stamps the attribution headers from it)
//! and `routes` (whose endpoints are wrapped in `edge`) both depend on it and not on
//! each other.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use crate::config::{Config, Variant};

/// State shared by the handlers of both listeners.
#[derive(Debug)]
pub struct AppState {
    /// Release identifier (header `x-release`).
    pub release: String,
    /// Stable or canary (header `x-variant`).
    pub variant: Variant,
    /// Share of `GET /` answered 503.
    pub error_rate: f64,
    /// Latency added to `GET /`.
    pub delay: Duration,
    /// Set once the drain began: health answers 503 from then on.
    pub draining: AtomicBool,
}

impl AppState {
    /// State for a configuration, not draining.
    pub fn new(cfg: &Config) -> Self {
        AppState {
            release: cfg.release.clone(),
            variant: cfg.variant,
            error_rate: cfg.error_rate,
            delay: cfg.delay,
            draining: AtomicBool::new(false),
        }
    }

    /// Whether the drain began.
    pub fn is_draining(&self) -> bool {
        self.draining.load(Ordering::SeqCst)
    }
}
