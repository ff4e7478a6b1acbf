//! The split check: observed split against the listener's weights, in the moto world
//! of `support/verify_world.rs` (a healthy split passes, a front whose real weights
//! disagree with the listener fails), what the listener does not say (`listener`:
//! weights moved during sampling, `--path`, stickiness, `--changed-at`), the split per
//! load-balancer node over two TLS nodes of one name (`nodes`), and every twin fault
//! that targets the split.

mod listener;
mod nodes;

use harness::config::CheckName;

use crate::support::serial;
use crate::support::verify_world::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn healthy_split_passes() {
    let _world = serial::world().await;
    let (code, msg) = verify_in(Spec::healthy(), &[]).await;
    assert_eq!(code, 0, "{msg}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn weights_disagree_fails() {
    let _world = serial::world().await;
    let spec = Spec {
        real: (50, 50),
        ..Spec::healthy()
    };
    let (code, msg) = verify_in(spec, &[]).await;
    assert_eq!(code, 1, "{msg}");
}

/// Every twin fault whose target is the split (`Fault::check`) makes it FAIL.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_split_fault_fails_split() {
    crate::faults::each_fails(CheckName::Split).await;
}
