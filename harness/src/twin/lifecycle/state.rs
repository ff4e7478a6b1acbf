//! What a twin started, on disk (`state.json` in the twin's folder), so that it can be
//! stopped by another process (`harness twin down`) and so that leftovers of runs that
//! died (SIGKILL, power loss) are reaped by the next one. Containers also carry labels
//! ([`LABEL_TWIN`], [`LABEL_OWNER`], [`LABEL_KEEP`]) so that nothing depends on the file
//! alone.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

use crate::twin::host::owned::{self, Expected, Stopped};
use crate::twin::host::process::{self, STOP_GRACE};
use crate::twin::targets::containers::{LABEL_KEEP, LABEL_OWNER, LABEL_TWIN};

/// State file name inside the twin folder.
pub const STATE_FILE: &str = "state.json";

/// Everything a twin started.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct TwinState {
    /// Twin id (also the container label value).
    pub id: String,
    /// Process that owns the twin (the harness process that started it).
    pub owner_pid: u32,
    /// Started by `twin up`: survives its owner, stopped only by `twin down`.
    pub detached: bool,
    /// The twin's folder.
    pub dir: PathBuf,
    /// nginx master pids, one per edge node in node order (each its own process
    /// group; node `i`'s config is [`owned::nginx_conf_of`]`(dir, i)`).
    #[serde(default)]
    pub nginx_pids: Vec<u32>,
    /// The edge node that keeps its weights under `node-stale` (`twin weights` leaves
    /// it alone).
    #[serde(default)]
    pub stale_node: Option<usize>,
    /// moto_server pid.
    pub moto_pid: Option<u32>,
    /// moto_server port (to recognise its pid before signalling it).
    #[serde(default)]
    pub moto_port: Option<u16>,
    /// Container ids.
    pub containers: Vec<String>,
    /// The `twin up --env` lines.
    #[serde(default)]
    pub env: Vec<(String, String)>,
}

impl TwinState {
    /// Writes `state.json` atomically.
    pub fn save(&self) -> Result<()> {
        let path = self.dir.join(STATE_FILE);
        let tmp = self.dir.join(format!("{STATE_FILE}.tmp"));
        let json = serde_json::to_vec_pretty(self)
            .map_err(|e| Error::failed("serialising twin state", e))?;
        std::fs::write(&tmp, json)
            .and_then(|()| std::fs::rename(&tmp, &path))
            .map_err(|e| Error::io(format!("writing {}", path.display()), e))
    }

    /// Reads `state.json` from `dir`.
    pub fn load(dir: &Path) -> Result<Self> {
        let path = dir.join(STATE_FILE);
        let bytes = std::fs::read(&path)
            .map_err(|e| Error::io(format!("reading {}", path.display()), e))?;
        serde_json::from_slice(&bytes)
            .map_err(|e| Error::failed(format!("{} is not a twin state", path.display()), e))
    }

    /// Stops everything recorded (and every container labelled with the id), then
    /// removes the folder. Synchronous so that it also runs from `Drop`. A recorded pid
    /// is signalled only while it is still the twin's nginx or moto ([`owned`]); one
    /// that now belongs to another process is left alone and named on stderr.
    pub fn teardown(&self) -> Result<()> {
        let (mut problems, left_alone) = self.stop_processes();
        for note in &left_alone {
            eprintln!("twin teardown: {note}; left alone");
        }
        let mut ids = self.containers.clone();
        if !self.id.is_empty() {
            ids.extend(containers_with_label(&format!("{LABEL_TWIN}={}", self.id)));
        }
        ids.sort();
        ids.dedup();
        if let Err(e) = remove_containers(&ids) {
            problems.push(e);
        }
        if self.dir.join(STATE_FILE).exists() {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(Error::Runtime(format!(
                "twin teardown incomplete: {}",
                problems.join("; ")
            )))
        }
    }

    /// Stops the recorded nginx of every edge node (each its process group) and moto,
    /// each only while it is still the twin's: nginx with its node's config, moto with
    /// the twin's port (a state without the port, from an older harness, cannot be
    /// verified and its moto pid is not signalled). Returns (problems, pids left alone
    /// with why).
    pub fn stop_processes(&self) -> (Vec<String>, Vec<String>) {
        let (mut problems, mut left_alone) = (Vec::new(), Vec::new());
        let confs: Vec<_> = (0..self.nginx_pids.len())
            .map(|i| owned::nginx_conf_of(&self.dir, i))
            .collect();
        let nginx = self
            .nginx_pids
            .iter()
            .zip(&confs)
            .map(|(pid, conf)| ("nginx", Some(*pid), Some(Expected::Nginx { conf })));
        let moto = (
            "moto_server",
            self.moto_pid,
            self.moto_port.map(|port| Expected::Moto { port }),
        );
        for (name, pid, expected) in nginx.chain([moto]) {
            let Some(pid) = pid else { continue };
            let Some(expected) = expected else {
                if process::alive(pid) {
                    left_alone.push(format!(
                        "{name} pid {pid}: no port recorded to recognise it by"
                    ));
                }
                continue;
            };
            // nginx runs in a process group of its own (workers included).
            let group = matches!(expected, Expected::Nginx { .. });
            match owned::stop(pid, expected, group, STOP_GRACE) {
                Stopped::Gone | Stopped::Ended => {}
                Stopped::Stuck => problems.push(format!("{name} pid {pid} did not exit")),
                Stopped::NotOurs(why) => left_alone.push(why),
            }
        }
        (problems, left_alone)
    }
}

/// Ids of containers (running or not) matching a `docker ps --filter label=` value.
pub fn containers_with_label(filter: &str) -> Vec<String> {
    Command::new("docker")
        .args([
            "ps",
            "-aq",
            "--no-trunc",
            "--filter",
            &format!("label={filter}"),
        ])
        .stderr(Stdio::null())
        .output()
        .map(|o| {
            String::from_utf8_lossy(&o.stdout)
                .split_whitespace()
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

/// `docker rm -f -v` on all `ids` at once.
pub fn remove_containers(ids: &[String]) -> std::result::Result<(), String> {
    if ids.is_empty() {
        return Ok(());
    }
    let out = Command::new("docker")
        .args(["rm", "-f", "-v"])
        .args(ids)
        .stdout(Stdio::null())
        .output()
        .map_err(|e| format!("docker rm: {e}"))?;
    let err = String::from_utf8_lossy(&out.stderr);
    // "No such container" means it is already gone, which is the goal.
    if out.status.success() || err.lines().all(|l| l.contains("No such container")) {
        Ok(())
    } else {
        Err(format!("docker rm: {}", err.trim()))
    }
}

/// Root of the folders of in-process twins (`local`, tests).
pub fn twins_root() -> PathBuf {
    std::env::temp_dir().join("canary-harness-twins")
}

/// Default state folder of `twin up` / `twin down`.
pub fn default_up_dir() -> PathBuf {
    std::env::temp_dir().join("canary-harness-twin")
}

/// Stops leftovers of earlier runs whose owner process is gone and that were not
/// started by `twin up`: folders under [`twins_root`] and labelled containers. Twins of
/// live processes (parallel tests, other users of the machine) are left alone.
pub fn reap_leftovers() {
    if let Ok(entries) = std::fs::read_dir(twins_root()) {
        for e in entries.flatten() {
            let dir = e.path();
            match TwinState::load(&dir) {
                Ok(s) if !s.detached && !process::alive(s.owner_pid) => {
                    let _ = s.teardown();
                    let _ = std::fs::remove_dir_all(&dir);
                }
                Ok(_) => {}
                Err(_) => {
                    // A folder without state is a twin that died before writing it;
                    // remove it once it is old enough not to be one starting now.
                    let old = e
                        .metadata()
                        .and_then(|m| m.modified())
                        .ok()
                        .and_then(|t| t.elapsed().ok())
                        .is_some_and(|age| age > Duration::from_secs(600));
                    if old {
                        let _ = std::fs::remove_dir_all(&dir);
                    }
                }
            }
        }
    }
    let out = Command::new("docker")
        .args([
            "ps",
            "-a",
            "--no-trunc",
            "--filter",
            &format!("label={LABEL_TWIN}"),
            "--format",
            &format!(
                "{{{{.ID}}}} {{{{.Label \"{LABEL_OWNER}\"}}}} {{{{.Label \"{LABEL_KEEP}\"}}}}"
            ),
        ])
        .stderr(Stdio::null())
        .output();
    let Ok(out) = out else { return };
    let orphans: Vec<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| {
            let mut cols = l.split_whitespace();
            let id = cols.next()?;
            let owner: u32 = cols.next()?.parse().ok()?;
            let keep = cols.next().is_some_and(|k| k == "true");
            (!keep && !process::alive(owner)).then(|| id.to_string())
        })
        .collect();
    let _ = remove_containers(&orphans);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn state_round_trips() {
        let dir = tempfile::tempdir().unwrap();
        let s = TwinState {
            id: "abc".into(),
            owner_pid: 42,
            detached: true,
            dir: dir.path().into(),
            nginx_pids: vec![7, 8],
            stale_node: Some(1),
            moto_pid: None,
            moto_port: None,
            containers: vec!["c1".into()],
            env: vec![("TWIN_URL".into(), "https://x".into())],
        };
        s.save().unwrap();
        let back = TwinState::load(dir.path()).unwrap();
        assert_eq!(back.id, "abc");
        assert_eq!(back.nginx_pids, [7, 8]);
        assert_eq!(back.stale_node, Some(1));
        assert_eq!(back.containers, vec!["c1".to_string()]);
        assert_eq!(back.env[0].0, "TWIN_URL");
    }

    /// A state file whose pids now belong to an unrelated process (a `sleep` run here,
    /// standing for whatever the kernel gave the pids to): teardown leaves it running
    /// and says why, for the nginx and the moto pid alike.
    #[test]
    fn teardown_leaves_a_recycled_pid_alone() {
        let dir = tempfile::tempdir().unwrap();
        let mut sleep = Command::new("sleep").arg("30").spawn().unwrap();
        let pid = sleep.id();
        let s = TwinState {
            dir: dir.path().into(),
            nginx_pids: vec![pid, pid],
            moto_pid: Some(pid),
            moto_port: Some(41234),
            ..TwinState::default()
        };
        s.save().unwrap();
        let loaded = TwinState::load(dir.path()).unwrap();
        let (problems, left_alone) = loaded.stop_processes();
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(left_alone.len(), 3, "{left_alone:?}");
        for note in &left_alone[..2] {
            assert!(note.contains("not the twin's nginx"), "{left_alone:?}");
        }
        assert!(left_alone[2].contains("not the twin's moto_server"));
        loaded.teardown().unwrap();
        assert!(process::alive(pid), "teardown signalled a foreign process");
        // Without a recorded port the moto pid cannot be recognised: not signalled.
        let old = TwinState {
            nginx_pids: Vec::new(),
            moto_port: None,
            ..loaded
        };
        let (_, left_alone) = old.stop_processes();
        assert!(left_alone[0].contains("no port recorded"), "{left_alone:?}");
        assert!(process::alive(pid));
        sleep.kill().unwrap();
        sleep.wait().unwrap();
    }

    #[test]
    fn load_of_a_missing_state_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        assert!(TwinState::load(dir.path()).is_err());
    }
}
