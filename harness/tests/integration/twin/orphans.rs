//! A harness killed without unwinding must not leave the twin's processes behind.

use std::process::Command;
use std::time::{Duration, Instant};

use crate::support::twin_util;

use twin_util::{alive, children_named, image};

const HARNESS: &str = env!("CARGO_BIN_EXE_harness");

/// A harness killed without unwinding (SIGKILL: no destructor runs) must not leave
/// its moto server or nginx behind: both are tied to it with a parent-death signal.
#[tokio::test]
async fn a_killed_harness_leaves_no_moto_or_nginx() {
    let _machine = crate::support::serial::twin().await;
    let image = image().await;
    let reports = tempfile::tempdir().unwrap();
    let mut child = Command::new(HARNESS)
        .args([
            "local",
            "--weights",
            "90/10",
            "--checks",
            "split",
            "--report-dir",
        ])
        .arg(reports.path())
        .args(["--max-requests", "100000000", "--rps", "50"])
        .env("HARNESS_APP_IMAGE", &image)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let pid = child.id();
    let deadline = Instant::now() + Duration::from_secs(90);
    let (moto, nginx) = loop {
        let (m, n) = (
            children_named(pid, "moto_server"),
            children_named(pid, "nginx"),
        );
        if !m.is_empty() && !n.is_empty() {
            break (m, n);
        }
        assert!(
            Instant::now() < deadline,
            "the twin did not come up (moto {m:?}, nginx {n:?})"
        );
        assert!(child.try_wait().unwrap().is_none(), "harness exited early");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    let deadline = Instant::now() + Duration::from_secs(15);
    let left = loop {
        let left: Vec<u32> = moto
            .iter()
            .chain(&nginx)
            .copied()
            .filter(|&p| alive(p))
            .collect();
        if left.is_empty() || Instant::now() > deadline {
            break left;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    // The containers are the reaper's job (owner label); remove ours now.
    let ids = Command::new("docker")
        .args(["ps", "-aq", "--filter"])
        .arg(format!("label={}={pid}", harness::twin::LABEL_OWNER))
        .output()
        .unwrap();
    for id in String::from_utf8_lossy(&ids.stdout).split_whitespace() {
        let _ = Command::new("docker").args(["rm", "-f", id]).output();
    }
    assert!(
        left.is_empty(),
        "still alive after SIGKILL of the harness: {left:?}"
    );
}
