//! A shared rate cap: each request reserves the next free slot on a fixed grid of
//! `1/rps` seconds and sleeps until it. No burst beyond the concurrency limit.
//!
//! Any `f64` is accepted without panicking (the configuration rejects rates below
//! [`MIN_RPS`] up front, with exit 2): the interval is clamped to
//! `0..=`[`MAX_INTERVAL`], a rate that is not a positive number gets the longest
//! interval, and slot arithmetic saturates instead of overflowing `Instant`.

use std::sync::Mutex;
use std::time::Duration;

use tokio::time::Instant;

/// Lowest accepted `--rps`: one request every 100 s. Below it a verification would
/// take days at the default request budget.
pub const MIN_RPS: f64 = 0.01;
/// Longest spacing between two requests, whatever rate is asked for (`1 / MIN_RPS`).
pub const MAX_INTERVAL: Duration = Duration::from_secs(100);

/// Hands out send times spaced `1/rps` apart.
#[derive(Debug)]
pub(crate) struct RateCap {
    interval: Duration,
    next: Mutex<Instant>,
}

/// Spacing of requests at `rps`, for any `f64` (see the module doc).
pub(crate) fn interval_for(rps: f64) -> Duration {
    if rps.is_nan() || rps <= 0.0 {
        return MAX_INTERVAL;
    }
    Duration::try_from_secs_f64(1.0 / rps)
        .unwrap_or(MAX_INTERVAL)
        .min(MAX_INTERVAL)
}

impl RateCap {
    /// A cap of `rps` requests per second.
    pub(crate) fn new(rps: f64) -> Self {
        RateCap {
            interval: interval_for(rps),
            next: Mutex::new(Instant::now()),
        }
    }

    /// Reserves the next slot at or after `now`.
    fn reserve(&self, now: Instant) -> Instant {
        let mut next = self.next.lock().unwrap_or_else(|p| p.into_inner());
        let slot = (*next).max(now);
        *next = slot.checked_add(self.interval).unwrap_or(slot);
        slot
    }

    /// Waits for the next slot.
    pub(crate) async fn acquire(&self) {
        let slot = self.reserve(Instant::now());
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
    use proptest::prelude::*;

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

    #[test]
    fn edge_rates_do_not_panic() {
        for rps in [
            1e-20,
            0.0,
            -1.0,
            f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::MIN_POSITIVE,
            f64::MAX,
        ] {
            let i = interval_for(rps);
            assert!(i <= MAX_INTERVAL, "{rps}: {i:?}");
        }
        assert_eq!(interval_for(f64::INFINITY), Duration::ZERO);
        assert_eq!(interval_for(1e-20), MAX_INTERVAL);
        assert_eq!(interval_for(4.0), Duration::from_millis(250));
    }

    proptest! {
        #[test]
        fn any_rate_reserves_without_panicking(rps in proptest::num::f64::ANY, k in 1usize..50) {
            let cap = RateCap::new(rps);
            let now = Instant::now();
            let mut last = now;
            for _ in 0..k {
                let slot = cap.reserve(now);
                prop_assert!(slot >= last);
                last = slot;
            }
        }
    }
}
