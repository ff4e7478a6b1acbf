//! A running twin of production ([`Twin`]) and its life: started part by part
//! ([`Twin::start_with`]), told about ([`access`]), changed the way a deployment changes
//! production ([`weights`], [`release`]), left running ([`detached`]) and stopped
//! exactly as far as it was started, from the state file it keeps ([`state`]). A
//! failure half-way drops a partial twin and [`Drop`] cleans up the parts that exist.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use crate::error::{Error, Result};
use crate::twin::control_plane::moto::MotoServer;
use crate::twin::control_plane::seed::Seeded;
use crate::twin::edge::certs::PkiPaths;
use crate::twin::edge::server::EdgeServer;
use crate::twin::edge::waf_rate::{RateLimits, RateOverrides};
use crate::twin::host::secret::write_secret;
use crate::twin::spec::terraform::Declared;
use crate::twin::spec::{TwinSpec, Weights};
use crate::twin::targets::containers::AppContainer;
use state::TwinState;

pub mod access;
pub mod detached;
pub mod release;
mod start;
pub mod state;
pub mod weights;

pub use release::Rollout;

/// Region the control plane is seeded in.
pub const REGION: &str = "us-east-1";
/// AWS profile written to the twin's credentials file.
pub const PROFILE: &str = "twin";
/// File name of the twin's (dummy) AWS credentials.
pub const CREDENTIALS_FILE: &str = "aws-credentials";

/// Where a twin keeps its files and whether it outlives its process.
#[derive(Debug, Clone, Default)]
pub struct TwinOptions {
    /// The twin's folder; default: a fresh folder under `$TMPDIR/canary-harness-twins`.
    pub dir: Option<PathBuf>,
    /// Started by `twin up`: containers are labelled to survive the reaper.
    pub detached: bool,
    /// app-infra folder the twin is built from; default
    /// [`crate::twin::spec::terraform::app_infra_dir`].
    pub terraform_dir: Option<PathBuf>,
    /// Scaled-down WAF rate rules (tests); default: Terraform's limits and windows.
    pub waf_rate: RateOverrides,
}

/// A running twin of production.
#[derive(Debug)]
pub struct Twin {
    spec: Mutex<TwinSpec>,
    state: TwinState,
    pki: Option<PkiPaths>,
    targets: Vec<AppContainer>,
    edge: Option<EdgeServer>,
    moto: Option<MotoServer>,
    sdk: Option<aws_config::SdkConfig>,
    seeded: Seeded,
    endpoint_url: String,
    declared: Declared,
    rate: RateLimits,
    done: bool,
}

fn twin_id() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or_default();
    format!("{}-{nanos:08x}", std::process::id())
}

impl Twin {
    /// Changes the edge's weights (not the listener's) and reloads nginx without
    /// dropping requests. A variant without containers cannot get a positive weight.
    pub async fn set_edge_weights(&self, stable: u32, canary: u32) -> Result<()> {
        let w = Weights::new(stable, canary)?;
        let spec = {
            let mut s = self
                .spec
                .lock()
                .map_err(|_| Error::Runtime("twin spec lock".into()))?;
            for (name, weight, v) in [
                ("stable", w.stable, &s.stable),
                ("canary", w.canary, &s.canary),
            ] {
                if weight > 0 && v.replicas == 0 {
                    return Err(Error::Config(format!(
                        "edge weight {weight} for {name}: the twin runs no {name} container"
                    )));
                }
            }
            s.stable.edge_weight = w.stable;
            s.canary.edge_weight = w.canary;
            s.clone()
        };
        let edge = self
            .edge
            .as_ref()
            .ok_or_else(|| Error::Runtime("the twin's edge is not running".into()))?;
        edge.reload(&spec).await
    }

    /// Leaves everything running (for `twin up`) and returns what to stop later.
    pub fn detach(mut self) -> TwinState {
        self.done = true;
        if let Some(edge) = self.edge.take() {
            edge.detach();
        }
        for t in std::mem::take(&mut self.targets) {
            t.detach();
        }
        if let Some(m) = self.moto.take() {
            m.detach();
        }
        self.state.detached = true;
        let _ = self.state.save();
        self.state.clone()
    }

    /// Tears the twin down: nginx, moto, containers, folder.
    pub async fn stop(mut self) -> Result<()> {
        tokio::task::spawn_blocking(move || self.teardown())
            .await
            .map_err(|e| Error::failed("twin teardown", e))?
    }

    fn teardown(&mut self) -> Result<()> {
        if self.done {
            return Ok(());
        }
        self.done = true;
        if let Some(mut edge) = self.edge.take() {
            edge.stop();
        }
        for t in std::mem::take(&mut self.targets) {
            // Removed by id below, synchronously (works from Drop, without a runtime).
            t.detach();
        }
        drop(self.moto.take());
        self.state.teardown()
    }
}

impl Drop for Twin {
    fn drop(&mut self) {
        let _ = self.teardown();
    }
}

fn write_credentials(path: &Path) -> Result<()> {
    // Dummy keys for moto; never printed.
    let text = format!(
        "[{PROFILE}]\naws_access_key_id = twin-access-key\naws_secret_access_key = twin-secret-key\n"
    );
    write_secret(path, &text)
}
