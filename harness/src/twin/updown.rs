//! `harness twin up` and `harness twin down`: a twin that outlives the command, for
//! exploration and for other clients (curl, boto3, `harness verify`). `up` records
//! what it started in `state.json` in the state folder and prints the environment;
//! `down` stops exactly that.

use std::path::{Path, PathBuf};

use crate::cli::{TwinDownArgs, TwinUpArgs};
use crate::error::{Error, Result};

use super::fault::Fault;
use super::owned::{self, Expected};
use super::spec::{TwinSpec, Weights};
use super::state::{self, STATE_FILE, TwinState};
use super::twin::{Twin, TwinOptions};
use super::{image_for_twin, prereq, process};

/// Quotes `value` for a POSIX shell when it holds anything beyond a safe set.
pub fn shell_quote(value: &str) -> String {
    let safe = !value.is_empty()
        && value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_./:@,+=-%".contains(c));
    if safe {
        value.to_string()
    } else {
        format!("'{}'", value.replace('\'', r"'\''"))
    }
}

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
        // Live: a recorded pid still runs the twin's nginx or moto (a recycled pid,
        // now another program's, does not keep the folder busy).
        let conf = owned::nginx_conf_of(&s.dir);
        let ours = |pid: Option<u32>, expected: Option<Expected<'_>>| {
            pid.zip(expected)
                .is_some_and(|(pid, e)| process::alive(pid) && owned::check(pid, e).is_ok())
        };
        let live = ours(s.nginx_pid, Some(Expected::Nginx { conf: &conf }))
            || ours(s.moto_pid, s.moto_port.map(|port| Expected::Moto { port }));
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

fn state_dir(given: Option<PathBuf>) -> PathBuf {
    given.unwrap_or_else(state::default_up_dir)
}

/// `harness twin up`.
pub async fn up(args: TwinUpArgs) -> Result<()> {
    let weights: Weights = args.weights.parse()?;
    let faults = Fault::parse_all(&args.faults)?;
    let dir = state_dir(args.state_dir);
    prereq::check().await?;
    prepare_state_dir(&dir)?;
    let image = image_for_twin().await?;
    let spec = TwinSpec::with_faults(weights, image, &faults);
    let opts = TwinOptions {
        dir: Some(dir),
        detached: true,
        ..TwinOptions::default()
    };
    let twin = tokio::select! {
        t = Twin::start_with(spec, opts) => t?,
        _ = tokio::signal::ctrl_c() => {
            return Err(Error::Runtime("interrupted (Ctrl-C); nothing left running".into()));
        }
    };
    let env = twin.env();
    let state = twin.detach();
    if args.env {
        print!("{}", env_lines(&env));
    } else {
        println!("twin up ({weights}), state in {}", state.dir.display());
        print!("{}", env_lines(&env));
        println!(
            "stop it with: harness twin down --state-dir {}",
            state.dir.display()
        );
    }
    Ok(())
}

/// `harness twin down`: stops what `up` recorded; a no-op when nothing is up.
pub async fn down(args: TwinDownArgs) -> Result<()> {
    let dir = state_dir(args.state_dir);
    if !dir.join(STATE_FILE).exists() {
        eprintln!("twin down: no twin is up in {}", dir.display());
        return Ok(());
    }
    let state = TwinState::load(&dir)?;
    tokio::task::spawn_blocking(move || state.teardown())
        .await
        .map_err(|e| Error::Runtime(format!("twin down: {e}")))??;
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
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
