//! The app's container image for the twin, built on the local Docker engine from the
//! repository's own Dockerfile.
//!
//! Machines of this project have no registry, so the binary is built on the host
//! (static glibc, `+crt-static`) and the Dockerfile's `runtime-local` stage copies it
//! into `scratch`. The tag is a content hash of the binary and the Dockerfile, so an
//! unchanged app is never rebuilt. The binary gets its own target directory
//! (`target/static`): when this runs inside `cargo test`, the outer cargo holds the
//! lock of `target/` and a nested build there would wait forever.
//!
//! Concurrency: callers in one process share one build (a `OnceCell`); builds in
//! different processes are serialised by cargo's own target-directory lock, and two
//! `docker build`s of the same content produce the same tag, so a race is harmless.

use std::path::{Path, PathBuf};
use std::process::Stdio;

use sha2::{Digest, Sha256};
use tokio::process::Command;
use tokio::sync::OnceCell;

use crate::error::{Error, Result};
use crate::twin::host::prereq::check_docker;

/// Repository name of the app image on the local engine.
pub const APP_IMAGE_REPO: &str = "canary-harness/app";
/// Dockerfile stage that packages a host-built binary.
pub const DOCKERFILE_STAGE: &str = "runtime-local";
/// The one Rust target installed on these machines.
pub const BUILD_TARGET: &str = "x86_64-unknown-linux-gnu";
/// Target directory of the static build, relative to the workspace root.
pub const STATIC_TARGET_DIR: &str = "target/static";
/// Hex digits of the content hash used as the tag.
const TAG_HEX_LEN: usize = 16;
/// Lines of a failing command's stderr quoted in the error.
const STDERR_TAIL_LINES: usize = 15;

/// A locally available image of the app.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppImage {
    /// Repository, e.g. `canary-harness/app`.
    pub name: String,
    /// Content hash of the binary and Dockerfile.
    pub tag: String,
}

impl AppImage {
    /// `name:tag`, as given to `docker run`.
    pub fn reference(&self) -> String {
        format!("{}:{}", self.name, self.tag)
    }
}

/// The workspace root: the nearest directory holding both `Dockerfile` and
/// `Cargo.toml`, searched upward from this crate's source directory (known at compile
/// time), then from the current directory.
pub fn workspace_root() -> Result<PathBuf> {
    let compiled = Path::new(env!("CARGO_MANIFEST_DIR"));
    if let Some(root) = find_root(compiled) {
        return Ok(root);
    }
    let cwd = std::env::current_dir().map_err(|e| Error::io("reading the current directory", e))?;
    find_root(&cwd).ok_or_else(|| {
        Error::Config(format!(
            "cannot find the repository (a directory with Dockerfile and Cargo.toml) above {} or {}",
            compiled.display(),
            cwd.display()
        ))
    })
}

fn find_root(start: &Path) -> Option<PathBuf> {
    start
        .ancestors()
        .find(|dir| dir.join("Dockerfile").is_file() && dir.join("Cargo.toml").is_file())
        .map(Path::to_path_buf)
}

/// Builds the static binary and the image unless an image of the same content exists.
/// Safe to call from many tests at once.
pub async fn ensure_app_image() -> Result<AppImage> {
    static IMAGE: OnceCell<AppImage> = OnceCell::const_new();
    IMAGE.get_or_try_init(build_app_image).await.cloned()
}

async fn build_app_image() -> Result<AppImage> {
    check_docker().await?;
    let root = workspace_root()?;
    let binary = build_static_binary(&root).await?;
    let tag = content_tag(&[&binary, &root.join("Dockerfile")])?;
    let image = AppImage {
        name: APP_IMAGE_REPO.to_owned(),
        tag,
    };
    if !image_exists(&image.reference()).await? {
        docker_build(&root, &image).await?;
    }
    Ok(image)
}

/// `cargo build --release -p app` for a static binary; returns its path.
async fn build_static_binary(root: &Path) -> Result<PathBuf> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let target_dir = root.join(STATIC_TARGET_DIR);
    let out = Command::new(&cargo)
        .args(["build", "--release", "--locked", "-p", "app", "--target"])
        .arg(BUILD_TARGET)
        .current_dir(root)
        .env("CARGO_TARGET_DIR", &target_dir)
        .env("RUSTFLAGS", "-C target-feature=+crt-static")
        .env_remove("CARGO_ENCODED_RUSTFLAGS")
        .env_remove("CARGO_BUILD_RUSTFLAGS")
        // scripts/test.sh lints while it builds the tests (clippy-driver as the
        // workspace wrapper); the image is built by plain rustc, as anywhere else.
        .env_remove("RUSTC_WORKSPACE_WRAPPER")
        .env_remove("CLIPPY_ARGS")
        .stdin(Stdio::null())
        .output()
        .await
        .map_err(|e| Error::Prerequisite(format!("cargo not runnable: {e}")))?;
    if !out.status.success() {
        return Err(Error::Runtime(format!(
            "static build of the app failed: {}",
            tail(&out.stderr)
        )));
    }
    let binary = target_dir.join(BUILD_TARGET).join("release").join("app");
    if binary.is_file() {
        Ok(binary)
    } else {
        Err(Error::Runtime(format!(
            "static build succeeded but {} is missing",
            binary.display()
        )))
    }
}

/// First [`TAG_HEX_LEN`] hex digits of SHA-256 over the files' contents.
fn content_tag(files: &[&Path]) -> Result<String> {
    let mut hasher = Sha256::new();
    for file in files {
        let bytes =
            std::fs::read(file).map_err(|e| Error::io(format!("reading {}", file.display()), e))?;
        hasher.update((bytes.len() as u64).to_le_bytes());
        hasher.update(&bytes);
    }
    let hex: String = hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    Ok(hex[..TAG_HEX_LEN].to_owned())
}

/// Whether `reference` names an image in the local Docker engine.
pub async fn image_exists(reference: &str) -> Result<bool> {
    let status = Command::new("docker")
        .args(["image", "inspect", "--format", "{{.Id}}", reference])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .await
        .map_err(|e| Error::Prerequisite(format!("docker CLI not runnable: {e}")))?;
    Ok(status.success())
}

async fn docker_build(root: &Path, image: &AppImage) -> Result<()> {
    let release = std::env::var("APP_RELEASE").unwrap_or_default();
    let out = Command::new("docker")
        .arg("build")
        .args(["--target", DOCKERFILE_STAGE])
        .args(["--build-arg", &format!("RELEASE={release}")])
        .args(["--tag", &image.reference()])
        .arg("--quiet")
        .arg(root)
        .stdin(Stdio::null())
        .output()
        .await
        .map_err(|e| Error::Prerequisite(format!("docker CLI not runnable: {e}")))?;
    if out.status.success() || image_exists(&image.reference()).await? {
        Ok(())
    } else {
        Err(Error::Runtime(format!(
            "docker build of {} failed: {}",
            image.reference(),
            tail(&out.stderr)
        )))
    }
}

/// The last lines of a command's output, on one line.
fn tail(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(bytes);
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    let start = lines.len().saturating_sub(STDERR_TAIL_LINES);
    let joined = lines[start..].join(" | ");
    if joined.is_empty() {
        "(no output)".to_owned()
    } else {
        joined
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn workspace_root_holds_dockerfile_and_manifest() {
        let root = workspace_root().unwrap();
        assert!(root.join("Dockerfile").is_file());
        assert!(root.join("app/Cargo.toml").is_file());
    }

    #[test]
    fn tag_follows_content() {
        let dir = tempfile::tempdir().unwrap();
        let (a, b) = (dir.path().join("a"), dir.path().join("b"));
        std::fs::write(&a, b"one").unwrap();
        std::fs::write(&b, b"two").unwrap();
        let t1 = content_tag(&[&a, &b]).unwrap();
        assert_eq!(t1.len(), TAG_HEX_LEN);
        assert_eq!(t1, content_tag(&[&a, &b]).unwrap());
        std::fs::write(&b, b"three").unwrap();
        assert_ne!(t1, content_tag(&[&a, &b]).unwrap());
        // Boundaries count: ("ab","c") differs from ("a","bc").
        std::fs::write(&a, b"ab").unwrap();
        std::fs::write(&b, b"c").unwrap();
        let t2 = content_tag(&[&a, &b]).unwrap();
        std::fs::write(&a, b"a").unwrap();
        std::fs::write(&b, b"bc").unwrap();
        assert_ne!(t2, content_tag(&[&a, &b]).unwrap());
    }

    #[test]
    fn missing_file_is_an_io_error() {
        let err = content_tag(&[Path::new("/nonexistent/file")]).unwrap_err();
        assert!(matches!(err, Error::Io { .. }), "{err}");
    }

    #[test]
    fn tail_keeps_the_last_lines() {
        let text: String = (0..40).map(|i| format!("line{i}\n")).collect();
        let t = tail(text.as_bytes());
        assert!(t.starts_with("line25"), "{t}");
        assert!(t.ends_with("line39"));
        assert_eq!(tail(b""), "(no output)");
    }
}
