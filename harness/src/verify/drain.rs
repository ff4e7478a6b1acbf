//! Polls ECS and ELBv2 until a weight-0 canary has drained (0 desired/running/pending
//! tasks, no registered targets) or a timeout expires; returns the last reading.

use std::time::{Duration, Instant};

use crate::aws::{describe_services, registered_targets};
use crate::error::Result;

/// Pause between two readings.
const POLL_INTERVAL: Duration = Duration::from_secs(2);

/// One reading of the canary's capacity.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Capacity {
    pub desired: i64,
    pub running: i64,
    pub pending: i64,
    pub registered_targets: u64,
}

impl Capacity {
    fn is_zero(&self) -> bool {
        self.desired == 0 && self.running == 0 && self.pending == 0 && self.registered_targets == 0
    }
}

/// Reads the canary once, then, when `wait_for_zero`, polls until it is zero or
/// `timeout` has passed. Returns the last reading and the seconds waited.
pub(crate) async fn read_capacity(
    sdk: &aws_config::SdkConfig,
    cluster: &str,
    service: &str,
    target_group: &str,
    wait_for_zero: bool,
    timeout: Duration,
) -> Result<(Capacity, f64)> {
    let ecs = aws_sdk_ecs::Client::new(sdk);
    let elb = aws_sdk_elasticloadbalancingv2::Client::new(sdk);
    let started = Instant::now();
    loop {
        let svc = describe_services(&ecs, cluster, &[service])
            .await?
            .pop()
            .unwrap_or_default();
        let targets = registered_targets(&elb, target_group).await?;
        let cap = Capacity {
            desired: svc.desired,
            running: svc.running,
            pending: svc.pending,
            registered_targets: targets.len() as u64,
        };
        let waited = started.elapsed();
        if !wait_for_zero || cap.is_zero() || waited >= timeout {
            return Ok((cap, waited.as_secs_f64()));
        }
        tokio::time::sleep(POLL_INTERVAL.min(timeout.saturating_sub(waited))).await;
    }
}
