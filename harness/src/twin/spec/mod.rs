//! What the twin is, before anything runs: [`TwinSpec`], the one description of the
//! twin (the nginx config, the containers and the moto seed are all derived from it,
//! so a fault is a single edit here that makes two planes disagree, see [`Fault`]);
//! the faults themselves ([`fault`]); the TLS policies the edge can serve
//! ([`tls_policy`]); and what app-infra's Terraform declares ([`terraform`]), which
//! the twin is built from.

pub mod fault;
pub mod terraform;
pub mod tls_policy;

use std::str::FromStr;

use crate::error::{Error, Result};

use fault::Fault;

/// Largest weight an ALB forward action accepts.
pub const MAX_ALB_WEIGHT: u32 = 999;
/// Percentage points the edge drifts from the listener under `weight-drift`
/// (90/10 on the listener becomes 70/30 at the edge).
pub const WEIGHT_DRIFT_POINTS: u32 = 20;
/// Edge weight of the canary (out of 100) under `canary-not-scaled`: a trickle the
/// split check sees against a configured weight of 0.
pub const NOT_SCALED_CANARY_TRICKLE: u32 = 5;
/// Listener weights (stable, canary) under `canary-starved`; the edge gives the
/// canary 0.
pub const STARVED_LISTENER_WEIGHTS: (u32, u32) = (99, 1);
/// Weights (stable, canary) under `node-stale`: the listener and every edge node but
/// the last get `.0`; the last node keeps `.1`, the weights before the change.
pub const NODE_STALE_WEIGHTS: ((u32, u32), (u32, u32)) = ((50, 50), (90, 10));
/// Share of canary `GET /` answered 503 under `canary-errors`.
pub const CANARY_ERROR_RATE: f64 = 0.3;
/// Extra latency of every canary `GET /` under `canary-slow`, in milliseconds.
pub const CANARY_DELAY_MS: u64 = 250;
/// Default host name of the twin (a DNS-like name pinned to 127.0.0.1).
pub const DEFAULT_HOST: &str = "canary.twin.test";
/// Default stable replica count.
pub const DEFAULT_STABLE_REPLICAS: u32 = 2;
/// Default canary replica count (when its weight is not 0).
pub const DEFAULT_CANARY_REPLICAS: u32 = 1;

/// Traffic weights, stable/canary, as on an ALB forward action (0–999 each).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Weights {
    /// Stable weight.
    pub stable: u32,
    /// Canary weight.
    pub canary: u32,
}

impl Weights {
    /// Builds weights, rejecting what an ALB rejects (both 0, above 999).
    pub fn new(stable: u32, canary: u32) -> Result<Self> {
        if stable > MAX_ALB_WEIGHT || canary > MAX_ALB_WEIGHT {
            return Err(Error::Config(format!(
                "weights {stable}/{canary}: each must be 0..={MAX_ALB_WEIGHT}"
            )));
        }
        if stable == 0 && canary == 0 {
            return Err(Error::Config(
                "weights 0/0: at least one weight must be positive".into(),
            ));
        }
        Ok(Weights { stable, canary })
    }

    /// Canary share in percent, rounded down.
    pub fn canary_percent(self) -> u32 {
        self.canary * 100 / (self.stable + self.canary)
    }
}

impl FromStr for Weights {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        let bad = || {
            Error::Config(format!(
                "--weights {s:?}: expected STABLE/CANARY, e.g. 90/10 or 100/0"
            ))
        };
        let (a, b) = s.trim().split_once('/').ok_or_else(bad)?;
        let a: u32 = a.trim().parse().map_err(|_| bad())?;
        let b: u32 = b.trim().parse().map_err(|_| bad())?;
        Weights::new(a, b)
    }
}

impl std::fmt::Display for Weights {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.stable, self.canary)
    }
}

/// How the edge's WAF acts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WafMode {
    /// `SecRuleEngine On`: matches are answered 403.
    Blocking,
    /// `SecRuleEngine DetectionOnly`: matches are only logged.
    DetectionOnly,
}

/// Which certificate the edge serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CertProfile {
    /// Valid now, for the twin's host.
    Valid,
    /// Expired yesterday.
    Expired,
    /// Valid, but for another host name.
    WrongHost,
    /// Valid, for the twin's host, from the twin's CA, but not the certificate imported
    /// into ACM (another key, serial and not-after).
    NotAcm,
}

/// A TLS protocol version the edge may accept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum TlsVersion {
    /// TLS 1.0.
    Tls10,
    /// TLS 1.1.
    Tls11,
    /// TLS 1.2.
    Tls12,
    /// TLS 1.3.
    Tls13,
}

impl TlsVersion {
    /// nginx `ssl_protocols` token.
    pub fn nginx_name(self) -> &'static str {
        match self {
            TlsVersion::Tls10 => "TLSv1",
            TlsVersion::Tls11 => "TLSv1.1",
            TlsVersion::Tls12 => "TLSv1.2",
            TlsVersion::Tls13 => "TLSv1.3",
        }
    }
}

/// One variant's deployment.
#[derive(Debug, Clone, PartialEq)]
pub struct VariantSpec {
    /// Release tag the containers report in `x-release`.
    pub release: String,
    /// Containers really running.
    pub replicas: u32,
    /// ECS desired count in the control plane.
    pub desired: u32,
    /// Weight on the listener (control plane).
    pub listener_weight: u32,
    /// Weight at the edge (what traffic really gets).
    pub edge_weight: u32,
    /// Share of `GET /` answered 503 (`FAULT_ERROR_RATE`).
    pub error_rate: f64,
    /// Added latency in ms (`FAULT_DELAY_MS`).
    pub delay_ms: u64,
}

/// The whole twin, as data.
#[derive(Debug, Clone, PartialEq)]
pub struct TwinSpec {
    /// Resource name prefix in the control plane.
    pub name: String,
    /// Host name served (certificate, URLs, `--resolve`).
    pub host: String,
    /// Container image reference of the app (`name:tag`).
    pub image: String,
    /// The stable variant.
    pub stable: VariantSpec,
    /// The canary variant.
    pub canary: VariantSpec,
    /// Edge WAF mode.
    pub waf: WafMode,
    /// Certificate the edge serves.
    pub cert: CertProfile,
    /// TLS versions the edge accepts.
    pub tls_versions: Vec<TlsVersion>,
    /// Whether plain HTTP is redirected to HTTPS.
    pub redirect: bool,
    /// Whether the redirect keeps the query string (ALB's `?#{query}`).
    pub redirect_keeps_query: bool,
    /// Whether the seeded WebACL is associated with the load balancer.
    pub web_acl_associated: bool,
    /// Edge weights (stable, canary) the last edge node keeps whatever the others get
    /// (`node-stale`); `None`: every node applies the edge weights.
    pub stale_node_weights: Option<(u32, u32)>,
    /// Faults applied (for the record).
    pub faults: Vec<Fault>,
}

impl TwinSpec {
    /// A healthy twin with `weights` on both planes and default release tags.
    pub fn healthy(weights: Weights, image: impl Into<String>) -> Self {
        let variant = |release: &str, weight: u32, replicas: u32| VariantSpec {
            release: release.into(),
            replicas: if weight == 0 { 0 } else { replicas },
            desired: if weight == 0 { 0 } else { replicas },
            listener_weight: weight,
            edge_weight: weight,
            error_rate: 0.0,
            delay_ms: 0,
        };
        TwinSpec {
            name: "poem".into(),
            host: DEFAULT_HOST.into(),
            image: image.into(),
            stable: variant("v1.0.0", weights.stable, DEFAULT_STABLE_REPLICAS),
            canary: variant("v1.1.0", weights.canary, DEFAULT_CANARY_REPLICAS),
            waf: WafMode::Blocking,
            cert: CertProfile::Valid,
            tls_versions: vec![TlsVersion::Tls12, TlsVersion::Tls13],
            redirect: true,
            redirect_keeps_query: true,
            web_acl_associated: true,
            stale_node_weights: None,
            faults: Vec::new(),
        }
    }

    /// `healthy(weights)` with every fault applied.
    pub fn with_faults(weights: Weights, image: impl Into<String>, faults: &[Fault]) -> Self {
        let mut spec = TwinSpec::healthy(weights, image);
        for &f in faults {
            spec.apply(f);
        }
        spec
    }

    /// Applies one fault (idempotent).
    pub fn apply(&mut self, fault: Fault) {
        match fault {
            Fault::WeightDrift => {
                let total = self.stable.listener_weight + self.canary.listener_weight;
                let pct = self.canary.listener_weight * 100 / total.max(1);
                let drifted = if pct + WEIGHT_DRIFT_POINTS <= 100 {
                    pct + WEIGHT_DRIFT_POINTS
                } else {
                    pct - WEIGHT_DRIFT_POINTS
                };
                self.stable.edge_weight = 100 - drifted;
                self.canary.edge_weight = drifted;
                for v in [&mut self.stable, &mut self.canary] {
                    if v.edge_weight > 0 && v.replicas == 0 {
                        v.replicas = 1;
                        v.desired = 1;
                    }
                }
            }
            Fault::CanaryNotScaled => {
                self.stable.listener_weight = 100;
                self.canary.listener_weight = 0;
                self.stable.edge_weight = 100 - NOT_SCALED_CANARY_TRICKLE;
                self.canary.edge_weight = NOT_SCALED_CANARY_TRICKLE;
                self.stable.replicas = self.stable.replicas.max(1);
                self.stable.desired = self.stable.replicas;
                self.canary.replicas = 1;
                self.canary.desired = 1;
            }
            Fault::WafOff => self.waf = WafMode::DetectionOnly,
            Fault::CertExpired => self.cert = CertProfile::Expired,
            Fault::CertWrongHost => self.cert = CertProfile::WrongHost,
            Fault::TlsLegacy => {
                self.tls_versions = vec![
                    TlsVersion::Tls10,
                    TlsVersion::Tls11,
                    TlsVersion::Tls12,
                    TlsVersion::Tls13,
                ];
            }
            Fault::NoRedirect => self.redirect = false,
            Fault::CanaryErrors => self.canary.error_rate = CANARY_ERROR_RATE,
            Fault::CanarySlow => self.canary.delay_ms = CANARY_DELAY_MS,
            Fault::CanaryStarved => {
                (self.stable.listener_weight, self.canary.listener_weight) =
                    STARVED_LISTENER_WEIGHTS;
                self.stable.edge_weight = STARVED_LISTENER_WEIGHTS.0 + STARVED_LISTENER_WEIGHTS.1;
                self.canary.edge_weight = 0;
                for (v, default) in [
                    (&mut self.stable, DEFAULT_STABLE_REPLICAS),
                    (&mut self.canary, DEFAULT_CANARY_REPLICAS),
                ] {
                    v.replicas = v.replicas.max(default);
                    v.desired = v.replicas;
                }
            }
            Fault::NodeStale => {
                let (new, old) = NODE_STALE_WEIGHTS;
                (self.stable.listener_weight, self.canary.listener_weight) = new;
                (self.stable.edge_weight, self.canary.edge_weight) = new;
                self.stale_node_weights = Some(old);
                for (v, default) in [
                    (&mut self.stable, DEFAULT_STABLE_REPLICAS),
                    (&mut self.canary, DEFAULT_CANARY_REPLICAS),
                ] {
                    v.replicas = v.replicas.max(default);
                    v.desired = v.replicas;
                }
            }
            // Only the control plane changes (see `Fault::StaleTarget`).
            Fault::StaleTarget => {}
            Fault::RedirectDropsQuery => self.redirect_keeps_query = false,
            Fault::CertNotAcm => self.cert = CertProfile::NotAcm,
            // Only the control plane changes (see `Fault::WafNoAcl`).
            Fault::WafNoAcl => self.web_acl_associated = false,
            // Read by the edge when it writes its ModSecurity rules (`edge.rs`).
            Fault::WafNoSqli
            | Fault::WafNoCommon
            | Fault::WafNoKnownBadInputs
            | Fault::WafCountSqli => {}
        }
        if !self.faults.contains(&fault) {
            self.faults.push(fault);
        }
    }

    /// The spec edge node `node` (0-based, of `nodes`) applies: the last node keeps
    /// [`TwinSpec::stale_node_weights`] when set, every other node the edge weights.
    pub fn for_node(&self, node: usize, nodes: usize) -> TwinSpec {
        let mut s = self.clone();
        if let Some((stable, canary)) = self.stale_node_weights
            && node + 1 == nodes
        {
            s.stable.edge_weight = stable;
            s.canary.edge_weight = canary;
        }
        s
    }

    /// Whether the edge accepts TLS versions below 1.2 (needs OpenSSL seclevel 0).
    pub fn legacy_tls(&self) -> bool {
        self.tls_versions.iter().any(|v| *v < TlsVersion::Tls12)
    }
}

#[cfg(test)]
mod tests;
