//! `harness local`: the project's main job. Brings the twin up from `--weights` and
//! `--fault`, runs `harness verify` against it with the user's verification options,
//! and tears it down on every path (success, error, Ctrl-C, panic via `Drop`). With
//! `--promotion-flow`, runs a whole promotion on one twin instead
//! ([`crate::twin::promotion`]).

use std::time::Instant;

use crate::cli::{LocalArgs, VerifyArgs};
use crate::error::{Error, Result};
use crate::outcome::Outcome;
use crate::twin::host::prereq;
use crate::twin::lifecycle::access::merge_verify_args;
use crate::twin::lifecycle::detached::{env_lines, prepare_state_dir};
use crate::twin::lifecycle::state;
use crate::twin::lifecycle::{Twin, TwinOptions};
use crate::twin::promotion;
use crate::twin::spec::fault::Fault;
use crate::twin::spec::{TwinSpec, Weights};
use crate::twin::targets::image_for_twin;

/// `harness local`: twin up, verify, report, twin down (or, with `--promotion-flow`,
/// a whole promotion with the gate at each step: [`promotion`]).
pub async fn run(args: LocalArgs) -> Result<Outcome> {
    if args.promotion_flow {
        return Ok(promotion::run_flow(args).await?.outcome());
    }
    if let Some(n) = args.at_step {
        return Err(Error::Config(format!(
            "--at-step {n}: only with --promotion-flow"
        )));
    }
    local(args).await
}

/// Probes `GET /` once through the edge and describes what answered.
async fn probe(twin: &Twin) -> Result<String> {
    let endpoint = twin.endpoint()?;
    let client = endpoint
        .client_builder()?
        .timeout(std::time::Duration::from_secs(5))
        .build()
        .map_err(|e| Error::failed("http client", e))?;
    let resp = client.get(endpoint.url.clone()).send().await.map_err(|e| {
        Error::Unreachable(format!(
            "probing {}: {}",
            endpoint.url,
            crate::error::one_line(&e)
        ))
    })?;
    let h = |n: &str| {
        resp.headers()
            .get(n)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("-")
            .to_string()
    };
    Ok(format!(
        "GET {} -> {} (x-variant {}, x-release {})",
        endpoint.url,
        resp.status().as_u16(),
        h(canary_contract::HEADER_VARIANT),
        h(canary_contract::HEADER_RELEASE)
    ))
}

/// `harness local` without `--promotion-flow`.
async fn local(args: LocalArgs) -> Result<Outcome> {
    let weights: Weights = args.weights.parse()?;
    let faults = Fault::parse_all(&args.faults)?;
    prereq::check().await?;
    let say = |msg: &str| {
        if !args.verify.quiet {
            eprintln!("local: {msg}");
        }
    };
    let opts = if args.keep {
        let dir = state::default_up_dir();
        prepare_state_dir(&dir)?;
        TwinOptions {
            dir: Some(dir),
            detached: true,
            ..TwinOptions::default()
        }
    } else {
        TwinOptions::default()
    };
    let image = image_for_twin().await?;
    let spec = TwinSpec::with_faults(weights, image, &faults);
    let names: Vec<&str> = faults.iter().map(|f| f.name()).collect();
    say(&format!(
        "bringing the twin up ({weights}, faults: {})",
        if names.is_empty() {
            "none".to_string()
        } else {
            names.join(", ")
        }
    ));
    let started = Instant::now();
    let twin = tokio::select! {
        t = Twin::start_with(spec, opts) => t?,
        _ = tokio::signal::ctrl_c() => {
            return Err(Error::Runtime("interrupted (Ctrl-C); the twin was torn down".into()));
        }
    };
    say(&format!(
        "twin up in {:.1} s at {}",
        started.elapsed().as_secs_f64(),
        twin.url()
    ));

    let result = tokio::select! {
        r = run_verify(&twin, &args.verify) => r,
        _ = tokio::signal::ctrl_c() => Err(Error::Runtime("interrupted (Ctrl-C)".into())),
    };

    if args.keep {
        let env = twin.env();
        let state = twin.detach();
        eprint!("{}", env_lines(&env));
        say(&format!(
            "twin kept running; stop it with: harness twin down --state-dir {}",
            state.dir.display()
        ));
    } else {
        let stopping = Instant::now();
        let stopped = twin.stop().await;
        say(&format!(
            "twin torn down in {:.1} s",
            stopping.elapsed().as_secs_f64()
        ));
        stopped?;
    }
    result
}

async fn run_verify(twin: &Twin, user: &VerifyArgs) -> Result<Outcome> {
    // The probe is informational: a broken edge (e.g. a TLS fault) is for verify to
    // judge, not a reason to stop before it.
    let probe = probe(twin)
        .await
        .unwrap_or_else(|e| format!("failed ({e}); verify will judge"));
    if !user.quiet {
        eprintln!("local: probe {probe}");
    }
    let args = merge_verify_args(twin.verify_args(), user);
    let run = crate::verify::run(args).await?;
    Ok(Outcome::from_run(&run))
}
