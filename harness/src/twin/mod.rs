//! The local twin of production: app containers (testcontainers), an nginx +
//! ModSecurity + OWASP CRS edge standing in for ALB + WAF, and moto standing in for
//! the AWS control plane. One [`TwinSpec`] drives all three; a [`Fault`] makes two of
//! them disagree so that each check of `harness verify` can be shown to fail.

mod certs;
mod containers;
mod edge;
mod fault;
pub mod image;
mod local;
mod modsec;
pub mod moto;
mod nginx;
mod owned;
mod prereq;
mod process;
pub mod promotion;
pub mod reweight;
mod secret;
pub mod seed;
mod seed_ecs;
mod seed_tg;
mod seed_waf;
mod spec;
mod state;
pub mod terraform;
mod tls_policy;
#[allow(clippy::module_inception)]
mod twin;
mod updown;
pub mod waf_rate;

pub use certs::{Pki, PkiPaths};
pub use containers::Target;
pub use edge::Edge;
pub use fault::Fault;
pub use local::merge_verify_args;
pub use nginx::{EdgeLayout, Upstream, Variant, render as render_nginx};
pub use reweight::WeightChange;
pub use spec::{CertProfile, TlsVersion, TwinSpec, VariantSpec, WafMode, Weights};
pub use state::{LABEL_KEEP, LABEL_OWNER, LABEL_TWIN, TwinState};
pub use twin::{Twin, TwinOptions};
pub use updown::{env_lines, shell_quote};

use crate::cli::{LocalArgs, TwinDownArgs, TwinUpArgs, TwinWeightsArgs};
use crate::error::{Error, Result};
use crate::run::Outcome;

/// Environment variable naming an app image to use instead of building one.
pub const IMAGE_ENV: &str = "HARNESS_APP_IMAGE";

/// The app image the twin runs: `$HARNESS_APP_IMAGE` if set (it must exist in the local
/// engine), else the image built from the repository's Dockerfile by
/// [`image::ensure_app_image`].
pub async fn image_for_twin() -> Result<String> {
    if let Ok(image) = std::env::var(IMAGE_ENV) {
        return if containers::image_exists(&image).await {
            Ok(image)
        } else {
            Err(Error::Prerequisite(format!(
                "app image {image} ({IMAGE_ENV}) not found in the local Docker engine"
            )))
        };
    }
    let built = image::ensure_app_image().await?;
    Ok(format!("{}:{}", built.name, built.tag))
}

/// `harness local`: twin up, verify, report, twin down (or, with `--promotion-flow`,
/// a whole promotion with the gate at each step: [`promotion`]).
pub async fn local(args: LocalArgs) -> Result<Outcome> {
    if args.promotion_flow {
        return promotion::run(args).await;
    }
    if let Some(n) = args.at_step {
        return Err(Error::Config(format!(
            "--at-step {n}: only with --promotion-flow"
        )));
    }
    local::local(args).await
}

/// `harness twin up`.
pub async fn up(args: TwinUpArgs) -> Result<()> {
    updown::up(args).await
}

/// `harness twin down`.
pub async fn down(args: TwinDownArgs) -> Result<()> {
    updown::down(args).await
}

/// `harness twin weights`.
pub async fn weights(args: TwinWeightsArgs) -> Result<()> {
    reweight::weights(args).await
}
