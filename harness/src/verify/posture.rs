//! The `waf-posture` check as `harness verify` runs it: settings from the merged
//! configuration (rate cap, concurrency, α, timeout, `--header`s and the gate token,
//! the opt-in floors), the curl context of the run (`--resolve`, `--ca-file`), and
//! its line in `--plan`. Kept out of `verify.rs` so that file stays an outline.

use super::WAF_BLOCK_STATUS;
use super::plan::CheckPlan;
use crate::checks::waf_posture::{self, PostureSettings, curl::CurlContext};
use crate::config::VerifyConfig;
use crate::endpoint::Endpoint;
use crate::result::CheckResult;

/// The check's settings for this run.
pub(crate) fn settings(cfg: &VerifyConfig, endpoint: &Endpoint) -> PostureSettings {
    let request = &cfg.extras.request;
    PostureSettings {
        block_status: WAF_BLOCK_STATUS,
        floors: cfg.waf_floors.clone(),
        rps: cfg.rps,
        concurrency: cfg.concurrency,
        alpha: cfg.alpha,
        timeout: cfg.timeout,
        request: request.clone(),
        curl: CurlContext::new(
            endpoint,
            &cfg.resolve,
            cfg.ca_file.as_ref().map(|p| p.display().to_string()),
            request,
        ),
    }
}

/// Sends the attack corpus and judges the posture.
pub(crate) async fn check(cfg: &VerifyConfig, endpoint: &Endpoint) -> CheckResult {
    waf_posture::check(endpoint, &settings(cfg, endpoint)).await
}

/// The `--plan` line: the corpus size and the wall time it takes at `--rps`.
pub(crate) fn plan_line(cfg: &VerifyConfig) -> CheckPlan {
    let n = crate::corpus::attacks().map(|a| a.len() as u64).ok();
    let floors = &cfg.waf_floors;
    CheckPlan {
        check: waf_posture::NAME.into(),
        requests_expected: n,
        requests_max: n,
        note: match floors.overall.iter().count() + floors.categories.len() {
            0 => "the whole attack corpus once; report only (no floor set)".into(),
            k => format!(
                "the whole attack corpus once; {k} floor(s), each judged at level 1 - alpha/{k}"
            ),
        },
    }
}
