//! [`Twin::set_weights`]: moves both planes of a running twin the way a deployment
//! does: the listener in moto at once (ModifyListener, as `terraform apply` does,
//! [`crate::twin::control_plane::listener`]) and the edge after a lag (nginx upstream
//! weights rewritten, `nginx -s reload`), the way ALB nodes apply a listener change on
//! their own schedule. The gap lets the settle wait (`verify --changed-at`) and the
//! post-sample re-read be exercised against real parts.

use std::time::{Duration, Instant};

use super::Twin;
use crate::error::{Error, Result};
use crate::twin::control_plane::listener::set_listener_weights;
use crate::twin::spec::Weights;

/// Longest accepted `--edge-lag`.
pub const MAX_EDGE_LAG_S: f64 = 3600.0;

/// When each plane took the new weights, measured from the start of the change.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct WeightChange {
    /// The listener in moto answered the ModifyListener.
    pub listener: Duration,
    /// nginx was reloaded with the new weights.
    pub edge: Duration,
}

/// Parses `--edge-lag` seconds (finite, 0..=[`MAX_EDGE_LAG_S`]).
pub fn edge_lag(seconds: f64) -> Result<Duration> {
    if !(seconds.is_finite() && (0.0..=MAX_EDGE_LAG_S).contains(&seconds)) {
        return Err(Error::Config(format!(
            "--edge-lag {seconds}: must be between 0 and {MAX_EDGE_LAG_S} seconds"
        )));
    }
    Ok(Duration::from_secs_f64(seconds))
}

impl Twin {
    /// Sets the listener's weights in moto now and the edge's after `edge_lag`;
    /// returns when both planes carry `w`, with the time each change took effect.
    /// A positive weight for a variant without containers is refused before anything
    /// moves.
    pub async fn set_weights(&self, w: Weights, edge_lag: Duration) -> Result<WeightChange> {
        self.set_planes(w, w, edge_lag).await
    }

    /// [`Twin::set_weights`] with different weights for the two planes: the listener
    /// gets `w` and the edge `edge` (e.g. a canary starved by the edge).
    pub async fn set_planes(
        &self,
        w: Weights,
        edge: Weights,
        edge_lag: Duration,
    ) -> Result<WeightChange> {
        let spec = self.spec();
        for (name, weight, replicas) in [
            ("stable", w.stable.max(edge.stable), spec.stable.replicas),
            ("canary", w.canary.max(edge.canary), spec.canary.replicas),
        ] {
            if weight > 0 && replicas == 0 {
                return Err(Error::Config(format!(
                    "weight {weight} for {name}: the twin runs no {name} container"
                )));
            }
        }
        let sdk = self
            .sdk
            .as_ref()
            .ok_or_else(|| Error::Runtime("the twin's control plane is not seeded".into()))?;
        let started = Instant::now();
        set_listener_weights(
            sdk,
            &self.seeded.listener_arn,
            &self.seeded.stable_target_group_arn,
            &self.seeded.canary_target_group_arn,
            w,
        )
        .await?;
        let listener = started.elapsed();
        if let Ok(mut s) = self.spec.lock() {
            s.stable.listener_weight = w.stable;
            s.canary.listener_weight = w.canary;
        }
        tokio::time::sleep(edge_lag.saturating_sub(started.elapsed())).await;
        self.set_edge_weights(edge.stable, edge.canary).await?;
        Ok(WeightChange {
            listener,
            edge: started.elapsed(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edge_lag_is_validated() {
        assert_eq!(edge_lag(0.0).unwrap(), Duration::ZERO);
        assert_eq!(edge_lag(2.5).unwrap(), Duration::from_millis(2500));
        for bad in [-1.0, f64::NAN, f64::INFINITY, 1e9] {
            assert!(matches!(edge_lag(bad), Err(Error::Config(_))), "{bad}");
        }
    }
}
