//! Changes to a running twin that a deployment makes besides the weights: a variant
//! gets a new release (new task definition, new containers) or is scaled, and the
//! edge's WAF mode is switched. Used by the promotion flow
//! (`harness local --promotion-flow`) to run deploy-canary's steps on one twin.
//!
//! moto's ECS is a store, not a scheduler: `UpdateService` with a new task definition
//! changes the service's `taskDefinition` but leaves its one deployment on the old
//! one, so the gate's `rollout` check would read the old image tag as PRIMARY. After
//! registering the new task definition (as `terraform apply` does), the twin therefore
//! recreates the service (`DeleteService --force`, `CreateService`) so that
//! DescribeServices shows what ECS shows once a rollout completed: one PRIMARY
//! deployment of the new task definition with the desired count running.

use aws_sdk_elasticloadbalancingv2::types::TargetDescription;

use super::Twin;
use crate::aws::sdk_error;
use crate::error::{Error, Result};
use crate::twin::control_plane::ecs;
use crate::twin::edge::nginx::Variant;
use crate::twin::spec::WafMode;
use crate::twin::targets::containers::{self, AppContainer};

/// What a variant is rolled to.
#[derive(Debug, Clone, PartialEq)]
pub struct Rollout {
    /// Release (image tag, `RELEASE` of the containers).
    pub release: String,
    /// Containers (and ECS desired count); 0 scales the variant to zero.
    pub replicas: u32,
    /// Share of `GET /` answered 503 by the new containers (`FAULT_ERROR_RATE`).
    pub error_rate: f64,
}

impl Twin {
    /// Rolls `variant` to `to`: starts the new containers, registers them in the
    /// variant's target group, updates the ECS service (a new task definition when the
    /// release changes, see the module doc), moves the edge to the new containers, then
    /// deregisters and removes the old ones. Scaling a variant the edge still routes to
    /// down to zero is refused before anything moves.
    pub async fn roll_variant(&mut self, variant: Variant, to: &Rollout) -> Result<()> {
        let mut spec = self.spec();
        let v = match variant {
            Variant::Stable => &mut spec.stable,
            Variant::Canary => &mut spec.canary,
        };
        if to.replicas == 0 && v.edge_weight > 0 {
            return Err(Error::Config(format!(
                "scaling {} to zero while the edge gives it weight {}",
                variant.as_str(),
                v.edge_weight
            )));
        }
        let release_changed = v.release != to.release;
        v.release = to.release.clone();
        v.replicas = to.replicas;
        v.desired = to.replicas;
        v.error_rate = to.error_rate;
        let v = v.clone();
        let sdk = self
            .sdk
            .clone()
            .ok_or_else(|| Error::Runtime("the twin's control plane is not seeded".into()))?;
        let (tg, service) = match variant {
            Variant::Stable => (
                self.seeded.stable_target_group_arn.clone(),
                self.seeded.stable_service.clone(),
            ),
            Variant::Canary => (
                self.seeded.canary_target_group_arn.clone(),
                self.seeded.canary_service.clone(),
            ),
        };

        let new = containers::start_variant(
            &spec,
            &self.declared,
            variant,
            &v,
            &self.state.id,
            self.state.detached,
        )
        .await?;
        self.state
            .containers
            .extend(new.iter().map(|t| t.id.clone()));
        self.state.save()?;
        let elb = aws_sdk_elasticloadbalancingv2::Client::new(&sdk);
        let descs = |ts: &[&AppContainer]| -> Vec<TargetDescription> {
            ts.iter()
                .map(|t| {
                    TargetDescription::builder()
                        .id(t.ip.to_string())
                        .port(i32::from(self.declared.app_port))
                        .build()
                })
                .collect()
        };
        if !new.is_empty() {
            elb.register_targets()
                .target_group_arn(&tg)
                .set_targets(Some(descs(&new.iter().collect::<Vec<_>>())))
                .send()
                .await
                .map_err(|e| sdk_error("twin: register targets", e))?;
        }
        let ecs = aws_sdk_ecs::Client::new(&sdk);
        let cluster = self.seeded.cluster.clone();
        if release_changed {
            ecs.delete_service()
                .cluster(&cluster)
                .service(&service)
                .force(true)
                .send()
                .await
                .map_err(|e| sdk_error("twin: delete ECS service", e))?;
            let names = &self.declared.names;
            let image = format!("{}:{}", names.image_repository, to.release);
            let family = match variant {
                Variant::Stable => &names.stable_family,
                Variant::Canary => &names.canary_family,
            };
            let n = i32::try_from(to.replicas).unwrap_or(i32::MAX);
            let ports = [self.declared.app_port, self.declared.health_port];
            ecs::service(&ecs, &cluster, &service, family, &image, &ports, n, n).await?;
        } else {
            ecs.update_service()
                .cluster(&cluster)
                .service(&service)
                .desired_count(i32::try_from(to.replicas).unwrap_or(i32::MAX))
                .send()
                .await
                .map_err(|e| sdk_error("twin: update ECS service", e))?;
        }

        let (old, kept): (Vec<AppContainer>, Vec<AppContainer>) = std::mem::take(&mut self.targets)
            .into_iter()
            .partition(|t| t.variant == variant);
        self.targets = kept;
        self.targets.extend(new);
        let upstreams = self.targets.iter().map(AppContainer::upstream).collect();
        if let Ok(mut s) = self.spec.lock() {
            *s = spec.clone();
        }
        self.edge
            .as_mut()
            .ok_or_else(|| Error::Runtime("the twin's edge is not running".into()))?
            .reload_upstreams(&spec, upstreams)
            .await?;

        if !old.is_empty() {
            elb.deregister_targets()
                .target_group_arn(&tg)
                .set_targets(Some(descs(&old.iter().collect::<Vec<_>>())))
                .send()
                .await
                .map_err(|e| sdk_error("twin: deregister targets", e))?;
        }
        let gone: Vec<String> = old.iter().map(|t| t.id.clone()).collect();
        for t in old {
            t.remove().await?;
        }
        self.state.containers.retain(|id| !gone.contains(id));
        self.state.save()
    }

    /// Switches the edge's WAF between blocking and detection only (the control plane
    /// keeps its WebACL associated either way).
    pub async fn set_waf(&self, mode: WafMode) -> Result<()> {
        let spec = {
            let mut s = self
                .spec
                .lock()
                .map_err(|_| Error::Runtime("twin spec lock".into()))?;
            s.waf = mode;
            s.clone()
        };
        self.edge
            .as_ref()
            .ok_or_else(|| Error::Runtime("the twin's edge is not running".into()))?
            .set_waf_mode(&spec, mode)
            .await
    }
}
