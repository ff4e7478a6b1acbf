//! A shared rate cap: each request reserves the next free slot on a fixed grid of
//! `1/rps` seconds and sleeps until it. No burst beyond the concurrency limit.

use std::sync::Mutex;
use std::time::Duration;

use tokio::time::Instant;

/// Hands out send times spaced `1/rps` apart.
#[derive(Debug)]
pub(crate) struct RateCap {
    interval: Duration,
    next: Mutex<Instant>,
}

impl RateCap {
    /// A cap of `rps` requests per second (`rps` > 0).
    pub(crate) fn new(rps: f64) -> Self {
        RateCap {
            interval: Duration::from_secs_f64(1.0 / rps),
            next: Mutex::new(Instant::now()),
        }
    }

    /// Waits for the next slot.
    pub(crate) async fn acquire(&self) {
        let slot = {
            let mut next = self.next.lock().unwrap_or_else(|p| p.into_inner());
            let now = Instant::now();
            let slot = (*next).max(now);
            *next = slot + self.interval;
            slot
        };
        // A slot already due needs no timer (a timer registration per request costs a
        // driver round trip when the cap is far above what the target sustains).
        if slot > Instant::now() {
            tokio::time::sleep_until(slot).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn spaces_requests() {
        let cap = RateCap::new(100.0);
        let start = Instant::now();
        for _ in 0..11 {
            cap.acquire().await;
        }
        let elapsed = start.elapsed();
        assert!(elapsed >= Duration::from_millis(100), "{elapsed:?}");
        // Real time: allow scheduling slack on a loaded machine.
        assert!(elapsed < Duration::from_millis(600), "{elapsed:?}");
    }
}
