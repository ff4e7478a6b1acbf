//! Whether a pid read from a twin's state file is still a process the twin started,
//! checked before the harness signals it. A state file outlives its processes (a
//! reboot, a harness killed while the twin went down, an nginx that crashed), and the
//! kernel then gives the pid to something else: another user's nginx, a shell, a
//! database. `twin down`, `twin weights` and the reaper of leftovers must never signal
//! such a process, so each recorded pid is matched against what the twin ran:
//!
//! - nginx: its master rewrites its title to `nginx: master process <argv>`, which
//!   keeps the arguments; ours carries `-c <twin dir>/edge/node-N/nginx.conf` (one
//!   nginx per edge node), a path in a folder made for that twin alone.
//! - moto: `python3 …/moto_server -H 127.0.0.1 -p PORT` (a Python script, so the
//!   executable is the interpreter); ours has `moto_server` as an argument's file name
//!   and `-p` followed by the port the twin recorded.
//!
//! The command line comes from `/proc/PID/cmdline`; a pid whose command line cannot be
//! read (gone, or another user's process under `hidepid`) is not ours.

use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::twin::host::process;

/// The twin's edge folder inside its folder (`EdgeServer::start` lays it out with
/// [`edge_node_dir`]).
const EDGE_DIR: &str = "edge";
/// The nginx config inside an edge node's folder.
const NGINX_CONF: &str = "nginx.conf";
/// Reads of an empty `/proc/PID/cmdline` (a process in `execve`, or a kernel thread)
/// before giving up, [`EMPTY_CMDLINE_PAUSE`] apart.
const EMPTY_CMDLINE_RETRIES: usize = 10;
/// Pause between those reads (an exec lays out its arguments within microseconds).
const EMPTY_CMDLINE_PAUSE: Duration = Duration::from_millis(5);
/// The moto executable's file name.
const MOTO_BIN: &str = "moto_server";

/// What a recorded pid must be running for the harness to signal it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expected<'a> {
    /// nginx started with `-c <conf>`.
    Nginx {
        /// The config path the twin passed to nginx.
        conf: &'a Path,
    },
    /// moto_server listening on `port`.
    Moto {
        /// The port the twin passed to moto_server.
        port: u16,
    },
}

impl Expected<'_> {
    fn name(&self) -> &'static str {
        match self {
            Expected::Nginx { .. } => "nginx",
            Expected::Moto { .. } => "moto_server",
        }
    }
}

/// The folder (nginx prefix) of edge node `node` (0-based) of the twin whose folder
/// is `twin_dir`.
pub fn edge_node_dir(twin_dir: &Path, node: usize) -> PathBuf {
    twin_dir.join(EDGE_DIR).join(format!("node-{node}"))
}

/// The nginx config path of edge node `node` of the twin whose folder is `twin_dir`.
pub fn nginx_conf_of(twin_dir: &Path, node: usize) -> PathBuf {
    edge_node_dir(twin_dir, node).join(NGINX_CONF)
}

/// The arguments of `pid` (`/proc/PID/cmdline` split at NUL), or `None` when unreadable
/// or empty. The file reads empty for a moment while a process execs (its new memory
/// is not laid out yet), so an empty read is retried [`EMPTY_CMDLINE_RETRIES`] times.
pub fn cmdline(pid: u32) -> Option<Vec<String>> {
    for _ in 0..EMPTY_CMDLINE_RETRIES {
        let raw = std::fs::read(format!("/proc/{pid}/cmdline")).ok()?;
        let args: Vec<String> = raw
            .split(|b| *b == 0)
            .filter(|a| !a.is_empty())
            .map(|a| String::from_utf8_lossy(a).into_owned())
            .collect();
        if !args.is_empty() {
            return Some(args);
        }
        std::thread::sleep(EMPTY_CMDLINE_PAUSE);
    }
    None
}

/// The kernel's short name of `pid` (`/proc/PID/comm`): what a message may show of a
/// foreign process (its arguments may hold secrets, so they are never printed).
fn comm(pid: u32) -> String {
    std::fs::read_to_string(format!("/proc/{pid}/comm"))
        .map(|c| c.trim().to_string())
        .unwrap_or_else(|_| "unknown".into())
}

/// Whether the arguments `args` are those of the process `expected` describes.
pub fn matches(args: &[String], expected: Expected<'_>) -> bool {
    match expected {
        Expected::Nginx { conf } => {
            // nginx's title is one string holding every argument after "master process".
            let joined = args.join(" ");
            let is_nginx = args.first().is_some_and(|a| {
                a.starts_with("nginx:")
                    || Path::new(a.split(' ').next().unwrap_or(""))
                        .file_name()
                        .is_some_and(|f| f == "nginx")
            });
            let needle = format!("-c {}", conf.display());
            is_nginx
                && joined.match_indices(&needle).any(|(at, _)| {
                    let before = joined[..at].chars().next_back();
                    let after = joined[at + needle.len()..].chars().next();
                    before == Some(' ') && after.is_none_or(|c| c == ' ')
                })
        }
        Expected::Moto { port } => {
            let port = port.to_string();
            let is_moto = args
                .iter()
                .any(|a| Path::new(a).file_name().is_some_and(|f| f == MOTO_BIN));
            is_moto && args.windows(2).any(|w| w[0] == "-p" && w[1] == port)
        }
    }
}

/// `Ok` when `pid` runs what `expected` describes; otherwise why it is not ours, in one
/// line that names the process by its short name only.
pub fn check(pid: u32, expected: Expected<'_>) -> Result<(), String> {
    match cmdline(pid) {
        Some(args) if matches(&args, expected) => Ok(()),
        Some(_) => Err(format!(
            "pid {pid} is now `{}`, not the twin's {}",
            comm(pid),
            expected.name()
        )),
        None => Err(format!(
            "pid {pid}: no command line to read, so it is not known to be the twin's {}",
            expected.name()
        )),
    }
}

/// What [`stop`] did with a recorded pid.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stopped {
    /// No such process (already gone).
    Gone,
    /// It was ours and it exited.
    Ended,
    /// It was ours and is still there after SIGKILL.
    Stuck,
    /// Another process has the pid: left alone, with the reason.
    NotOurs(String),
}

/// Stops `pid` (its process group with `group`) if and only if it is the process
/// `expected` describes: SIGTERM, then SIGKILL after `grace`.
pub fn stop(pid: u32, expected: Expected<'_>, group: bool, grace: Duration) -> Stopped {
    if !process::alive(pid) {
        return Stopped::Gone;
    }
    if let Err(why) = check(pid, expected) {
        return Stopped::NotOurs(why);
    }
    if process::terminate(pid, group, grace) {
        Stopped::Ended
    } else {
        Stopped::Stuck
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    /// Command lines as read from `/proc` on this machine (Debian nginx 1.22, moto 5.2.5
    /// from a venv and from pyenv).
    #[test]
    fn recognises_our_nginx_and_moto_only() {
        let conf = Path::new("/tmp/tw/edge/nginx.conf");
        let ours = Expected::Nginx { conf };
        let master = args(&[
            "nginx: master process nginx -p /tmp/tw/edge -c /tmp/tw/edge/nginx.conf -e /tmp/tw/edge/logs/error.log",
        ]);
        assert!(matches(&master, ours));
        // Not yet retitled: plain argv.
        let plain = args(&[
            "/usr/sbin/nginx",
            "-p",
            "/tmp/tw/edge",
            "-c",
            "/tmp/tw/edge/nginx.conf",
        ]);
        assert!(matches(&plain, ours));
        // Another twin's nginx, the system nginx, a longer path, a non-nginx process.
        let other_twin = args(&["nginx: master process nginx -c /tmp/tw2/edge/nginx.conf"]);
        let system =
            args(&["nginx: master process /usr/sbin/nginx -g daemon on; master_process on;"]);
        let longer = args(&["nginx: master process nginx -c /tmp/tw/edge/nginx.conf.bak"]);
        let editor = args(&["vi", "-c", "/tmp/tw/edge/nginx.conf"]);
        for foreign in [&other_twin, &system, &longer, &editor] {
            assert!(!matches(foreign, ours), "{foreign:?}");
        }

        let moto = Expected::Moto { port: 41234 };
        let venv = args(&[
            "/root/.cache/canary-harness/moto-venv/bin/python3",
            "/root/.cache/canary-harness/moto-venv/bin/moto_server",
            "-H",
            "127.0.0.1",
            "-p",
            "41234",
        ]);
        assert!(matches(&venv, moto));
        assert!(!matches(&venv, Expected::Moto { port: 41235 }));
        let python = args(&["python3", "-m", "http.server", "-p", "41234"]);
        assert!(!matches(&python, moto));
        assert!(!matches(&venv, ours));
    }

    /// A recorded pid now held by an unrelated process (here a `sleep` this test runs)
    /// is refused and left running; the message names it without its arguments.
    #[test]
    fn refuses_to_stop_a_process_that_is_not_ours() {
        let mut child = std::process::Command::new("sleep")
            .arg("30")
            .spawn()
            .unwrap();
        let pid = child.id();
        let conf = Path::new("/nonexistent/edge/nginx.conf");
        for expected in [Expected::Nginx { conf }, Expected::Moto { port: 41234 }] {
            match stop(pid, expected, false, Duration::from_millis(100)) {
                Stopped::NotOurs(why) => {
                    assert!(
                        why.contains("`sleep`") && !why.contains("sleep 30"),
                        "{why}"
                    )
                }
                other => panic!("{other:?}"),
            }
            assert!(process::alive(pid));
        }
        child.kill().unwrap();
        child.wait().unwrap();
        assert_eq!(
            stop(pid, Expected::Moto { port: 1 }, false, Duration::ZERO),
            Stopped::Gone
        );
    }
}
