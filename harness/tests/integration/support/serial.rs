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
//! No integration test changes the process environment (`std::env::set_var` /
//! `remove_var` appear nowhere in the harness or its tests): a test that needs another
//! environment gives it to the child process it starts (`Command::env`).

use tokio::sync::{RwLock, RwLockReadGuard, RwLockWriteGuard};

static MACHINE: RwLock<()> = RwLock::const_new(());

/// Held for the whole of a test that brings up a twin or the app's containers: no
/// other such test and no moto world runs meanwhile.
pub async fn twin() -> RwLockWriteGuard<'static, ()> {
    MACHINE.write().await
}

/// Held for the whole of a test that starts its own moto world and samples it: worlds
/// run side by side, never beside a twin.
pub async fn world() -> RwLockReadGuard<'static, ()> {
    MACHINE.read().await
}
