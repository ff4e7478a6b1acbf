//! Process helpers for the twin's child processes (nginx, moto) without `unsafe`:
//! signals through `kill(1)`, liveness and listening sockets through `/proc`.

use std::path::Path;
use std::time::{Duration, Instant};

/// Grace given to nginx and moto to exit on SIGTERM before SIGKILL.
pub const STOP_GRACE: Duration = Duration::from_secs(3);

/// util-linux `setpriv`: sets the parent-death signal, then execs the program.
const SETPRIV: &str = "setpriv";

/// Whether an executable named `bin` is on `PATH` (or is an existing path).
pub fn on_path(bin: &str) -> bool {
    if bin.contains('/') {
        return Path::new(bin).is_file();
    }
    std::env::var_os("PATH")
        .is_some_and(|paths| std::env::split_paths(&paths).any(|dir| dir.join(bin).is_file()))
}

/// A command running `bin`. With `tie_to_parent` (and `setpriv` available) the program
/// gets SIGTERM when the thread that spawned it ends, so the twin's processes do not
/// outlive a harness killed without unwinding (SIGKILL, a test runner's timeout). The
/// pid stays the program's own: `setpriv` execs it.
pub fn command(bin: impl AsRef<std::ffi::OsStr>, tie_to_parent: bool) -> std::process::Command {
    if tie_to_parent && on_path(SETPRIV) {
        let mut c = std::process::Command::new(SETPRIV);
        c.args(["--pdeathsig", "TERM"]).arg(bin);
        c
    } else {
        std::process::Command::new(bin)
    }
}

/// Sends `signal` (e.g. "TERM", "HUP") to `pid`; `group` targets its process group.
pub fn signal(pid: u32, signal: &str, group: bool) -> bool {
    let target = if group {
        format!("-{pid}")
    } else {
        pid.to_string()
    };
    std::process::Command::new("kill")
        .args([format!("-{signal}"), "--".into(), target])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// Whether `pid` exists and is not a zombie.
pub fn alive(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(stat) => stat
            .rsplit_once(") ")
            .is_some_and(|(_, rest)| !rest.starts_with('Z') && !rest.starts_with('X')),
        Err(_) => false,
    }
}

/// The live children of `pid` (processes whose parent it is), from `/proc`.
pub fn children(pid: u32) -> Vec<u32> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
        .filter(|&child| {
            std::fs::read_to_string(format!("/proc/{child}/stat")).is_ok_and(|stat| {
                // "pid (comm) state ppid ...": the name may hold spaces and parentheses.
                stat.rsplit_once(") ").is_some_and(|(_, rest)| {
                    rest.split_whitespace().nth(1) == Some(pid.to_string().as_str())
                })
            })
        })
        .filter(|&child| alive(child))
        .collect()
}

/// Stops `pid` (and its process group when `group`): SIGTERM, then SIGKILL after
/// `grace`. Returns whether it is gone.
pub fn terminate(pid: u32, group: bool, grace: Duration) -> bool {
    if !alive(pid) {
        return true;
    }
    signal(pid, "TERM", group);
    let deadline = Instant::now() + grace;
    while Instant::now() < deadline {
        if !alive(pid) {
            return true;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    signal(pid, "KILL", group);
    std::thread::sleep(Duration::from_millis(50));
    !alive(pid)
}

/// The pid of the process listening on TCP `port` (IPv4 or IPv6), from `/proc`.
pub fn pid_listening_on(port: u16) -> Option<u32> {
    let mut inodes = Vec::new();
    for table in ["/proc/net/tcp", "/proc/net/tcp6"] {
        let Ok(text) = std::fs::read_to_string(table) else {
            continue;
        };
        for line in text.lines().skip(1) {
            let cols: Vec<&str> = line.split_whitespace().collect();
            if cols.len() < 10 || cols[3] != "0A" {
                continue;
            }
            let local_port = cols[1]
                .rsplit_once(':')
                .and_then(|(_, p)| u16::from_str_radix(p, 16).ok());
            if local_port == Some(port) {
                inodes.push(format!("socket:[{}]", cols[9]));
            }
        }
    }
    if inodes.is_empty() {
        return None;
    }
    for entry in std::fs::read_dir("/proc").ok()?.flatten() {
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|s| s.parse::<u32>().ok())
        else {
            continue;
        };
        let Ok(fds) = std::fs::read_dir(entry.path().join("fd")) else {
            continue;
        };
        for fd in fds.flatten() {
            if let Ok(link) = std::fs::read_link(fd.path())
                && inodes.iter().any(|i| Path::new(i) == link)
            {
                return Some(pid);
            }
        }
    }
    None
}

/// A free TCP port on 127.0.0.1 (bound and released; a small race remains, callers
/// retry on "address in use").
pub fn free_port() -> std::io::Result<u16> {
    let l = std::net::TcpListener::bind(("127.0.0.1", 0))?;
    Ok(l.local_addr()?.port())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_our_own_listener_and_liveness() {
        let l = std::net::TcpListener::bind(("127.0.0.1", 0)).unwrap();
        let port = l.local_addr().unwrap().port();
        assert_eq!(pid_listening_on(port), Some(std::process::id()));
        drop(l);
        assert_eq!(pid_listening_on(port), None);
        assert!(alive(std::process::id()));
    }

    #[test]
    fn lists_children() {
        let mut child = std::process::Command::new("sleep")
            .arg("30")
            .spawn()
            .unwrap();
        assert!(children(std::process::id()).contains(&child.id()));
        child.kill().unwrap();
        child.wait().unwrap();
        assert!(!children(std::process::id()).contains(&child.id()));
    }

    #[test]
    fn terminates_a_child() {
        let mut child = std::process::Command::new("sleep")
            .arg("30")
            .spawn()
            .unwrap();
        let pid = child.id();
        assert!(alive(pid));
        signal(pid, "TERM", false);
        let status = child.wait().unwrap();
        assert!(!status.success());
        assert!(!alive(pid));
    }
}
