//! The edge's TLS settings for the HTTPS listener's `ssl_policy` (read from Terraform):
//! the OpenSSL cipher list that mirrors the ALB policy. Only the policy app-infra uses
//! is mirrored; another one is a configuration error rather than a silently different
//! edge.

/// The ALB TLS policy whose TLS 1.2 ciphers the edge mirrors ([`ALB_TLS12_CIPHERS`]).
pub const MIRRORED_TLS_POLICY: &str = "ELBSecurityPolicy-TLS13-1-2-2021-06";
/// TLS 1.2 ciphers of ELBSecurityPolicy-TLS13-1-2-2021-06 (OpenSSL names).
pub const ALB_TLS12_CIPHERS: &str = "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:\
ECDHE-ECDSA-AES128-SHA256:ECDHE-RSA-AES128-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:\
ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-AES256-SHA384:ECDHE-RSA-AES256-SHA384";
/// Cipher string when TLS 1.0/1.1 are enabled: OpenSSL 3 refuses them (SHA-1
/// signatures) above security level 0.
pub const LEGACY_CIPHERS: &str = "DEFAULT:@SECLEVEL=0";

/// The edge's TLS 1.2 ciphers for the listener's `ssl_policy`; a policy the edge does
/// not mirror is a configuration error (the twin would not be what Terraform declares).
pub fn ciphers_for_policy(policy: &str) -> Result<&'static str, String> {
    if policy == MIRRORED_TLS_POLICY {
        Ok(ALB_TLS12_CIPHERS)
    } else {
        Err(format!(
            "Terraform's ssl_policy {policy:?}: the twin's edge mirrors only {MIRRORED_TLS_POLICY}"
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_mirrored_tls_policy_has_ciphers() {
        assert_eq!(
            ciphers_for_policy(MIRRORED_TLS_POLICY),
            Ok(ALB_TLS12_CIPHERS)
        );
        let e = ciphers_for_policy("ELBSecurityPolicy-2016-08").unwrap_err();
        assert!(e.contains("ELBSecurityPolicy-2016-08"), "{e}");
    }
}
