//! The command line that reproduces a run, printed in every report: a user can copy it
//! and run the same verification again (no credentials: only the profile name and the
//! file path, never key material).

use super::VerifyConfig;
use super::input::shell_quote;

impl VerifyConfig {
    /// A `harness verify` command line that reproduces this run (no credentials:
    /// only the profile name and file path, never key material).
    pub fn command_line(&self) -> String {
        let mut parts = vec!["harness".to_string(), "verify".to_string()];
        let mut flag = |name: &str, value: Option<String>| {
            if let Some(v) = value {
                parts.push(format!("--{name}"));
                parts.push(shell_quote(&v));
            }
        };
        flag("url", Some(self.url.clone()));
        flag("http-url", self.http_url.clone());
        for r in &self.resolve {
            flag("resolve", Some(r.clone()));
        }
        flag(
            "ca-file",
            self.ca_file.as_ref().map(|p| p.display().to_string()),
        );
        flag("listener-arn", self.listener_arn.clone());
        flag("load-balancer", self.load_balancer.clone());
        flag("listener-port", self.listener_port.map(|p| p.to_string()));
        flag("cluster", self.cluster.clone());
        flag("stable-service", self.stable_service.clone());
        flag("canary-service", self.canary_service.clone());
        flag(
            "checks",
            Some(
                self.checks
                    .iter()
                    .map(|c| c.as_str())
                    .collect::<Vec<_>>()
                    .join(","),
            ),
        );
        flag("alpha", Some(self.alpha.to_string()));
        flag("margin", Some(self.margin.to_string()));
        flag("leak-margin", Some(self.leak_margin.to_string()));
        flag("max-requests", Some(self.max_requests.to_string()));
        flag("concurrency", Some(self.concurrency.to_string()));
        flag("rps", Some(self.rps.to_string()));
        flag("timeout-ms", Some(self.timeout.as_millis().to_string()));
        flag("min-cert-days", Some(self.min_cert_days.to_string()));
        flag("web-acl-name", self.web_acl_name.clone());
        for g in self.web_acl_groups.iter().flatten() {
            flag("web-acl-group", Some(g.clone()));
        }
        flag(
            "hsts-min-max-age",
            self.hsts_min_max_age.map(|s| s.to_string()),
        );
        for (k, v) in self.waf_floors.flags() {
            flag(k, Some(v));
        }
        flag(
            "drain-timeout-s",
            Some(self.drain_timeout.as_secs().to_string()),
        );
        flag("aws-endpoint-url", self.aws.endpoint_url.clone());
        flag("aws-region", self.aws.region.clone());
        flag("aws-profile", self.aws.profile.clone());
        flag(
            "aws-credentials-file",
            self.aws
                .credentials_file
                .as_ref()
                .map(|p| p.display().to_string()),
        );
        flag("report-dir", Some(self.report_dir.display().to_string()));
        self.extras
            .flags()
            .into_iter()
            .for_each(|(k, v)| flag(&k, Some(v)));
        flag("shard", self.shard.map(|s| s.to_string()));
        if self.fresh_connections {
            parts.push("--fresh-connections".into());
        }
        if self.require_hsts {
            parts.push("--require-hsts".into());
        }
        parts.join(" ")
    }
}
