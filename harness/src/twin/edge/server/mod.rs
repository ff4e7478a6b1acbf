//! The edge: one nginx with ModSecurity and the OWASP CRS per load-balancer node,
//! standing in for the ALB and its WebACL. An ALB has one node per availability zone
//! of its subnets, each with its own address behind one DNS name and each applying a
//! listener change on its own; the twin runs as many nodes as shared-infra declares
//! zones ([`crate::twin::spec::terraform::zones`]), node `i` on `127.0.0.(i+1)`, all on the
//! same two ports (one name, several A records: `--resolve HOST:PORT:A1,A2`). Each
//! node is an nginx master of its own ([`node`]: own config, pid, logs, temp files,
//! process group), so that one node can hold stale weights (`node-stale`). They run
//! as non-daemon children of the harness, as the current user, with every file in the
//! twin's folder; a process group of their own keeps a terminal's Ctrl-C for the
//! harness, which then stops them (and lets `twin up` leave them running).
//!
//! Each node counts the WAF's rate rules on its own (ModSecurity's collections live in
//! the node's worker), where AWS WAF aggregates a rate-based rule across the load
//! balancer's nodes: a client spread over `k` nodes is blocked on the twin only after
//! `k` times the limit. The rate tests therefore send to one node.
//!
//! Allocator: ModSecurity v3 allocates and frees strings for every rule it evaluates,
//! and with glibc's malloc a fifth of the edge's CPU went to `malloc`/`free` (`perf`,
//! sampling the twin). Each node runs with Debian's jemalloc preloaded
//! ([`JEMALLOC`], package `libjemalloc2`, which `scripts/setup.sh` installs): the same
//! nginx and rules, a fifth less CPU per request and a fifth more sampled requests/s
//! on two cores (`harness local --checks scale --max-requests 40000`, three
//! alternating runs each: nginx workers 1.26 → 0.99 ms of CPU per request, 1,130 →
//! 1,360 requests/s). Where the library is missing the nodes run on glibc's
//! allocator: slower, otherwise the same edge.

use std::net::{IpAddr, Ipv4Addr};
use std::path::Path;
use std::time::Duration;

use crate::error::{Error, Result};

use crate::twin::edge::modsec;
use crate::twin::edge::nginx::{EdgeLayout, Upstream};
use crate::twin::edge::waf_rate::{self, RateLimits};
use crate::twin::host::secret::write_secret;
use crate::twin::host::{owned, process};
use crate::twin::spec::terraform::Declared;
use crate::twin::spec::{TwinSpec, WafMode};

/// The nginx binary (Debian's).
pub const NGINX: &str = "nginx";
/// Debian's jemalloc (`libjemalloc2`), preloaded into every node when present.
pub const JEMALLOC: &str = "/usr/lib/x86_64-linux-gnu/libjemalloc.so.2";
/// How long nginx may take to listen.
pub const READY_TIMEOUT: Duration = Duration::from_secs(10);
/// Attempts when a picked free port is taken before every node binds it.
const PORT_ATTEMPTS: usize = 3;

pub mod node;

/// The environment that preloads [`JEMALLOC`] into nginx, or nothing where it is
/// missing.
pub fn allocator_env() -> Option<(&'static str, &'static str)> {
    Path::new(JEMALLOC)
        .is_file()
        .then_some(("LD_PRELOAD", JEMALLOC))
}

pub use node::{Node, RELOAD_TIMEOUT, reload_with};

/// A running edge: its nodes, in address order.
#[derive(Debug)]
pub struct EdgeServer {
    nodes: Vec<Node>,
    upstreams: Vec<Upstream>,
}

/// The address of edge node `node` (0-based): `127.0.0.(node+1)`.
pub fn node_addr(node: usize) -> Result<IpAddr> {
    let last = u8::try_from(node + 1)
        .ok()
        .filter(|l| *l < u8::MAX)
        .ok_or_else(|| Error::Config(format!("{} edge nodes: too many", node + 1)))?;
    Ok(IpAddr::V4(Ipv4Addr::new(127, 0, 0, last)))
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
    /// Writes the ModSecurity rules under `dir` and starts `count` nginx nodes (one per
    /// availability zone), all on the same two free ports; returns once every node's
    /// listeners accept connections. The redirect and the WAF rate rules are
    /// Terraform's (`declared`, `rate`).
    #[allow(clippy::too_many_arguments)]
    pub async fn start(
        spec: &TwinSpec,
        declared: &Declared,
        rate: &RateLimits,
        dir: &Path,
        cert: &Path,
        key: &Path,
        upstreams: Vec<Upstream>,
        count: usize,
        outlive_parent: bool,
    ) -> Result<EdgeServer> {
        if !process::on_path(NGINX) {
            return Err(Error::Prerequisite(format!(
                "{NGINX} not found on PATH; install nginx (scripts/setup.sh)"
            )));
        }
        let msdir = dir.join("modsecurity");
        mkdir(&msdir.join("tmp"))?;
        for i in 0..count {
            let prefix = owned::edge_node_dir(dir, i);
            for d in [prefix.join("logs"), prefix.join("tmp")] {
                mkdir(&d)?;
            }
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
        'ports: for _ in 0..PORT_ATTEMPTS {
            let https_port = process::free_port().map_err(|e| Error::io("picking a port", e))?;
            let http_port = process::free_port().map_err(|e| Error::io("picking a port", e))?;
            let mut nodes = Vec::with_capacity(count);
            for i in 0..count {
                let layout = EdgeLayout {
                    prefix: owned::edge_node_dir(dir, i),
                    listen: node_addr(i)?,
                    cert: cert.to_path_buf(),
                    key: key.to_path_buf(),
                    modsecurity_rules: rules.clone(),
                    https_port,
                    http_port,
                    redirect_status: declared.redirect_status,
                    waf_rate: rate.rules.clone(),
                    as_root: running_as_root(),
                };
                // Dropping `nodes` on an error stops the nodes started so far.
                match Node::spawn(&spec.for_node(i, count), layout, &upstreams, outlive_parent)
                    .await
                {
                    Ok(n) => nodes.push(n),
                    Err(e) if e.to_string().contains("Address already in use") => {
                        last_err = Some(e);
                        continue 'ports;
                    }
                    Err(e) => return Err(e),
                }
            }
            return Ok(EdgeServer { nodes, upstreams });
        }
        Err(last_err.unwrap_or_else(|| Error::Runtime("nginx did not start".into())))
    }

    /// The nginx master pids, one per node in address order (each leads its process
    /// group).
    pub fn pids(&self) -> Vec<u32> {
        self.nodes.iter().map(Node::pid).collect()
    }

    /// The nodes' addresses, in order.
    pub fn addrs(&self) -> Vec<IpAddr> {
        self.nodes.iter().map(Node::addr).collect()
    }

    /// HTTPS port (every node's).
    pub fn https_port(&self) -> u16 {
        self.nodes.first().map_or(0, |n| n.layout.https_port)
    }

    /// HTTP port (every node's).
    pub fn http_port(&self) -> u16 {
        self.nodes.first().map_or(0, |n| n.layout.http_port)
    }

    /// Re-renders every node's config from `spec` (the stale node of `node-stale`
    /// keeps its weights, [`TwinSpec::for_node`]), checks it with `nginx -t` and
    /// reloads the node, one after the other; returns once no node runs a worker of
    /// its old config.
    pub async fn reload(&self, spec: &TwinSpec) -> Result<()> {
        let count = self.nodes.len();
        for (i, node) in self.nodes.iter().enumerate() {
            node.reload(&spec.for_node(i, count), &self.upstreams)
                .await?;
        }
        Ok(())
    }

    /// Replaces the upstream servers (a variant's containers were replaced) and reloads
    /// every node from `spec`, without dropping requests.
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

    /// Sets ModSecurity's engine to `mode` in the rules file every node reads
    /// (`SecRuleEngine On` or `DetectionOnly`) and reloads the nodes from `spec`.
    pub async fn set_waf_mode(&self, spec: &TwinSpec, mode: WafMode) -> Result<()> {
        let Some(first) = self.nodes.first() else {
            return Err(Error::Runtime("the edge runs no node".into()));
        };
        let path = &first.layout.modsecurity_rules;
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

    /// Leaves every node running after this handle is gone (for `twin up`); returns
    /// their pids.
    pub fn detach(self) -> Vec<u32> {
        self.nodes.into_iter().map(Node::detach).collect()
    }

    /// Stops every node (SIGTERM to its group, SIGKILL after a grace period).
    pub fn stop(&mut self) {
        for node in &mut self.nodes {
            node.stop();
        }
    }
}
