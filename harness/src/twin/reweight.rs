//! `harness twin weights STABLE/CANARY`: moves a running twin's weights the way a
//! deployment does. The listener in moto changes at once (ModifyListener, as
//! `terraform apply` does) and the edge follows after `--edge-lag` (nginx upstream
//! weights rewritten, `nginx -s reload`), the way ALB nodes apply a listener change
//! on their own schedule. The gap lets the settle wait (`verify --changed-at`) and
//! the post-sample re-read be exercised against real parts.

use std::collections::HashMap;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use aws_sdk_elasticloadbalancingv2::types::Certificate;

use crate::aws::{self, AwsOptions, sdk_error};
use crate::cli::TwinWeightsArgs;
use crate::error::{Error, Result};

use super::edge::reload_with;
use super::nginx::reweight;
use super::owned;
use super::seed::forward_action;
use super::spec::Weights;
use super::state::{self, STATE_FILE, TwinState};

/// Longest accepted `--edge-lag`.
pub const MAX_EDGE_LAG_S: f64 = 3600.0;

/// When each plane took the new weights, measured from the start of the change.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct WeightChange {
    /// The listener in moto answered the ModifyListener.
    pub listener: Duration,
    /// nginx was reloaded with the new weights.
    pub edge: Duration,
}

/// Parses `--edge-lag` seconds (finite, 0..=[`MAX_EDGE_LAG_S`]).
pub fn edge_lag(seconds: f64) -> Result<Duration> {
    if !(seconds.is_finite() && (0.0..=MAX_EDGE_LAG_S).contains(&seconds)) {
        return Err(Error::Config(format!(
            "--edge-lag {seconds}: must be between 0 and {MAX_EDGE_LAG_S} seconds"
        )));
    }
    Ok(Duration::from_secs_f64(seconds))
}

/// Replaces the listener's default forward action with `w` over the two target
/// groups, keeping its certificates (moto, like ELBv2, wants them repeated).
pub(crate) async fn set_listener_weights(
    sdk: &aws_config::SdkConfig,
    listener_arn: &str,
    stable_tg: &str,
    canary_tg: &str,
    w: Weights,
) -> Result<()> {
    let elb = aws_sdk_elasticloadbalancingv2::Client::new(sdk);
    let current = elb
        .describe_listeners()
        .listener_arns(listener_arn)
        .send()
        .await
        .map_err(|e| sdk_error(&format!("listener {listener_arn}"), e))?;
    let certificates: Vec<Certificate> = current
        .listeners()
        .first()
        .map(|l| l.certificates().to_vec())
        .unwrap_or_default();
    elb.modify_listener()
        .listener_arn(listener_arn)
        .set_certificates((!certificates.is_empty()).then_some(certificates))
        .default_actions(forward_action(
            stable_tg,
            w.stable.into(),
            canary_tg,
            w.canary.into(),
        ))
        .send()
        .await
        .map_err(|e| sdk_error(&format!("modify listener {listener_arn}"), e))?;
    Ok(())
}

/// `harness twin weights` on a twin started by `twin up`.
pub async fn weights(args: TwinWeightsArgs) -> Result<()> {
    let w: Weights = args.weights.parse()?;
    let lag = edge_lag(args.edge_lag)?;
    let dir = args.state_dir.unwrap_or_else(state::default_up_dir);
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
    let pid = st
        .nginx_pid
        .ok_or_else(|| Error::Runtime("the twin's edge is not running".into()))?;
    let conf_path = owned::nginx_conf_of(&st.dir);
    let prefix = conf_path.parent().unwrap_or(&st.dir).to_path_buf();
    // Signal only the twin's own nginx: the pid may belong to another process now.
    owned::check(pid, owned::Expected::Nginx { conf: &conf_path }).map_err(|why| {
        Error::Runtime(format!(
            "the twin's edge is not running ({why}); start it again: harness twin up"
        ))
    })?;
    let conf = std::fs::read_to_string(&conf_path)
        .map_err(|e| Error::io(format!("reading {}", conf_path.display()), e))?;
    // Checked before the listener moves, so a refused edge change moves nothing.
    let new_conf = reweight(&conf, w.stable, w.canary).map_err(Error::Config)?;

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
    reload_with(&prefix, &conf_path, &new_conf, pid).await?;
    eprintln!(
        "twin weights: edge {w} after {:.3} s",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edge_lag_is_validated() {
        assert_eq!(edge_lag(0.0).unwrap(), Duration::ZERO);
        assert_eq!(edge_lag(2.5).unwrap(), Duration::from_millis(2500));
        for bad in [-1.0, f64::NAN, f64::INFINITY, 1e9] {
            assert!(matches!(edge_lag(bad), Err(Error::Config(_))), "{bad}");
        }
    }
}
