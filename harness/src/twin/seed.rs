//! Seeds moto with exactly what app-infra's Terraform declares, through aws-sdk-rust.

use crate::error::{Error, Result};

/// What to create in the control plane.
#[derive(Debug, Clone, Default)]
pub struct SeedPlan {
    /// Name prefix of every resource (e.g. "poem").
    pub name: String,
    /// Host name of the service (the ACM certificate's domain).
    pub host: String,
    /// Stable weight on the HTTPS listener.
    pub stable_weight: i64,
    /// Canary weight on the HTTPS listener.
    pub canary_weight: i64,
    /// Image tag (release) of stable.
    pub stable_tag: String,
    /// Image tag (release) of canary.
    pub canary_tag: String,
    /// ECS desired count of stable.
    pub stable_desired: i32,
    /// ECS desired count of canary.
    pub canary_desired: i32,
    /// Running stable tasks (what the twin really runs).
    pub stable_running: i32,
    /// Running canary tasks.
    pub canary_running: i32,
    /// Stable targets (ip, port) registered in the stable target group.
    pub stable_targets: Vec<(String, u16)>,
    /// Canary targets registered in the canary target group.
    pub canary_targets: Vec<(String, u16)>,
    /// Leaf certificate PEM imported into ACM.
    pub certificate_pem: String,
    /// Its private key PEM.
    pub private_key_pem: String,
    /// CA chain PEM.
    pub chain_pem: Option<String>,
    /// Listener SslPolicy, e.g. ELBSecurityPolicy-TLS13-1-2-2021-06.
    pub ssl_policy: String,
    /// Whether the HTTP:80 listener redirects to HTTPS.
    pub redirect_http: bool,
    /// Whether a WebACL is created and associated with the ALB.
    pub waf: bool,
}

/// Identifiers of what was seeded.
#[derive(Debug, Clone, Default)]
pub struct Seeded {
    /// ALB ARN.
    pub load_balancer_arn: String,
    /// HTTPS:443 listener ARN.
    pub listener_arn: String,
    /// HTTP:80 listener ARN.
    pub http_listener_arn: String,
    /// Stable target group ARN.
    pub stable_target_group_arn: String,
    /// Canary target group ARN.
    pub canary_target_group_arn: String,
    /// ACM certificate ARN.
    pub certificate_arn: String,
    /// WebACL ARN, when seeded.
    pub web_acl_arn: Option<String>,
    /// ECS cluster name.
    pub cluster: String,
    /// Stable service name.
    pub stable_service: String,
    /// Canary service name.
    pub canary_service: String,
}

/// Creates everything in `plan` in the control plane `sdk` points at.
pub async fn seed(_sdk: &aws_config::SdkConfig, _plan: &SeedPlan) -> Result<Seeded> {
    Err(Error::Runtime("seed is not implemented yet".into()))
}
