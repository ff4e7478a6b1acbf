//! What a running [`Twin`] tells its users: where it is (URLs, pins, CA, folder), the
//! environment `twin up --env` prints, and ready-made `verify` arguments and endpoint
//! (merged with a user's own verification options by [`merge_verify_args`]).

use std::net::IpAddr;
use std::path::{Path, PathBuf};

use super::state::TwinState;
use super::{CREDENTIALS_FILE, PROFILE, REGION, Twin};
use crate::cli::VerifyArgs;
use crate::endpoint::Endpoint;
use crate::error::Result;
use crate::twin::control_plane::seed::Seeded;
use crate::twin::spec::TwinSpec;

impl Twin {
    /// The twin's folder (`TWIN_DIR`).
    pub fn dir(&self) -> &Path {
        &self.state.dir
    }

    /// The spec the twin runs now (edge weights included).
    pub fn spec(&self) -> TwinSpec {
        self.spec
            .lock()
            .map(|s| s.clone())
            .unwrap_or_else(|p| p.into_inner().clone())
    }

    /// What was seeded in the control plane.
    pub fn seeded(&self) -> &Seeded {
        &self.seeded
    }

    /// SDK configuration pointing at the twin's moto.
    pub fn sdk_config(&self) -> Option<&aws_config::SdkConfig> {
        self.sdk.as_ref()
    }

    /// The WAF rate rules the edge enforces (Terraform's unless scaled down through
    /// [`super::TwinOptions::waf_rate`]); the gate token is not part of them.
    pub fn rate_rules(&self) -> &[crate::twin::spec::terraform::RateRule] {
        &self.rate.rules
    }

    /// The state (ids and pids) of what this twin started.
    pub fn state(&self) -> &TwinState {
        &self.state
    }

    fn host(&self) -> String {
        self.spec().host
    }

    fn ports(&self) -> (u16, u16) {
        self.edge
            .as_ref()
            .map(|e| (e.https_port(), e.http_port()))
            .unwrap_or_default()
    }

    /// HTTPS URL of the edge (a host name, pinned by [`Twin::resolve`]).
    pub fn url(&self) -> String {
        format!("https://{}:{}/", self.host(), self.ports().0)
    }

    /// HTTP URL of the edge.
    pub fn http_url(&self) -> String {
        format!("http://{}:{}/", self.host(), self.ports().1)
    }

    /// The edge nodes' addresses (`127.0.0.1`, `127.0.0.2`, …), one per availability
    /// zone of shared-infra, all serving the same ports.
    pub fn node_addrs(&self) -> Vec<IpAddr> {
        self.edge.as_ref().map(|e| e.addrs()).unwrap_or_default()
    }

    /// curl-style pins `HOST:PORT:ADDR1,ADDR2,…`, one per listener, naming every edge
    /// node (as the load balancer's name resolves to every node), so that `verify`
    /// samples each node.
    pub fn resolve(&self) -> Vec<String> {
        self.pins(&self.node_addrs())
    }

    fn pins(&self, addrs: &[IpAddr]) -> Vec<String> {
        let (https, http) = self.ports();
        let host = self.host();
        let addrs: Vec<String> = addrs.iter().map(IpAddr::to_string).collect();
        let addrs = addrs.join(",");
        vec![
            format!("{host}:{https}:{addrs}"),
            format!("{host}:{http}:{addrs}"),
        ]
    }

    /// The private CA file.
    pub fn ca_file(&self) -> PathBuf {
        self.state.dir.join("ca.pem")
    }

    /// The environment that points clients at this twin (`twin up --env`).
    pub fn env(&self) -> Vec<(String, String)> {
        let dir = self.state.dir.display().to_string();
        [
            ("TWIN_URL", self.url()),
            ("TWIN_HTTP_URL", self.http_url()),
            ("TWIN_HOST", self.host()),
            ("TWIN_RESOLVE", self.resolve().join(" ")),
            ("TWIN_CA_FILE", self.ca_file().display().to_string()),
            ("TWIN_DIR", dir),
            ("AWS_ENDPOINT_URL", self.endpoint_url.clone()),
            ("AWS_REGION", REGION.to_string()),
            ("AWS_PROFILE", PROFILE.to_string()),
            (
                "AWS_SHARED_CREDENTIALS_FILE",
                self.state.dir.join(CREDENTIALS_FILE).display().to_string(),
            ),
            ("TWIN_LISTENER_ARN", self.seeded.listener_arn.clone()),
            ("TWIN_CLUSTER", self.seeded.cluster.clone()),
            ("TWIN_STABLE_SERVICE", self.seeded.stable_service.clone()),
            ("TWIN_CANARY_SERVICE", self.seeded.canary_service.clone()),
            // The services name no target group (as app-infra's): Terraform's outputs
            // do, and so does the twin.
            (
                "TWIN_STABLE_TARGET_GROUP",
                self.seeded.stable_target_group_arn.clone(),
            ),
            (
                "TWIN_CANARY_TARGET_GROUP",
                self.seeded.canary_target_group_arn.clone(),
            ),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect()
    }

    /// `harness verify` arguments that target this twin.
    pub fn verify_args(&self) -> VerifyArgs {
        VerifyArgs {
            url: Some(self.url()),
            http_url: Some(self.http_url()),
            resolve: self.resolve(),
            ca_file: Some(self.ca_file()),
            listener_arn: Some(self.seeded.listener_arn.clone()),
            cluster: Some(self.seeded.cluster.clone()),
            stable_service: Some(self.seeded.stable_service.clone()),
            canary_service: Some(self.seeded.canary_service.clone()),
            stable_target_group: Some(self.seeded.stable_target_group_arn.clone()),
            canary_target_group: Some(self.seeded.canary_target_group_arn.clone()),
            aws_endpoint_url: Some(self.endpoint_url.clone()),
            aws_region: Some(REGION.into()),
            aws_profile: Some(PROFILE.into()),
            aws_credentials_file: Some(self.state.dir.join(CREDENTIALS_FILE)),
            gate_token: Some(crate::cli::GateToken(self.rate.token.clone())),
            // The WebACL must be the one Terraform names.
            web_acl_name: Some(self.declared.names.web_acl.clone()),
            web_acl_groups: self
                .declared
                .managed_groups
                .iter()
                .map(|g| g.name.clone())
                .collect(),
            ..VerifyArgs::default()
        }
    }

    /// The endpoint of the edge, with the pins and the private CA.
    pub fn endpoint(&self) -> Result<Endpoint> {
        Endpoint::new(
            &self.url(),
            Some(&self.http_url()),
            &self.resolve(),
            Some(&self.ca_file()),
        )
    }

    /// The endpoint of edge node `node` alone (0-based): what a client that resolved
    /// the name to that one node reaches. Each node counts the WAF's rate rules on its
    /// own (the edge's module doc), so rate tests send to one node.
    pub fn node_endpoint(&self, node: usize) -> Result<Endpoint> {
        let addr = self.node_addrs().get(node).copied().ok_or_else(|| {
            crate::error::Error::Config(format!("the twin's edge has no node {node}"))
        })?;
        Endpoint::new(
            &self.url(),
            Some(&self.http_url()),
            &self.pins(&[addr]),
            Some(&self.ca_file()),
        )
    }
}

/// Rate cap on the local twin when the user gives none: the twin carries no production
/// traffic to protect, and its sampler sends the twin's gate token, which the per-IP
/// rule exempts and the gate's rule counts against app-infra's `waf_gate_rate_limit`
/// per node ([`crate::twin::edge::waf_rate`]), so it is sampled faster than `verify`'s
/// production default.
pub const LOCAL_RPS: f64 = 2000.0;

/// The verification arguments for a twin: the twin decides the target (URL, pins, CA,
/// ARNs, AWS endpoint and credentials), the user decides how to verify.
pub fn merge_verify_args(twin: VerifyArgs, user: &VerifyArgs) -> VerifyArgs {
    let mut args = twin.with_how_of(user);
    args.rps = args.rps.or(Some(LOCAL_RPS));
    args
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
            drain_timeout_s: Some(3),
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
        assert_eq!(m.drain_timeout_s, Some(3));
        assert_eq!(m.rps, Some(LOCAL_RPS));
    }
}
