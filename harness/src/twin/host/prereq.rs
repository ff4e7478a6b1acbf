//! Fast checks that the twin's prerequisites exist, so that a missing tool gives one
//! line naming the setup command (exit 4) instead of a hang or a panic deep inside
//! testcontainers or a child process.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::error::{Error, Result};

/// Path of Debian's ModSecurity dynamic module.
pub const MODSECURITY_MODULE: &str = "/usr/lib/nginx/modules/ngx_http_modsecurity_module.so";
/// Folder of the CRS rule files.
pub const CRS_RULES_DIR: &str = "/usr/share/modsecurity-crs/rules";

/// How long `docker version` may take to reach the engine.
pub const DOCKER_TIMEOUT: Duration = Duration::from_secs(5);
/// The moto server executable (PyPI `moto[server]`).
pub const MOTO_SERVER: &str = "moto_server";
/// Environment variable naming the venv that holds moto_server.
pub const MOTO_VENV_ENV: &str = "HARNESS_MOTO_VENV";
/// Where `scripts/setup.sh` makes that venv by default, under `$HOME` (PEP 668 keeps
/// pip out of Debian's Python, so moto lives in a venv of the project's own).
pub const MOTO_VENV_DEFAULT: &str = ".cache/canary-harness/moto-venv";

/// The moto venv: `$HARNESS_MOTO_VENV`, else `~/.cache/canary-harness/moto-venv`.
pub fn moto_venv() -> Option<PathBuf> {
    match std::env::var_os(MOTO_VENV_ENV) {
        Some(v) if !v.is_empty() => Some(PathBuf::from(v)),
        _ => std::env::var_os("HOME")
            .filter(|h| !h.is_empty())
            .map(|h| Path::new(&h).join(MOTO_VENV_DEFAULT)),
    }
}

/// moto_server: in `venv`'s `bin` first (the version setup.sh pins), else on `path`.
pub fn find_moto_server(venv: Option<&Path>, path: &OsStr) -> Option<PathBuf> {
    venv.and_then(|v| find_in_path(MOTO_SERVER, v.join("bin").as_os_str()))
        .or_else(|| find_in_path(MOTO_SERVER, path))
}

/// moto_server for this process ([`moto_venv`], then `PATH`).
pub fn moto_server() -> Option<PathBuf> {
    find_moto_server(
        moto_venv().as_deref(),
        &std::env::var_os("PATH").unwrap_or_default(),
    )
}

/// Finds `name` in the `PATH`-style list `path` (an executable regular file).
pub fn find_in_path(name: &str, path: &OsStr) -> Option<PathBuf> {
    use std::os::unix::fs::PermissionsExt;
    std::env::split_paths(path).map(|d| d.join(name)).find(|p| {
        std::fs::metadata(p).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
    })
}

/// Checks the local tools (nginx with ModSecurity and the CRS, moto_server in
/// `moto_venv` or on `path`, the docker CLI), without running anything.
pub fn check_tools(path: &OsStr, moto_venv: Option<&Path>) -> Result<()> {
    let mut missing = Vec::new();
    if find_in_path("docker", path).is_none() {
        missing.push("docker CLI".to_string());
    }
    if find_in_path("nginx", path).is_none() && !Path::new("/usr/sbin/nginx").exists() {
        missing.push("nginx".to_string());
    } else if !Path::new(MODSECURITY_MODULE).exists() {
        missing.push("libnginx-mod-http-modsecurity".to_string());
    }
    if !Path::new(CRS_RULES_DIR).is_dir() {
        missing.push("modsecurity-crs".to_string());
    }
    if find_moto_server(moto_venv, path).is_none() {
        let venv =
            moto_venv.map_or_else(|| format!("${MOTO_VENV_ENV}"), |v| v.display().to_string());
        missing.push(format!(
            "moto_server (moto[server], in {venv}/bin or on PATH)"
        ));
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
    check_tools(
        &std::env::var_os("PATH").unwrap_or_default(),
        moto_venv().as_deref(),
    )?;
    check_docker().await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_path_names_every_tool_and_the_setup_command() {
        let err = check_tools(OsStr::new("/nonexistent"), None).unwrap_err();
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

    /// moto_server is taken from the venv when it is there (whatever PATH holds), else
    /// from PATH; an empty venv and an empty PATH find nothing.
    #[test]
    fn moto_server_comes_from_the_venv_first() {
        use std::os::unix::fs::PermissionsExt;
        let exe = |dir: &Path| {
            std::fs::create_dir_all(dir).unwrap();
            let p = dir.join(MOTO_SERVER);
            std::fs::write(&p, "").unwrap();
            std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
            p
        };
        let root = tempfile::tempdir().unwrap();
        let venv = root.path().join("venv");
        let on_path = exe(&root.path().join("path"));
        let path = root.path().join("path").into_os_string();
        assert_eq!(find_moto_server(Some(&venv), &path), Some(on_path));
        let in_venv = exe(&venv.join("bin"));
        assert_eq!(find_moto_server(Some(&venv), &path), Some(in_venv.clone()));
        let empty = OsStr::new("/nonexistent");
        assert_eq!(find_moto_server(Some(&venv), empty), Some(in_venv));
        assert_eq!(find_moto_server(None, empty), None);
    }
}
