//! Evidence of the `tls` check: the certificate served and the listener's ACM
//! certificate, the protocol probes and the HTTP → HTTPS redirect. Split from
//! `evidence.rs` (the other checks' evidence) to keep each file readable.

use serde::{Deserialize, Serialize};

/// One legacy/modern protocol probe.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ProtocolProbe {
    /// e.g. "TLS 1.0".
    pub version: String,
    /// Whether the server accepted a handshake at this version.
    pub accepted: bool,
    /// What the server answered (alert, close, ServerHello version).
    pub detail: String,
}

/// HTTP → HTTPS redirect evidence.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RedirectEvidence {
    /// URL probed on port 80.
    pub probed: String,
    /// Status answered.
    pub status: u16,
    /// Location header.
    #[serde(default)]
    pub location: Option<String>,
    /// Whether it redirects to the https URL with path and query preserved.
    pub ok: bool,
}

/// Evidence of the TLS check.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TlsEvidence {
    /// Host name checked.
    pub host: String,
    /// Leaf certificate subject.
    pub subject: String,
    /// Subject alternative names.
    pub sans: Vec<String>,
    /// Issuer.
    pub issuer: String,
    /// Not-after (RFC 3339).
    pub not_after: String,
    /// Days left until expiry (negative when expired).
    pub days_left: i64,
    /// Key type, e.g. "ECDSA P-256" or "RSA 2048".
    pub key_type: String,
    /// Whether the chain validated against the trusted roots and the host name matched.
    pub chain_valid: bool,
    /// Why validation failed, when it did.
    #[serde(default)]
    pub chain_error: Option<String>,
    /// Negotiated protocol of a normal handshake.
    pub negotiated: String,
    /// Protocol probes (TLS 1.0, 1.1 must be refused; 1.2, 1.3 reported).
    pub probes: Vec<ProtocolProbe>,
    /// Redirect from HTTP.
    #[serde(default)]
    pub redirect: Option<RedirectEvidence>,
    /// HSTS max-age when the header is present.
    #[serde(default)]
    pub hsts_max_age: Option<u64>,
    /// Listener SslPolicy read from ELBv2.
    #[serde(default)]
    pub listener_ssl_policy: Option<String>,
    /// Listener certificate ARN read from ELBv2.
    #[serde(default)]
    pub listener_certificate_arn: Option<String>,
    /// ACM not-after of that certificate (RFC 3339).
    #[serde(default)]
    pub acm_not_after: Option<String>,
    /// Serial of the served leaf (lower-case hex).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub serial: Option<String>,
    /// SHA-256 of the served leaf's DER (lower-case hex).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
    /// Serial of the listener's ACM certificate (lower-case hex).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub acm_serial: Option<String>,
    /// SHA-256 of the listener's ACM certificate (GetCertificate), lower-case hex.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub acm_sha256: Option<String>,
}

/// RFC 3339 form of a Unix time (UTC), as the TLS evidence records certificate dates
/// (the served leaf's and ACM's `NotAfter`); the number itself when out of range.
pub fn rfc3339(unix: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(unix)
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_else(|| unix.to_string())
}
