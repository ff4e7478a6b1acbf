//! The two file sources of a verify configuration: the `--config` TOML file and the
//! JSON of `terraform output -json` (`--tf-outputs`). Each parses into plain optional
//! values; [`super::merge`] decides precedence.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::error::{Error, Result};

/// The `--config` TOML file: the same options as the flags, snake_case.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct FileConfig {
    pub(super) url: Option<String>,
    pub(super) http_url: Option<String>,
    #[serde(default)]
    pub(super) resolve: Vec<String>,
    pub(super) ca_file: Option<PathBuf>,
    pub(super) listener_arn: Option<String>,
    pub(super) load_balancer_arn: Option<String>,
    pub(super) load_balancer: Option<String>,
    pub(super) listener_port: Option<u16>,
    pub(super) cluster: Option<String>,
    pub(super) stable_service: Option<String>,
    pub(super) canary_service: Option<String>,
    pub(super) checks: Option<Vec<String>>,
    pub(super) alpha: Option<f64>,
    pub(super) margin: Option<f64>,
    pub(super) leak_margin: Option<f64>,
    pub(super) max_requests: Option<u64>,
    pub(super) concurrency: Option<usize>,
    pub(super) rps: Option<f64>,
    pub(super) timeout_ms: Option<u64>,
    pub(super) fresh_connections: Option<bool>,
    pub(super) min_cert_days: Option<i64>,
    pub(super) web_acl_name: Option<String>,
    pub(super) require_hsts: Option<bool>,
    pub(super) hsts_min_max_age: Option<u64>,
    pub(super) drain_timeout_s: Option<u64>,
    pub(super) aws_endpoint_url: Option<String>,
    pub(super) aws_region: Option<String>,
    pub(super) aws_profile: Option<String>,
    pub(super) aws_credentials_file: Option<PathBuf>,
    pub(super) report_dir: Option<PathBuf>,
    pub(super) quiet: Option<bool>,
    pub(super) path: Option<String>,
    #[serde(default)]
    pub(super) headers: Vec<String>,
    pub(super) changed_at: Option<String>,
    pub(super) settle_s: Option<u64>,
    pub(super) shard: Option<String>,
    pub(super) stable_target_group: Option<String>,
    pub(super) canary_target_group: Option<String>,
    pub(super) waf_min_block_rate: Option<f64>,
    #[serde(default)]
    pub(super) waf_category_floors: BTreeMap<String, f64>,
}

pub(super) fn read_toml(path: &Path) -> Result<FileConfig> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| Error::Config(format!("--config {}: {e}", path.display())))?;
    parse_toml(&text).map_err(|e| Error::Config(format!("--config {}: {e}", path.display())))
}

pub(super) fn parse_toml(text: &str) -> std::result::Result<FileConfig, String> {
    toml::from_str(text).map_err(|e| e.message().replace('\n', " "))
}

/// Values read from `terraform output -json`.
#[derive(Debug, Default, PartialEq)]
pub(super) struct TfOutputs {
    pub(super) url: Option<String>,
    pub(super) alb_arn: Option<String>,
    pub(super) listener_arn: Option<String>,
    pub(super) cluster_name: Option<String>,
    pub(super) stable_service_name: Option<String>,
    pub(super) canary_service_name: Option<String>,
    pub(super) stable_target_group_arn: Option<String>,
    pub(super) canary_target_group_arn: Option<String>,
    /// The WebACL's name, taken from the `web_acl_arn` output
    /// (`arn:aws:wafv2:REGION:ACCOUNT:regional/webacl/NAME/ID`).
    pub(super) web_acl_name: Option<String>,
    /// The AWS managed rule groups the WebACL deploys (`waf_managed_rule_groups`).
    pub(super) web_acl_groups: Option<Vec<String>>,
}

/// The name part of a WAFv2 WebACL ARN (`…:regional/webacl/NAME/ID`).
pub(super) fn web_acl_name_from_arn(arn: &str) -> std::result::Result<String, String> {
    let resource = arn.splitn(6, ':').nth(5).unwrap_or_default();
    let parts: Vec<&str> = resource.split('/').collect();
    match parts.as_slice() {
        [_scope, "webacl", name, _id] if !name.is_empty() => Ok((*name).to_string()),
        _ => Err(format!(
            "output \"web_acl_arn\" is not a WAFv2 WebACL ARN (…:regional/webacl/NAME/ID): {arn}"
        )),
    }
}

pub(super) fn read_tf_outputs(path: &Path) -> Result<TfOutputs> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| Error::Config(format!("--tf-outputs {}: {e}", path.display())))?;
    parse_tf_outputs(&text)
        .map_err(|e| Error::Config(format!("--tf-outputs {}: {e}", path.display())))
}

pub(super) fn parse_tf_outputs(text: &str) -> std::result::Result<TfOutputs, String> {
    #[derive(Deserialize)]
    struct Output {
        value: serde_json::Value,
    }
    let map: BTreeMap<String, Output> = serde_json::from_str(text).map_err(|e| {
        format!("not the JSON of `terraform output -json` ({{\"name\": {{\"value\": ...}}}}): {e}")
    })?;
    let get = |k: &str| -> std::result::Result<Option<String>, String> {
        match map.get(k).map(|o| &o.value) {
            None | Some(serde_json::Value::Null) => Ok(None),
            Some(serde_json::Value::String(s)) => Ok(Some(s.clone())),
            Some(other) => Err(format!("output {k:?} must be a string, found {other}")),
        }
    };
    Ok(TfOutputs {
        url: get("url")?,
        alb_arn: get("alb_arn")?,
        listener_arn: get("listener_arn")?,
        cluster_name: get("cluster_name")?,
        stable_service_name: get("stable_service_name")?,
        canary_service_name: get("canary_service_name")?,
        stable_target_group_arn: get("stable_target_group_arn")?,
        canary_target_group_arn: get("canary_target_group_arn")?,
        web_acl_name: get("web_acl_arn")?
            .map(|a| web_acl_name_from_arn(&a))
            .transpose()?,
        web_acl_groups: match map.get("waf_managed_rule_groups").map(|o| &o.value) {
            None | Some(serde_json::Value::Null) => None,
            Some(serde_json::Value::Array(items)) => Some(
                items
                    .iter()
                    .map(|v| {
                        v.as_str().map(str::to_string).ok_or_else(|| {
                            format!(
                                "output \"waf_managed_rule_groups\" must list strings, found {v}"
                            )
                        })
                    })
                    .collect::<std::result::Result<Vec<_>, String>>()?,
            ),
            Some(other) => {
                return Err(format!(
                    "output \"waf_managed_rule_groups\" must be a list of strings, found {other}"
                ));
            }
        },
    })
}
