//! [`Twin::set_weights`]: moves both planes of a running twin, the listener at once and
//! the edge after a lag, as a deployment does (see [`crate::twin::reweight`]).

use std::time::{Duration, Instant};

use super::Twin;
use crate::error::{Error, Result};
use crate::twin::reweight::{WeightChange, set_listener_weights};
use crate::twin::spec::Weights;

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
