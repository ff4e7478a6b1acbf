//! The `tls` check: certificate, protocol versions, HTTP redirect, HSTS, listener policy.

use crate::endpoint::Endpoint;
use crate::result::{CheckResult, Evidence, Verdict};

/// Settings of the TLS check.
#[derive(Debug, Clone)]
pub struct TlsSettings {
    /// Minimum days before the certificate expires.
    pub min_cert_days: i64,
    /// Fail when HSTS is missing.
    pub require_hsts: bool,
}

/// What the control plane says about the listener's TLS.
#[derive(Debug, Clone, Default)]
pub struct TlsTruth {
    /// Listener SslPolicy.
    pub ssl_policy: Option<String>,
    /// Listener certificate ARN.
    pub certificate_arn: Option<String>,
    /// ACM NotAfter (RFC 3339) of that certificate.
    pub acm_not_after: Option<String>,
}

/// Probes the endpoint's TLS and judges it.
pub async fn check(
    _endpoint: &Endpoint,
    _settings: &TlsSettings,
    _truth: Option<&TlsTruth>,
) -> CheckResult {
    CheckResult {
        name: "tls".into(),
        verdict: Verdict::Inconclusive,
        summary: "not implemented yet".into(),
        warnings: vec![],
        evidence: Evidence::None,
    }
}
