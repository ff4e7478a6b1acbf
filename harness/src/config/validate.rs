//! Checks of a merged configuration that need more than one field, or the
//! endpoint: one-line configuration errors (exit 2) before any traffic.

use super::{MAX_CONCURRENCY, VerifyConfig, input};
use crate::error::{Error, Result};

pub(super) fn validate(cfg: &VerifyConfig) -> Result<()> {
    let bad = |m: String| Err(Error::Config(m));
    if !(cfg.alpha > 0.0 && cfg.alpha < 0.5) {
        return bad(format!("--alpha {}: must lie in (0, 0.5)", cfg.alpha));
    }
    if !(cfg.margin > 0.0 && cfg.margin < 0.5) {
        return bad(format!("--margin {}: must lie in (0, 0.5)", cfg.margin));
    }
    if !(cfg.leak_margin > 0.0 && cfg.leak_margin < 0.5) {
        return bad(format!(
            "--leak-margin {}: must lie in (0, 0.5)",
            cfg.leak_margin
        ));
    }
    if cfg.max_requests == 0 {
        return bad("--max-requests must be at least 1".into());
    }
    if !(1..=MAX_CONCURRENCY).contains(&cfg.concurrency) {
        return bad(format!(
            "--concurrency {}: must lie in 1..={MAX_CONCURRENCY}",
            cfg.concurrency
        ));
    }
    input::validate(cfg)?;
    cfg.waf_floors.validate()?;
    if cfg.timeout.is_zero() {
        return bad("--timeout-ms must be at least 1".into());
    }
    if cfg.stable_service.is_some() && cfg.stable_service == cfg.canary_service {
        return bad("--stable-service and --canary-service name the same service".into());
    }
    // URL, pins and CA are validated by `Endpoint::new`.
    crate::endpoint::Endpoint::new(
        &cfg.url,
        cfg.http_url.as_deref(),
        &cfg.resolve,
        cfg.ca_file.as_deref(),
    )?;
    Ok(())
}
