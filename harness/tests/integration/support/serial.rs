//! One binary runs every integration test on the same two cores, so tests that load
//! the machine must not overlap: a twin (Docker containers, nginx + ModSecurity, moto,
//! thousands of requests judged against latency and split assumptions) or the app's
//! containers take the machine alone ([`twin`]); tests that start a moto world of
//! their own and sample it ([`world`]) may run beside each other, as they did when each
//! file was its own binary, but never beside a twin. Tests that start nothing heavy
//! (contracts, bad input, local TLS servers) take no lock.
//!
//! The lock is a `tokio::sync::RwLock`: it is fair (a waiting twin is not starved by a
//! stream of worlds) and, unlike `std::sync::Mutex`, is not poisoned when a test that
//! holds it panics, so one failing twin test does not fail the ones after it.
//!
//! Where the suite's time goes: libtest's `--report-time` counts a test's wait for the
//! lock as its own time, so it cannot say which twin test is slow. With
//! [`HOLD_LOG_ENV`] set to a file path, every holder appends one line when it lets go:
//! the test's name, how long it waited and how long it held the machine (seconds).
//!
//! No integration test changes the process environment (`std::env::set_var` /
//! `remove_var` appear nowhere in the harness or its tests): a test that needs another
//! environment gives it to the child process it starts (`Command::env`).

use std::io::Write;
use std::time::Instant;

use tokio::sync::{RwLock, RwLockReadGuard, RwLockWriteGuard};

static MACHINE: RwLock<()> = RwLock::const_new(());

/// Environment variable naming the file that receives one line per lock holder:
/// `<test> <kind> waited <s> held <s>`.
pub const HOLD_LOG_ENV: &str = "HARNESS_TEST_HOLD_LOG";

/// A held lock; logs its wait and hold times on release when [`HOLD_LOG_ENV`] is set.
pub struct Held<G> {
    _guard: G,
    kind: &'static str,
    test: String,
    asked: Instant,
    got: Instant,
}

impl<G> Drop for Held<G> {
    fn drop(&mut self) {
        let Some(path) = std::env::var_os(HOLD_LOG_ENV) else {
            return;
        };
        let line = format!(
            "{} {} waited {:.1} held {:.1}\n",
            self.test,
            self.kind,
            (self.got - self.asked).as_secs_f64(),
            self.got.elapsed().as_secs_f64()
        );
        if let Ok(mut f) = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
        {
            let _ = f.write_all(line.as_bytes());
        }
    }
}

fn held<G>(guard: G, kind: &'static str, asked: Instant) -> Held<G> {
    let test = std::thread::current()
        .name()
        .unwrap_or("unnamed")
        .to_string();
    Held {
        _guard: guard,
        kind,
        test,
        asked,
        got: Instant::now(),
    }
}

/// Held for the whole of a test that brings up a twin or the app's containers: no
/// other such test and no moto world runs meanwhile.
pub async fn twin() -> Held<RwLockWriteGuard<'static, ()>> {
    let asked = Instant::now();
    held(MACHINE.write().await, "twin", asked)
}

/// Held for the whole of a test that starts its own moto world and samples it: worlds
/// run side by side, never beside a twin.
pub async fn world() -> Held<RwLockReadGuard<'static, ()>> {
    let asked = Instant::now();
    held(MACHINE.read().await, "world", asked)
}
