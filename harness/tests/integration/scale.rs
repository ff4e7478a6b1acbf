//! The scale check: a canary at listener weight 0 must be scaled to zero (and a
//! weighted one must have capacity). In the moto world of `support/verify_world.rs`
//! (whose canary service keeps desired 1): at weight 0 scale FAILs, and on responses
//! without attribution headers the run is INCONCLUSIVE; on the twin, the
//! `canary-not-scaled` fault makes scale FAIL.

use harness::config::CheckName;

use crate::support::serial;
use crate::support::verify_world::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scale_fails_when_a_canary_at_weight_zero_still_runs() {
    let _world = serial::world().await;
    let spec = Spec {
        listener: (100, 0),
        real: (100, 0),
        ..Spec::healthy()
    };
    let (code, msg) = verify_in(spec, &["--checks", "scale"]).await;
    assert_eq!(code, 1, "{msg}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scale_on_unattributed_responses_is_inconclusive() {
    let _world = serial::world().await;
    let spec = Spec {
        headers: false,
        ..Spec::healthy()
    };
    let (code, msg) = verify_in(spec, &["--checks", "scale"]).await;
    assert_eq!(code, 3, "{msg}");
}

/// The twin fault whose target is scale (`canary-not-scaled`: listener weight 0, the
/// canary still running and registered) makes it FAIL.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn canary_not_scaled_fails_scale() {
    crate::faults::each_fails(CheckName::Scale).await;
}
