//! [`Twin`]: a running twin (targets, edge, control plane) with the handles and the
//! state file needed to stop exactly what it started. Startup builds the struct part by
//! part, so a failure half-way drops a partial twin and [`Drop`] cleans up the parts
//! that exist.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use crate::aws::{self, AwsOptions};
use crate::error::{Error, Result};

use super::certs::{Pki, PkiPaths};
use super::containers::{self, Target};
use super::edge::Edge;
use super::fault::{Fault, STALE_TARGET};
use super::moto::MotoServer;
use super::nginx::Variant;
use super::seed::{self, SeedPlan, Seeded};
use super::spec::CertProfile;
use super::spec::{TwinSpec, Weights};
use super::state::{self, TwinState};
use super::terraform::{self, Declared};
use super::waf_rate::{self, RateLimits, RateOverrides};
use super::{prereq, process};

mod access;
mod release;
mod weights;

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
    /// app-infra folder the twin is built from; default [`terraform::app_infra_dir`].
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
    targets: Vec<Target>,
    edge: Option<Edge>,
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
    /// Brings a twin up from `spec` in a fresh folder; it is torn down by
    /// [`Twin::stop`] or on drop.
    pub async fn start(spec: TwinSpec) -> Result<Twin> {
        Twin::start_with(spec, TwinOptions::default()).await
    }

    /// [`Twin::start`] with explicit options.
    pub async fn start_with(spec: TwinSpec, opts: TwinOptions) -> Result<Twin> {
        let tf_dir = opts
            .terraform_dir
            .clone()
            .unwrap_or_else(terraform::app_infra_dir);
        let declared = Declared::load(&tf_dir)?;
        super::tls_policy::ciphers_for_policy(&declared.ssl_policy).map_err(Error::Config)?;
        let rate = RateLimits::new(&declared, opts.waf_rate, waf_rate::new_token());
        prereq::check().await?;
        if !containers::image_exists(&spec.image).await {
            return Err(Error::Prerequisite(format!(
                "app image {} not found in the local Docker engine",
                spec.image
            )));
        }
        tokio::task::spawn_blocking(state::reap_leftovers)
            .await
            .map_err(|e| Error::Runtime(format!("reaping leftovers: {e}")))?;

        let id = twin_id();
        let dir = opts
            .dir
            .clone()
            .unwrap_or_else(|| state::twins_root().join(&id));
        std::fs::create_dir_all(&dir)
            .map_err(|e| Error::io(format!("creating {}", dir.display()), e))?;
        let dir = dir
            .canonicalize()
            .map_err(|e| Error::io(format!("resolving {}", dir.display()), e))?;
        let mut twin = Twin {
            spec: Mutex::new(spec.clone()),
            state: TwinState {
                id: id.clone(),
                owner_pid: std::process::id(),
                detached: opts.detached,
                dir: dir.clone(),
                ..TwinState::default()
            },
            pki: None,
            targets: Vec::new(),
            edge: None,
            moto: None,
            sdk: None,
            seeded: Seeded::default(),
            endpoint_url: String::new(),
            declared,
            rate,
            done: false,
        };
        twin.state.save()?;

        let pki = Pki::issue(&spec.host, spec.cert)?;
        let pki_paths = pki.write(&dir)?;
        twin.pki = Some(pki_paths.clone());

        // Containers and moto are independent: start them together.
        let (targets, moto) = tokio::join!(
            containers::start_all(&spec, &twin.declared, &id, opts.detached),
            MotoServer::start_with(opts.detached)
        );
        let moto_result = moto.map(|m| {
            twin.state.moto_pid = process::pid_listening_on(m.port);
            twin.state.moto_port = Some(m.port);
            twin.endpoint_url = m.endpoint_url.clone();
            twin.moto = Some(m);
        });
        match targets {
            Ok(t) => {
                twin.state.containers = t.iter().map(|t| t.id.clone()).collect();
                twin.targets = t;
            }
            Err(e) => {
                twin.state.save()?;
                return Err(e);
            }
        }
        twin.state.save()?;
        moto_result?;

        let upstreams = twin.targets.iter().map(Target::upstream).collect();
        let edge = Edge::start(
            &spec,
            &twin.declared,
            &twin.rate,
            &dir,
            &pki_paths.cert,
            &pki_paths.key,
            upstreams,
            opts.detached,
        )
        .await?;
        twin.state.nginx_pid = Some(edge.pid());
        twin.edge = Some(edge);
        twin.state.save()?;

        let creds = dir.join(CREDENTIALS_FILE);
        write_credentials(&creds)?;
        let sdk = aws::load(&AwsOptions {
            endpoint_url: Some(twin.endpoint_url.clone()),
            region: Some(REGION.into()),
            profile: Some(PROFILE.into()),
            credentials_file: Some(creds),
        })
        .await?;
        let plan = twin.seed_plan(&spec, &pki);
        twin.seeded = seed::seed(&sdk, &plan).await?;
        twin.sdk = Some(sdk);
        twin.state.env = twin.env();
        twin.state.save()?;
        Ok(twin)
    }

    fn seed_plan(&self, spec: &TwinSpec, pki: &Pki) -> SeedPlan {
        let targets = |v: Variant| -> Vec<(String, u16)> {
            self.targets
                .iter()
                .filter(|t| t.variant == v)
                .map(|t| (t.ip.to_string(), self.declared.app_port))
                .collect()
        };
        let (stable_targets, mut canary_targets) =
            (targets(Variant::Stable), targets(Variant::Canary));
        let canary_running = canary_targets.len() as i32;
        if spec.faults.contains(&Fault::StaleTarget) {
            canary_targets.push((STALE_TARGET.to_string(), self.declared.app_port));
        }
        // `waf-count-sqli`: the control plane's WebACL counts with the SQLi group.
        let mut declared = self.declared.clone();
        if spec.faults.contains(&Fault::WafCountSqli) {
            for g in &mut declared.managed_groups {
                if Some(g.name.as_str()) == Fault::WafCountSqli.waf_group_off() {
                    g.override_action = "count".into();
                }
            }
        }
        SeedPlan {
            name: spec.name.clone(),
            host: spec.host.clone(),
            stable_weight: spec.stable.listener_weight.into(),
            canary_weight: spec.canary.listener_weight.into(),
            stable_tag: spec.stable.release.clone(),
            canary_tag: spec.canary.release.clone(),
            stable_desired: spec.stable.desired as i32,
            canary_desired: spec.canary.desired as i32,
            stable_running: stable_targets.len() as i32,
            canary_running,
            stable_targets,
            canary_targets,
            // moto's ACM refuses to import an expired certificate (ValidationException),
            // so under `cert-expired` the control plane holds no certificate; the
            // TLS check still judges what the edge serves.
            // Under `cert-not-acm` ACM holds another leaf than the edge serves.
            certificate_pem: if spec.cert == CertProfile::Expired {
                String::new()
            } else {
                pki.acm_pem().0.to_string()
            },
            private_key_pem: if spec.cert == CertProfile::Expired {
                String::new()
            } else {
                pki.acm_pem().1.to_string()
            },
            chain_pem: Some(pki.ca_pem.clone()),
            ssl_policy: self.declared.ssl_policy.clone(),
            // The control plane always declares what the Terraform declares; faults
            // live at the edge (no-redirect, waf-off) so that the planes disagree.
            redirect_http: true,
            waf: true,
            // `waf-no-acl`: the WebACL is seeded but left unassociated.
            waf_associated: spec.web_acl_associated,
            declared: Some(declared),
        }
    }

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
            .map_err(|e| Error::Runtime(format!("twin teardown: {e}")))?
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
    super::secret::write_secret(path, &text)
}
