//! Fast checks that the twin's prerequisites exist, so that a missing tool gives one
//! line naming the setup command (exit 4) instead of a hang or a panic deep inside
//! testcontainers or a child process.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::error::{Error, Result};

use super::modsec;
use super::nginx::MODSECURITY_MODULE;

/// How long `docker version` may take to reach the engine.
pub const DOCKER_TIMEOUT: Duration = Duration::from_secs(5);
/// The moto server executable (PyPI `moto[server]`).
pub const MOTO_SERVER: &str = "moto_server";

/// Finds `name` in the `PATH`-style list `path` (an executable regular file).
pub fn find_in_path(name: &str, path: &OsStr) -> Option<PathBuf> {
    use std::os::unix::fs::PermissionsExt;
    std::env::split_paths(path).map(|d| d.join(name)).find(|p| {
        std::fs::metadata(p).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
    })
}

/// Checks the local tools (nginx with ModSecurity and the CRS, moto_server, the docker
/// CLI) against `path`, without running anything.
pub fn check_tools(path: &OsStr) -> Result<()> {
    let mut missing = Vec::new();
    if find_in_path("docker", path).is_none() {
        missing.push("docker CLI".to_string());
    }
    if find_in_path("nginx", path).is_none() && !Path::new("/usr/sbin/nginx").exists() {
        missing.push("nginx".to_string());
    } else if !Path::new(MODSECURITY_MODULE).exists() {
        missing.push("libnginx-mod-http-modsecurity".to_string());
    }
    if !Path::new(modsec::CRS_RULES_DIR).is_dir() {
        missing.push("modsecurity-crs".to_string());
    }
    if find_in_path(MOTO_SERVER, path).is_none() {
        missing.push("moto_server (moto[server])".to_string());
    }
    if missing.is_empty() {
        Ok(())
    } else {
        Err(Error::Prerequisite(format!(
            "not installed: {}",
            missing.join(", ")
        )))
    }
}

/// Checks that the Docker engine answers (bounded by [`DOCKER_TIMEOUT`]).
pub async fn check_docker() -> Result<()> {
    let run = tokio::process::Command::new("docker")
        .args(["version", "--format", "{{.Server.Version}}"])
        .stdin(std::process::Stdio::null())
        .kill_on_drop(true)
        .output();
    match tokio::time::timeout(DOCKER_TIMEOUT, run).await {
        Ok(Ok(out)) if out.status.success() => Ok(()),
        Ok(Ok(out)) => {
            let err = String::from_utf8_lossy(&out.stderr);
            let line = err.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
            Err(Error::Prerequisite(format!(
                "the Docker engine is not reachable: {}",
                line.trim()
            )))
        }
        Ok(Err(e)) => Err(Error::Prerequisite(format!("cannot run docker: {e}"))),
        Err(_) => Err(Error::Prerequisite(format!(
            "the Docker engine did not answer within {DOCKER_TIMEOUT:?}"
        ))),
    }
}

/// All prerequisites of the twin, tools first (no I/O beyond `stat`), then Docker.
pub async fn check() -> Result<()> {
    check_tools(&std::env::var_os("PATH").unwrap_or_default())?;
    check_docker().await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_path_names_every_tool_and_the_setup_command() {
        let err = check_tools(OsStr::new("/nonexistent")).unwrap_err();
        assert!(matches!(err, Error::Prerequisite(_)));
        let msg = err.to_string();
        assert!(
            msg.contains("docker CLI") && msg.contains("moto_server"),
            "{msg}"
        );
        assert!(msg.contains("bash scripts/setup.sh"), "{msg}");
        assert!(!msg.contains('\n'));
        assert_eq!(err.exit_code(), crate::exit::EXIT_RUNTIME);
    }

    #[test]
    fn finds_executables_only() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("tool"), "").unwrap();
        assert!(find_in_path("tool", dir.path().as_os_str()).is_none());
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(
            dir.path().join("tool"),
            std::fs::Permissions::from_mode(0o755),
        )
        .unwrap();
        assert!(find_in_path("tool", dir.path().as_os_str()).is_some());
    }
}
