//! A twin that outlives the command (`harness twin up`, `harness local --keep`): the
//! folder it keeps its state in must be its own ([`prepare_state_dir`]), and the
//! environment that points clients at it is printed as shell-evaluable lines
//! ([`env_lines`]).

use std::path::{Path, PathBuf};

use crate::config::input::shell_quote;
use crate::error::{Error, Result};
use crate::twin::host::owned::{self, Expected};
use crate::twin::host::process;

use super::state::{self, STATE_FILE, TwinState};

/// `NAME=value` lines, shell-evaluable.
pub fn env_lines(env: &[(String, String)]) -> String {
    env.iter()
        .map(|(k, v)| format!("{k}={}\n", shell_quote(v)))
        .collect()
}

/// Makes sure `dir` can hold a new twin: no live twin there, nothing foreign in it.
pub fn prepare_state_dir(dir: &Path) -> Result<()> {
    if dir.join(STATE_FILE).exists() {
        let s = TwinState::load(dir)?;
        // Live: a recorded pid still runs the twin's nginx (of any node) or moto (a
        // recycled pid, now another program's, does not keep the folder busy).
        let ours = |pid: Option<u32>, expected: Option<Expected<'_>>| {
            pid.zip(expected)
                .is_some_and(|(pid, e)| process::alive(pid) && owned::check(pid, e).is_ok())
        };
        let live = s.nginx_pids.iter().enumerate().any(|(i, pid)| {
            let conf = owned::nginx_conf_of(&s.dir, i);
            ours(Some(*pid), Some(Expected::Nginx { conf: &conf }))
        }) || ours(s.moto_pid, s.moto_port.map(|port| Expected::Moto { port }));
        if live {
            return Err(Error::Config(format!(
                "a twin is already up in {} (stop it with: harness twin down --state-dir {})",
                dir.display(),
                dir.display()
            )));
        }
        // Stale: its processes are gone; remove what may remain.
        let _ = s.teardown();
    }
    if let Ok(mut entries) = std::fs::read_dir(dir)
        && entries.next().is_some()
    {
        return Err(Error::Config(format!(
            "--state-dir {}: exists and is not empty (the twin needs a folder of its own)",
            dir.display()
        )));
    }
    Ok(())
}

/// The state folder of a detached twin: `given`, else [`state::default_up_dir`].
pub fn state_dir(given: Option<PathBuf>) -> PathBuf {
    given.unwrap_or_else(state::default_up_dir)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_only_when_needed() {
        assert_eq!(shell_quote("https://h:1/"), "https://h:1/");
        assert_eq!(shell_quote("a b"), "'a b'");
        assert_eq!(shell_quote("it's"), r"'it'\''s'");
        assert_eq!(shell_quote(""), "''");
        let lines = env_lines(&[("A".into(), "x y".into()), ("B".into(), "z".into())]);
        assert_eq!(lines, "A='x y'\nB=z\n");
    }

    #[test]
    fn refuses_a_foreign_non_empty_folder() {
        let dir = tempfile::tempdir().unwrap();
        prepare_state_dir(dir.path()).unwrap();
        std::fs::write(dir.path().join("mine"), "").unwrap();
        assert!(matches!(
            prepare_state_dir(dir.path()),
            Err(Error::Config(_))
        ));
    }
}
