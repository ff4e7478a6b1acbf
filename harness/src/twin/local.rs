//! `harness local`: the project's main job. Brings the twin up from `--weights` and
//! `--fault`, runs `harness verify` against it with the user's verification options,
//! and tears it down on every path (success, error, Ctrl-C, panic via `Drop`).

use std::time::Instant;

use crate::cli::{LocalArgs, VerifyArgs};
use crate::error::{Error, Result};
use crate::run::Outcome;

use super::fault::Fault;
use super::spec::{TwinSpec, Weights};
use super::state;
use super::twin::{Twin, TwinOptions};
use super::updown::{env_lines, prepare_state_dir};
use super::{image_for_twin, prereq};

/// Rate cap on the local twin when the user gives none: the twin has no rate-based WAF
/// rule and no production traffic to protect, so it is sampled faster than `verify`'s
/// production default.
pub const LOCAL_RPS: f64 = 2000.0;

/// The verification arguments for a twin: the twin decides the target (URL, pins, CA,
/// ARNs, AWS endpoint and credentials), the user decides how to verify.
pub fn merge_verify_args(twin: VerifyArgs, user: &VerifyArgs) -> VerifyArgs {
    VerifyArgs {
        config: user.config.clone(),
        checks: user.checks.clone(),
        alpha: user.alpha,
        margin: user.margin,
        leak_margin: user.leak_margin,
        max_requests: user.max_requests,
        concurrency: user.concurrency,
        rps: user.rps.or(Some(LOCAL_RPS)),
        timeout_ms: user.timeout_ms,
        fresh_connections: user.fresh_connections,
        min_cert_days: user.min_cert_days,
        require_hsts: user.require_hsts,
        hsts_min_max_age: user.hsts_min_max_age,
        waf_min_block_rate: user.waf_min_block_rate,
        waf_category_floors: user.waf_category_floors.clone(),
        report_dir: user.report_dir.clone(),
        quiet: user.quiet,
        changed_at: user.changed_at.clone(),
        settle: user.settle,
        path: user.path.clone(),
        headers: user.headers.clone(),
        ..twin
    }
}

/// Probes `GET /` once through the edge and describes what answered.
async fn probe(twin: &Twin) -> Result<String> {
    let endpoint = twin.endpoint()?;
    let client = endpoint
        .client_builder()?
        .timeout(std::time::Duration::from_secs(5))
        .build()
        .map_err(|e| Error::Runtime(format!("http client: {e}")))?;
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
        h("x-variant"),
        h("x-release")
    ))
}

/// `harness local`.
pub async fn local(args: LocalArgs) -> Result<Outcome> {
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
    match crate::verify::run(args).await {
        Ok(run) => Ok(Outcome::from_run(&run)),
        Err(Error::Runtime(msg)) if msg.contains("not implemented") => {
            Err(Error::Runtime(format!(
                "the twin came up and answered ({probe}), but `harness verify` is not \
                 implemented yet ({msg}): no verdict"
            )))
        }
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_twin_decides_the_target_and_the_user_the_method() {
        let twin = VerifyArgs {
            url: Some("https://twin:1/".into()),
            aws_region: Some("us-east-1".into()),
            ..VerifyArgs::default()
        };
        let user = VerifyArgs {
            url: Some("https://elsewhere/".into()),
            aws_region: Some("eu-west-1".into()),
            alpha: Some(0.05),
            checks: vec!["split".into()],
            quiet: true,
            waf_min_block_rate: Some(0.5),
            waf_category_floors: vec!["sqli=0.9".into()],
            ..VerifyArgs::default()
        };
        let m = merge_verify_args(twin, &user);
        assert_eq!(m.url.as_deref(), Some("https://twin:1/"));
        assert_eq!(m.aws_region.as_deref(), Some("us-east-1"));
        assert_eq!(m.alpha, Some(0.05));
        assert_eq!(m.checks, vec!["split".to_string()]);
        assert!(m.quiet);
        assert_eq!(m.waf_min_block_rate, Some(0.5));
        assert_eq!(m.waf_category_floors, vec!["sqli=0.9".to_string()]);
    }
}
