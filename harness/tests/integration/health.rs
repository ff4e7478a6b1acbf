//! The health check: canary errors and latency against stable's. The healthy twin's
//! health PASS (under the order-statistic bound of `health::equal_pass`) is asserted
//! with every other check in `faults::healthy_twin_passes_every_check`; here every
//! twin fault that targets health (`canary-errors`: 30 % 503; `canary-slow`: +250 ms)
//! must make it FAIL, each with P(wrong verdict) below 1e-4 asserted first.

use harness::config::CheckName;

/// Every twin fault whose target is health (`Fault::check`) makes it FAIL.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn canary_errors_and_slowness_fail_health() {
    crate::faults::each_fails(CheckName::Health).await;
}
