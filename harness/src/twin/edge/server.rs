//! The edge process: nginx with ModSecurity and the OWASP CRS, standing in for the ALB
//! and its WebACL. Runs as a non-daemon child of the harness, as the current user, with
//! every file (config, pid, logs, temp) in the twin's folder (`-p <dir>/edge`). It gets
//! its own process group so that a terminal's Ctrl-C reaches only the harness, which
//! then stops it (and so that `twin up` can leave it running).

use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use crate::error::{Error, Result};

use crate::twin::edge::modsec;
use crate::twin::edge::nginx::{self, EdgeLayout, Upstream};
use crate::twin::edge::waf_rate::{self, RateLimits};
use crate::twin::host::process;
use crate::twin::host::secret::write_secret;
use crate::twin::spec::terraform::Declared;
use crate::twin::spec::{TwinSpec, WafMode};

/// The nginx binary (Debian's).
pub const NGINX: &str = "nginx";
/// How long nginx may take to listen.
pub const READY_TIMEOUT: Duration = Duration::from_secs(10);
/// Pause after `SIGHUP` for the new workers to take over.
pub const RELOAD_SETTLE: Duration = Duration::from_millis(300);
/// Attempts when a picked free port is taken before nginx binds it.
const PORT_ATTEMPTS: usize = 3;

/// A running edge.
#[derive(Debug)]
pub struct EdgeServer {
    child: Option<Child>,
    pid: u32,
    layout: EdgeLayout,
    conf: PathBuf,
    upstreams: Vec<Upstream>,
}

fn write(path: &Path, text: &str) -> Result<()> {
    std::fs::write(path, text).map_err(|e| Error::io(format!("writing {}", path.display()), e))
}

fn mkdir(path: &Path) -> Result<()> {
    std::fs::create_dir_all(path).map_err(|e| Error::io(format!("creating {}", path.display()), e))
}

fn running_as_root() -> bool {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata("/proc/self").is_ok_and(|m| m.uid() == 0)
}

impl EdgeServer {
    /// Writes the ModSecurity and nginx configs under `dir` and starts nginx on two
    /// free loopback ports; returns once both listeners accept connections. The
    /// redirect and the WAF rate rules are Terraform's (`declared`, `rate`).
    #[allow(clippy::too_many_arguments)]
    pub async fn start(
        spec: &TwinSpec,
        declared: &Declared,
        rate: &RateLimits,
        dir: &Path,
        cert: &Path,
        key: &Path,
        upstreams: Vec<Upstream>,
        outlive_parent: bool,
    ) -> Result<EdgeServer> {
        if !process::on_path(NGINX) {
            return Err(Error::Prerequisite(format!(
                "{NGINX} not found on PATH; install nginx (scripts/setup.sh)"
            )));
        }
        let prefix = dir.join("edge");
        let msdir = dir.join("modsecurity");
        for d in [prefix.join("logs"), prefix.join("tmp"), msdir.join("tmp")] {
            mkdir(&d)?;
        }
        // The faults waf-no-* drop a managed group's model at the edge only.
        let off: Vec<&str> = spec
            .faults
            .iter()
            .filter_map(|f| f.waf_group_off())
            .collect();
        let mut extras = Vec::new();
        for g in modsec::GROUP_MODELS
            .iter()
            .filter(|g| !off.contains(&g.group))
        {
            let p = msdir.join(g.file);
            write(&p, g.rules)?;
            extras.push(p);
        }
        let mut crs = modsec::crs_rule_files(Path::new(modsec::CRS_RULES_DIR)).map_err(|e| {
            Error::Prerequisite(format!(
                "OWASP CRS rules not found in {} ({e})",
                modsec::CRS_RULES_DIR
            ))
        })?;
        crs.retain(|f| modsec::group_of_crs_file(f).is_none_or(|g| !off.contains(&g)));
        let rate_file = msdir.join("rate-limit.conf");
        // It holds the gate token.
        write_secret(&rate_file, &waf_rate::render_modsec(rate))?;
        let rules = msdir.join("main.conf");
        write(
            &rules,
            &modsec::render(spec.waf, &msdir, &extras, Some(&rate_file), &crs),
        )?;

        let mut last_err = None;
        for _ in 0..PORT_ATTEMPTS {
            let layout = EdgeLayout {
                prefix: prefix.clone(),
                cert: cert.to_path_buf(),
                key: key.to_path_buf(),
                modsecurity_rules: rules.clone(),
                https_port: process::free_port().map_err(|e| Error::io("picking a port", e))?,
                http_port: process::free_port().map_err(|e| Error::io("picking a port", e))?,
                redirect_status: declared.redirect_status,
                waf_rate: rate.rules.clone(),
                as_root: running_as_root(),
            };
            match EdgeServer::spawn(spec, layout, upstreams.clone(), outlive_parent).await {
                Ok(edge) => return Ok(edge),
                Err(e) if e.to_string().contains("Address already in use") => last_err = Some(e),
                Err(e) => return Err(e),
            }
        }
        Err(last_err.unwrap_or_else(|| Error::Runtime("nginx did not start".into())))
    }

    async fn spawn(
        spec: &TwinSpec,
        layout: EdgeLayout,
        upstreams: Vec<Upstream>,
        outlive_parent: bool,
    ) -> Result<EdgeServer> {
        let conf = layout.prefix.join("nginx.conf");
        write(&conf, &nginx::render(spec, &layout, &upstreams))?;
        let error_log = layout.prefix.join("logs/error.log");
        let _ = std::fs::remove_file(&error_log);
        use std::os::unix::process::CommandExt;
        let mut child = process::command(NGINX, !outlive_parent)
            .arg("-p")
            .arg(&layout.prefix)
            .arg("-c")
            .arg(&conf)
            .arg("-e")
            .arg(&error_log)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .process_group(0)
            .spawn()
            .map_err(|e| Error::Prerequisite(format!("cannot run {NGINX} ({e}); install nginx")))?;
        let pid = child.id();
        let deadline = Instant::now() + READY_TIMEOUT;
        loop {
            if let Ok(Some(status)) = child.try_wait() {
                let log = std::fs::read_to_string(&error_log).unwrap_or_default();
                let last = log
                    .lines()
                    .rfind(|l| l.contains("[emerg]") || l.contains("[alert]"))
                    .unwrap_or("no error logged");
                return Err(Error::Runtime(format!(
                    "nginx exited at start ({status}): {last} (config: {})",
                    conf.display()
                )));
            }
            let https = tokio::net::TcpStream::connect(("127.0.0.1", layout.https_port)).await;
            let http = tokio::net::TcpStream::connect(("127.0.0.1", layout.http_port)).await;
            if https.is_ok() && http.is_ok() {
                break;
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                process::signal(pid, "KILL", true);
                let _ = child.wait();
                return Err(Error::Runtime(format!(
                    "nginx did not listen within {READY_TIMEOUT:?} (config: {})",
                    conf.display()
                )));
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        Ok(EdgeServer {
            child: Some(child),
            pid,
            layout,
            conf,
            upstreams,
        })
    }

    /// nginx master pid (leader of its process group).
    pub fn pid(&self) -> u32 {
        self.pid
    }

    /// HTTPS port on 127.0.0.1.
    pub fn https_port(&self) -> u16 {
        self.layout.https_port
    }

    /// HTTP port on 127.0.0.1.
    pub fn http_port(&self) -> u16 {
        self.layout.http_port
    }

    /// Re-renders the config from `spec`, checks it with `nginx -t`, and reloads nginx
    /// (`SIGHUP`: new workers take new connections; old ones finish in-flight requests).
    pub async fn reload(&self, spec: &TwinSpec) -> Result<()> {
        let conf = nginx::render(spec, &self.layout, &self.upstreams);
        reload_with(&self.layout.prefix, &self.conf, &conf, self.pid).await
    }

    /// Replaces the upstream servers (a variant's containers were replaced) and reloads
    /// nginx from `spec`, without dropping requests.
    pub async fn reload_upstreams(
        &mut self,
        spec: &TwinSpec,
        upstreams: Vec<Upstream>,
    ) -> Result<()> {
        let previous = std::mem::replace(&mut self.upstreams, upstreams);
        let reloaded = self.reload(spec).await;
        if reloaded.is_err() {
            self.upstreams = previous;
        }
        reloaded
    }

    /// Sets ModSecurity's engine to `mode` in the running edge's rules file
    /// (`SecRuleEngine On` or `DetectionOnly`) and reloads nginx from `spec`.
    pub async fn set_waf_mode(&self, spec: &TwinSpec, mode: WafMode) -> Result<()> {
        let path = &self.layout.modsecurity_rules;
        let rules = std::fs::read_to_string(path)
            .map_err(|e| Error::io(format!("reading {}", path.display()), e))?;
        let engine = match mode {
            WafMode::Blocking => "On",
            WafMode::DetectionOnly => "DetectionOnly",
        };
        let mut found = false;
        let text: String = rules
            .lines()
            .map(|l| {
                if l.trim_start().starts_with("SecRuleEngine ") {
                    found = true;
                    format!("SecRuleEngine {engine}\n")
                } else {
                    format!("{l}\n")
                }
            })
            .collect();
        if !found {
            return Err(Error::Runtime(format!(
                "{}: no SecRuleEngine line to set",
                path.display()
            )));
        }
        write(path, &text)?;
        self.reload(spec).await
    }

    /// Leaves nginx running after this handle is gone (for `twin up`).
    pub fn detach(mut self) -> u32 {
        self.child.take();
        self.pid
    }

    /// Stops nginx (SIGTERM to the group, SIGKILL after a grace period).
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            process::terminate(self.pid, true, process::STOP_GRACE);
            let _ = child.wait();
        }
    }
}

/// Writes `text` as the config of the nginx running from `prefix` (master `pid`),
/// checks it with `nginx -t` and reloads nginx (`SIGHUP`: new workers take new
/// connections; old ones finish in-flight requests and close idle keep-alive ones).
/// A rejected config is put back as it was.
pub async fn reload_with(prefix: &Path, conf: &Path, text: &str, pid: u32) -> Result<()> {
    let previous = std::fs::read_to_string(conf).ok();
    write(conf, text)?;
    let test = tokio::process::Command::new(NGINX)
        .arg("-t")
        .arg("-q")
        .arg("-p")
        .arg(prefix)
        .arg("-c")
        .arg(conf)
        .arg("-e")
        .arg(prefix.join("logs/error.log"))
        .output()
        .await
        .map_err(|e| Error::io("running nginx -t", e))?;
    if !test.status.success() {
        if let Some(p) = previous {
            let _ = write(conf, &p);
        }
        return Err(Error::Runtime(format!(
            "nginx rejected the new config: {}",
            String::from_utf8_lossy(&test.stderr).trim()
        )));
    }
    if !process::signal(pid, "HUP", false) {
        return Err(Error::Runtime(format!(
            "could not signal nginx (pid {pid}) to reload"
        )));
    }
    tokio::time::sleep(RELOAD_SETTLE).await;
    Ok(())
}

impl Drop for EdgeServer {
    fn drop(&mut self) {
        self.stop();
    }
}
