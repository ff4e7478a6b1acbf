//! `harness twin up|weights|down`: a twin that outlives the command, for exploration
//! and for other clients (curl, boto3, `harness verify`). `up` records what it started
//! in `state.json` in the state folder and prints the environment; `weights` moves
//! both planes of that twin as a deployment does (the listener in moto at once, the
//! edge after `--edge-lag`); `down` stops exactly what `up` recorded.

use std::collections::HashMap;
use std::path::PathBuf;
use std::time::Instant;

use crate::aws::{self, AwsOptions};
use crate::cli::{TwinAction, TwinArgs, TwinDownArgs, TwinUpArgs, TwinWeightsArgs};
use crate::error::{Error, Result};
use crate::outcome::Outcome;
use crate::twin::control_plane::listener::set_listener_weights;
use crate::twin::edge::nginx::reweight;
use crate::twin::edge::server::reload_with;
use crate::twin::host::{owned, prereq};
use crate::twin::lifecycle::detached::{env_lines, prepare_state_dir, state_dir};
use crate::twin::lifecycle::state::{STATE_FILE, TwinState};
use crate::twin::lifecycle::weights::edge_lag;
use crate::twin::lifecycle::{Twin, TwinOptions};
use crate::twin::spec::TwinSpec;
use crate::twin::spec::Weights;
use crate::twin::spec::fault::Fault;
use crate::twin::targets::image_for_twin;

/// `harness twin ACTION`.
pub async fn run(args: TwinArgs) -> Result<Outcome> {
    match args.action {
        TwinAction::Up(a) => up(a).await,
        TwinAction::Down(a) => down(a).await,
        TwinAction::Weights(a) => weights(a).await,
    }
    .map(|()| Outcome::success())
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
        .map_err(|e| Error::failed("twin down", e))??;
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}

/// `harness twin weights` on a twin started by `twin up`.
pub async fn weights(args: TwinWeightsArgs) -> Result<()> {
    let w: Weights = args.weights.parse()?;
    let lag = edge_lag(args.edge_lag)?;
    let dir = state_dir(args.state_dir);
    if !dir.join(STATE_FILE).exists() {
        return Err(Error::Config(format!(
            "no twin is up in {} (start one with: harness twin up)",
            dir.display()
        )));
    }
    let st = TwinState::load(&dir)?;
    let env: HashMap<String, String> = st.env.iter().cloned().collect();
    let get = |k: &str| {
        env.get(k)
            .cloned()
            .ok_or_else(|| Error::Runtime(format!("{}: twin state lacks {k}", dir.display())))
    };
    if st.nginx_pids.is_empty() {
        return Err(Error::Runtime("the twin's edge is not running".into()));
    }
    // Every node's new config, checked before the listener moves, so a refused edge
    // change moves nothing. The stale node of `node-stale` keeps its weights.
    let mut edge = Vec::new();
    for (i, &pid) in st.nginx_pids.iter().enumerate() {
        if st.stale_node == Some(i) {
            continue;
        }
        let conf_path = owned::nginx_conf_of(&st.dir, i);
        let prefix = conf_path.parent().unwrap_or(&st.dir).to_path_buf();
        // Signal only the twin's own nginx: the pid may belong to another process now.
        owned::check(pid, owned::Expected::Nginx { conf: &conf_path }).map_err(|why| {
            Error::Runtime(format!(
                "the twin's edge is not running ({why}); start it again: harness twin up"
            ))
        })?;
        let conf = std::fs::read_to_string(&conf_path)
            .map_err(|e| Error::io(format!("reading {}", conf_path.display()), e))?;
        let new_conf = reweight(&conf, w.stable, w.canary).map_err(Error::Config)?;
        edge.push((prefix, conf_path, new_conf, pid));
    }

    let sdk = aws::load(&AwsOptions {
        endpoint_url: Some(get("AWS_ENDPOINT_URL")?),
        region: Some(get("AWS_REGION")?),
        profile: Some(get("AWS_PROFILE")?),
        credentials_file: Some(PathBuf::from(get("AWS_SHARED_CREDENTIALS_FILE")?)),
    })
    .await?;
    // The target groups come from the twin's outputs: its services name none, as
    // app-infra's do not.
    let (stable_tg, canary_tg) = (
        get("TWIN_STABLE_TARGET_GROUP")?,
        get("TWIN_CANARY_TARGET_GROUP")?,
    );
    let started = Instant::now();
    set_listener_weights(&sdk, &get("TWIN_LISTENER_ARN")?, &stable_tg, &canary_tg, w).await?;
    let listener = started.elapsed();
    eprintln!(
        "twin weights: listener {w} after {:.3} s; edge follows in {:.1} s",
        listener.as_secs_f64(),
        lag.as_secs_f64()
    );
    tokio::time::sleep(lag).await;
    for (prefix, conf_path, new_conf, pid) in &edge {
        reload_with(prefix, conf_path, new_conf, *pid).await?;
    }
    eprintln!(
        "twin weights: edge {w} after {:.3} s",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}
