//! The targets: app containers on the machine's Docker engine, started through
//! testcontainers from the locally built image (never pulled: testcontainers creates
//! the container first and pulls only when the image is missing, and the twin checks
//! the image exists before). Each container carries the twin's labels so that it can
//! be found and removed without the state file.
//!
//! Keeping containers past the process (`twin up`): testcontainers removes a container
//! when its handle drops; a detached twin records the ids in its state file and then
//! forgets the handles ([`AppContainer::detach`]), and `twin down` removes them by id.

use std::net::{IpAddr, SocketAddr};
use std::time::{Duration, Instant};

use testcontainers::core::IntoContainerPort;
use testcontainers::runners::AsyncRunner;
use testcontainers::{ContainerAsync, GenericImage, ImageExt};

use crate::error::{Error, Result};

use crate::twin::edge::nginx::{Upstream, Variant};
use crate::twin::spec::terraform::Declared;
use crate::twin::spec::{TwinSpec, VariantSpec};

/// Container label holding the twin id.
pub const LABEL_TWIN: &str = "canary-harness.twin";
/// Container label holding the pid of the process that owns the twin.
pub const LABEL_OWNER: &str = "canary-harness.owner-pid";
/// Container label set on twins started by `harness twin up` (never reaped).
pub const LABEL_KEEP: &str = "canary-harness.keep";

/// How long a container may take to answer its health check with 200.
pub const HEALTHY_TIMEOUT: Duration = Duration::from_secs(20);
/// `RUST_LOG` of the twin's app containers: warnings and errors, no per-request access
/// line. Nothing reads a twin container's access log (the harness judges what the
/// edge answers), and on a two-core machine Docker's log pipeline (dockerd and the
/// container shim turning each stdout line into JSON) took about a tenth of the CPU
/// the edge needs: 790 against 970 sampled requests per second, measured.
pub const APP_LOG_FILTER: &str = "warn";
/// Drain time given to the app on SIGTERM (short: the twin is thrown away).
pub const DRAIN_TIMEOUT_SECS: u32 = 1;

/// One running app container.
#[derive(Debug)]
pub struct AppContainer {
    /// Its variant.
    pub variant: Variant,
    /// Docker container id.
    pub id: String,
    /// The app port inside the container (Terraform's container port).
    pub app_port: u16,
    /// Host port mapped to the health-check port.
    pub health_port: u16,
    /// The container's address on Docker's bridge (what an IP target group holds).
    pub ip: IpAddr,
    container: Option<ContainerAsync<GenericImage>>,
}

impl AppContainer {
    /// Where the edge reaches it: the container's own address and app port, as an
    /// ALB reaches an IP target (and what the twin's target groups hold), not a port
    /// Docker publishes on the host, whose userland proxy would copy every byte once
    /// more on the way.
    pub fn upstream(&self) -> Upstream {
        Upstream {
            variant: self.variant,
            addr: SocketAddr::new(self.ip, self.app_port),
        }
    }

    /// Removes the container now.
    pub async fn remove(mut self) -> Result<()> {
        if let Some(c) = self.container.take() {
            c.rm()
                .await
                .map_err(|e| Error::failed(format!("removing container {}", self.id), e))?;
        }
        Ok(())
    }

    /// Leaves the container running when this handle goes (see the module doc).
    pub fn detach(mut self) -> String {
        if let Some(c) = self.container.take() {
            std::mem::forget(c);
        }
        std::mem::take(&mut self.id)
    }
}

/// Splits `name:tag` (the tag defaults to `latest`; a registry port is not a tag).
pub fn split_image(image: &str) -> (String, String) {
    match image.rsplit_once(':') {
        Some((name, tag)) if !tag.contains('/') => (name.into(), tag.into()),
        _ => (image.into(), "latest".into()),
    }
}

/// Ports and health path are Terraform's (the task definition's `portMappings`, the
/// target group's health check); Docker ≥ 20.10 lets the non-root app bind port 80
/// (`net.ipv4.ip_unprivileged_port_start = 0` in the container, as the task definition
/// sets).
async fn start_one(
    spec: &TwinSpec,
    declared: &Declared,
    variant: Variant,
    v: &VariantSpec,
    twin_id: &str,
    keep: bool,
) -> Result<AppContainer> {
    let (name, tag) = split_image(&spec.image);
    let (app_port, health_port) = (declared.app_port, declared.health_port);
    // Only the health-check port is published (for [`wait_healthy`]); the edge
    // reaches the app on the container's own address ([`AppContainer::upstream`]).
    let mut req = GenericImage::new(name, tag)
        .with_exposed_port(declared.health_check_port.tcp())
        .with_env_var(canary_contract::ENV_APP_PORT, app_port.to_string())
        .with_env_var(canary_contract::ENV_HEALTH_PORT, health_port.to_string())
        .with_env_var(canary_contract::ENV_VARIANT, variant.as_str())
        .with_env_var(canary_contract::ENV_RELEASE, v.release.clone())
        .with_env_var("DRAIN_TIMEOUT_SECS", DRAIN_TIMEOUT_SECS.to_string())
        .with_env_var("RUST_LOG", APP_LOG_FILTER)
        .with_label(LABEL_TWIN, twin_id)
        .with_label(LABEL_OWNER, std::process::id().to_string())
        .with_startup_timeout(HEALTHY_TIMEOUT);
    if keep {
        req = req.with_label(LABEL_KEEP, "true");
    }
    if v.error_rate > 0.0 {
        req = req.with_env_var("FAULT_ERROR_RATE", v.error_rate.to_string());
    }
    if v.delay_ms > 0 {
        req = req.with_env_var("FAULT_DELAY_MS", v.delay_ms.to_string());
    }
    let container = req.start().await.map_err(|e| {
        Error::Runtime(format!(
            "starting a {} container from {}: {e}",
            variant.as_str(),
            spec.image
        ))
    })?;
    let id = container.id().to_string();
    let ports = container
        .get_host_port_ipv4(declared.health_check_port.tcp())
        .await
        .map_err(|e| e.to_string())
        .and_then(|health| Ok((health, bridge_ip(&id)?)));
    let (health_port, ip) = match ports {
        Ok(p) => p,
        Err(e) => {
            let _ = container.rm().await;
            return Err(Error::Runtime(format!("inspecting container {id}: {e}")));
        }
    };
    let target = AppContainer {
        variant,
        id,
        app_port,
        health_port,
        ip,
        container: Some(container),
    };
    if let Err(e) = wait_healthy(target.health_port, &declared.health_path).await {
        let _ = target.remove().await;
        return Err(e);
    }
    Ok(target)
}

/// Polls `GET <path>` on the mapped port until 200 (the mapped port accepts TCP
/// before the app listens, so only an HTTP answer counts).
async fn wait_healthy(port: u16, path: &str) -> Result<()> {
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(2))
        .build()
        .map_err(|e| Error::failed("http client", e))?;
    let url = format!("http://127.0.0.1:{port}{path}");
    let deadline = Instant::now() + HEALTHY_TIMEOUT;
    loop {
        if let Ok(r) = client.get(&url).send().await
            && r.status().is_success()
        {
            return Ok(());
        }
        if Instant::now() > deadline {
            return Err(Error::Runtime(format!(
                "app container did not answer {url} with 200 within {HEALTHY_TIMEOUT:?}"
            )));
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

/// Starts every stable and canary replica of `spec` concurrently. On any failure the
/// ones already started are removed.
pub async fn start_all(
    spec: &TwinSpec,
    declared: &Declared,
    twin_id: &str,
    keep: bool,
) -> Result<Vec<AppContainer>> {
    let mut jobs = Vec::new();
    for (variant, v) in [
        (Variant::Stable, &spec.stable),
        (Variant::Canary, &spec.canary),
    ] {
        for _ in 0..v.replicas {
            jobs.push(start_one(spec, declared, variant, v, twin_id, keep));
        }
    }
    all_or_none(jobs).await
}

/// Runs the container starts concurrently; on any failure the ones that started are
/// removed and the first error is returned.
async fn all_or_none(
    jobs: impl IntoIterator<Item = impl std::future::Future<Output = Result<AppContainer>>>,
) -> Result<Vec<AppContainer>> {
    let results = futures::future::join_all(jobs).await;
    let mut ok = Vec::new();
    let mut first_err = None;
    for r in results {
        match r {
            Ok(t) => ok.push(t),
            Err(e) => {
                first_err.get_or_insert(e);
            }
        }
    }
    if let Some(e) = first_err {
        for t in ok {
            let _ = t.remove().await;
        }
        return Err(e);
    }
    Ok(ok)
}

/// Starts the `v.replicas` containers of one variant concurrently (a variant's new
/// release or configuration); on any failure the ones already started are removed.
pub async fn start_variant(
    spec: &TwinSpec,
    declared: &Declared,
    variant: Variant,
    v: &VariantSpec,
    twin_id: &str,
    keep: bool,
) -> Result<Vec<AppContainer>> {
    let jobs = (0..v.replicas).map(|_| start_one(spec, declared, variant, v, twin_id, keep));
    all_or_none(jobs).await
}

/// The container's IP on its Docker network, read with `docker inspect`.
/// (testcontainers' `get_bridge_ip_address` looks the network up by the container's
/// `NetworkMode`, which Docker 20.10 reports as "default", a name it then does not find.)
fn bridge_ip(id: &str) -> std::result::Result<std::net::IpAddr, String> {
    let out = std::process::Command::new("docker")
        .args([
            "inspect",
            "-f",
            "{{range .NetworkSettings.Networks}}{{.IPAddress}} {{end}}",
            id,
        ])
        .output()
        .map_err(|e| format!("docker inspect: {e}"))?;
    let text = String::from_utf8_lossy(&out.stdout);
    text.split_whitespace()
        .find_map(|s| s.parse().ok())
        .ok_or_else(|| format!("docker inspect gave no IP address: {}", text.trim()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_image_references() {
        assert_eq!(split_image("app:v1"), ("app".into(), "v1".into()));
        assert_eq!(split_image("app"), ("app".into(), "latest".into()));
        assert_eq!(
            split_image("localhost:5000/app"),
            ("localhost:5000/app".into(), "latest".into())
        );
        assert_eq!(
            split_image("localhost:5000/app:t"),
            ("localhost:5000/app".into(), "t".into())
        );
    }
}
