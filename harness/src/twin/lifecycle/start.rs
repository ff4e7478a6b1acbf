//! [`Twin::start_with`]: brings a twin up part by part (PKI, containers and moto
//! together, the edge, the control plane's seed), recording each part in the state
//! file as soon as it runs so that a failure half-way stops exactly what was started.

use std::sync::Mutex;

use crate::aws::{self, AwsOptions};
use crate::error::{Error, Result};
use crate::twin::control_plane::moto::MotoServer;
use crate::twin::control_plane::seed::{self, SeedPlan, Seeded};
use crate::twin::edge::certs::Pki;
use crate::twin::edge::nginx::Variant;
use crate::twin::edge::server::EdgeServer;
use crate::twin::edge::waf_rate::{self, RateLimits};
use crate::twin::host::{prereq, process};
use crate::twin::spec::fault::{Fault, STALE_TARGET};
use crate::twin::spec::terraform::{self, Declared};
use crate::twin::spec::{CertProfile, TwinSpec, tls_policy};
use crate::twin::targets::containers::{self, AppContainer};
use crate::twin::targets::image;

use super::state::{self, TwinState};
use super::{CREDENTIALS_FILE, PROFILE, REGION, Twin, TwinOptions, twin_id, write_credentials};

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
        // One edge node per availability zone of shared-infra (an ALB's nodes).
        let nodes = terraform::zones::edge_nodes(&tf_dir)?;
        tls_policy::ciphers_for_policy(&declared.ssl_policy).map_err(Error::Config)?;
        let rate = RateLimits::new(&declared, opts.waf_rate, waf_rate::new_token());
        prereq::check().await?;
        if !image::image_exists(&spec.image).await? {
            return Err(Error::Prerequisite(format!(
                "app image {} not found in the local Docker engine",
                spec.image
            )));
        }
        tokio::task::spawn_blocking(state::reap_leftovers)
            .await
            .map_err(|e| Error::failed("reaping leftovers", e))?;

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

        let upstreams = twin.targets.iter().map(AppContainer::upstream).collect();
        let edge = EdgeServer::start(
            &spec,
            &twin.declared,
            &twin.rate,
            &dir,
            &pki_paths.cert,
            &pki_paths.key,
            upstreams,
            nodes,
            opts.detached,
        )
        .await?;
        twin.state.nginx_pids = edge.pids();
        twin.state.stale_node = spec
            .stale_node_weights
            .and(edge.pids().len().checked_sub(1));
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
}
