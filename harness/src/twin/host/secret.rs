//! Files holding secrets (the edge's TLS key, the WAF gate token, moto's credentials),
//! created readable by their owner only from the first byte: writing a file and
//! restricting it afterwards leaves a window in which another user can open it, and an
//! open file stays readable after `chmod`.

use std::io::Write;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::Path;

use crate::error::{Error, Result};

/// Owner read/write only.
pub const SECRET_MODE: u32 = 0o600;

/// Writes `text` to `path`, created with [`SECRET_MODE`]. A file that already exists
/// is restricted to that mode before anything is written into it.
pub fn write_secret(path: &Path, text: &str) -> Result<()> {
    let ctx = || format!("writing {}", path.display());
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(SECRET_MODE)
        .open(path)
        .map_err(|e| Error::io(ctx(), e))?;
    file.set_permissions(std::fs::Permissions::from_mode(SECRET_MODE))
        .map_err(|e| Error::io(ctx(), e))?;
    file.write_all(text.as_bytes())
        .map_err(|e| Error::io(ctx(), e))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mode(path: &Path) -> u32 {
        std::fs::metadata(path).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn secrets_are_never_readable_by_others() {
        let dir = tempfile::tempdir().unwrap();
        let fresh = dir.path().join("key.pem");
        write_secret(&fresh, "secret").unwrap();
        assert_eq!(mode(&fresh), SECRET_MODE);
        assert_eq!(std::fs::read_to_string(&fresh).unwrap(), "secret");
        // An existing world-readable file is restricted before it is rewritten.
        let old = dir.path().join("old.pem");
        std::fs::write(&old, "a much longer previous content").unwrap();
        std::fs::set_permissions(&old, std::fs::Permissions::from_mode(0o644)).unwrap();
        write_secret(&old, "new").unwrap();
        assert_eq!(mode(&old), SECRET_MODE);
        assert_eq!(std::fs::read_to_string(&old).unwrap(), "new");
    }
}
