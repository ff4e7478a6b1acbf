//! One edge node: an nginx master with its own folder (config, pid file, logs, temp
//! files), its own process group and its own loopback address, so that it holds its
//! own weights as an ALB node does. Started, reloaded ([`reload_with`]: the call
//! returns once no worker of the old config is left, so no request is answered with
//! stale weights after it) and stopped.

use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use crate::error::{Error, Result};
use crate::twin::edge::nginx::{self, EdgeLayout, Upstream};
use crate::twin::host::process;
use crate::twin::spec::TwinSpec;

use super::{NGINX, READY_TIMEOUT, allocator_env, write};

/// Longest wait for the workers of the old config to exit after `SIGHUP`: they finish
/// their in-flight requests and close idle keep-alive connections, which takes
/// milliseconds on the twin.
pub const RELOAD_TIMEOUT: Duration = Duration::from_secs(10);
/// Pause between two looks at nginx's workers while it reloads or starts.
const POLL: Duration = Duration::from_millis(10);

/// A running nginx: one edge node.
#[derive(Debug)]
pub struct Node {
    child: Option<Child>,
    pid: u32,
    pub(super) layout: EdgeLayout,
    conf: PathBuf,
}

impl Node {
    /// Writes the node's config and starts nginx; returns once both listeners of the
    /// node's address accept connections.
    pub(super) async fn spawn(
        spec: &TwinSpec,
        layout: EdgeLayout,
        upstreams: &[Upstream],
        outlive_parent: bool,
    ) -> Result<Node> {
        let conf = layout.prefix.join("nginx.conf");
        write(&conf, &nginx::render(spec, &layout, upstreams))?;
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
            .envs(allocator_env())
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
            let connect = |port| tokio::net::TcpStream::connect((layout.listen, port));
            let https = connect(layout.https_port).await;
            let http = connect(layout.http_port).await;
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
        Ok(Node {
            child: Some(child),
            pid,
            layout,
            conf,
        })
    }

    /// nginx master pid (leader of its process group).
    pub fn pid(&self) -> u32 {
        self.pid
    }

    /// The node's address.
    pub fn addr(&self) -> IpAddr {
        self.layout.listen
    }

    /// Renders the node's config from `spec` and `upstreams` and reloads it.
    pub(super) async fn reload(&self, spec: &TwinSpec, upstreams: &[Upstream]) -> Result<()> {
        let text = nginx::render(spec, &self.layout, upstreams);
        reload_with(&self.layout.prefix, &self.conf, &text, self.pid).await
    }

    /// Leaves nginx running after this handle is gone (for `twin up`).
    pub(super) fn detach(mut self) -> u32 {
        self.child.take();
        self.pid
    }

    /// Stops nginx (SIGTERM to the group, SIGKILL after a grace period).
    pub(super) fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            process::terminate(self.pid, true, process::STOP_GRACE);
            let _ = child.wait();
        }
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Writes `text` as the config of the nginx running from `prefix` (master `pid`),
/// checks it with `nginx -t` and reloads nginx (`SIGHUP`: new workers take new
/// connections; old ones finish in-flight requests and close idle keep-alive ones).
/// Returns once every worker of the old config has exited and a new one runs, so that
/// nothing answers with the old weights afterwards. A rejected config is put back as
/// it was.
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
    let old = process::children(pid);
    if !process::signal(pid, "HUP", false) {
        return Err(Error::Runtime(format!(
            "could not signal nginx (pid {pid}) to reload"
        )));
    }
    let deadline = Instant::now() + RELOAD_TIMEOUT;
    loop {
        let now = process::children(pid);
        let old_left = now.iter().any(|p| old.contains(p));
        let new_up = now.iter().any(|p| !old.contains(p));
        if !old_left && new_up {
            return Ok(());
        }
        if Instant::now() > deadline {
            return Err(Error::Runtime(format!(
                "nginx (pid {pid}) still ran workers of the old config {RELOAD_TIMEOUT:?} \
                 after the reload (config: {})",
                conf.display()
            )));
        }
        tokio::time::sleep(POLL).await;
    }
}
