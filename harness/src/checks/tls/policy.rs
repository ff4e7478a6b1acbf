//! The control plane's view of TLS (ELBv2 listener SslPolicy and certificate, ACM
//! not-after) compared with what the probes observed.
//!
//! ALB security policy names encode their minimum protocol
//! (<https://docs.aws.amazon.com/elasticloadbalancing/latest/application/describe-ssl-policies.html>):
//! `ELBSecurityPolicy-TLS13-1-2-2021-06` allows TLS 1.2 and 1.3, `…-TLS13-1-0-…` still
//! allows TLS 1.0, `ELBSecurityPolicy-2016-08` (the console default of old) allows 1.0.

use super::TlsObservation;
use super::cert::LeafInfo;
use crate::checks::tls::client_hello::version_name;

/// The policy the Terraform module sets (TLS 1.2 minimum, TLS 1.3 offered).
pub const RECOMMENDED_POLICY: &str = "ELBSecurityPolicy-TLS13-1-2-2021-06";

/// Minimum protocol (wire version) a named ALB policy allows, when the name tells.
pub fn min_version(policy: &str) -> Option<u16> {
    let p = policy.to_ascii_uppercase();
    let markers: [(&str, u16); 7] = [
        ("TLS13-1-3", 0x0304),
        ("TLS13-1-2", 0x0303),
        ("TLS-1-2", 0x0303),
        ("FS-1-2", 0x0303),
        ("TLS13-1-1", 0x0302),
        ("TLS-1-1", 0x0302),
        ("FS-1-1", 0x0302),
    ];
    if let Some((_, v)) = markers.iter().find(|(m, _)| p.contains(m)) {
        return Some(*v);
    }
    if p.starts_with("ELBSECURITYPOLICY-") || p.contains("TLS13-1-0") {
        // 2015-05, 2016-08, FS-2018-06, TLS13-1-0-…: TLS 1.0 allowed.
        return Some(0x0301);
    }
    None
}

/// Whether a named policy offers TLS 1.3.
pub fn offers_tls13(policy: &str) -> bool {
    policy.to_ascii_uppercase().contains("TLS13")
}

/// Appends disagreements between `truth` and the observation.
pub fn compare(
    truth: &super::TlsTruth,
    obs: &TlsObservation,
    leaf: &LeafInfo,
    fails: &mut Vec<String>,
    warnings: &mut Vec<String>,
) {
    match truth.ssl_policy.as_deref() {
        None => warnings.push("listener has no SslPolicy (is it HTTPS?)".into()),
        Some(p) => match min_version(p) {
            Some(v) if v < 0x0303 => fails.push(format!(
                "listener SslPolicy {p} allows {}; use a TLS 1.2+ policy such as \
                 {RECOMMENDED_POLICY}",
                version_name(v)
            )),
            Some(_) => {
                let tls13_seen = obs
                    .probes
                    .iter()
                    .any(|f| f.probe.version == "TLS 1.3" && f.probe.accepted);
                if offers_tls13(p) && !tls13_seen {
                    warnings.push(format!(
                        "listener SslPolicy {p} offers TLS 1.3 but the endpoint did not"
                    ));
                }
            }
            None => warnings.push(format!("unknown SslPolicy {p}: minimum version not known")),
        },
    }
    if obs.handshake.leaf.is_some() {
        compare_acm(truth, leaf, fails, warnings);
    }
}

/// The served leaf against the listener's ACM certificate: SHA-256 fingerprint (exact
/// identity), serial, and not-after, each when ACM gave it. Any difference FAILs,
/// naming both certificates.
fn compare_acm(
    truth: &super::TlsTruth,
    leaf: &LeafInfo,
    fails: &mut Vec<String>,
    warnings: &mut Vec<String>,
) {
    let mut differ = Vec::new();
    if let Some(fp) = truth.acm_sha256.as_deref()
        && !fp.eq_ignore_ascii_case(&leaf.sha256)
    {
        differ.push("SHA-256 fingerprint");
    }
    if let Some(serial) = truth.acm_serial.as_deref()
        && !serial.eq_ignore_ascii_case(&leaf.serial)
    {
        differ.push("serial");
    }
    if let Some(acm) = truth.acm_not_after.as_deref() {
        match time::OffsetDateTime::parse(acm, &time::format_description::well_known::Rfc3339) {
            Ok(t) if t.unix_timestamp() != leaf.not_after_unix => differ.push("not-after"),
            Ok(_) => {}
            Err(e) => warnings.push(format!("ACM not-after {acm:?} unreadable: {e}")),
        }
    }
    if differ.is_empty() {
        return;
    }
    let short = |fp: &str| fp.chars().take(16).collect::<String>();
    fails.push(format!(
        "the endpoint is not serving the listener's ACM certificate ({} differ): served \
         serial {} SHA-256 {}… expires {}; ACM {} has serial {} SHA-256 {}… expires {}",
        differ.join(", "),
        leaf.serial,
        short(&leaf.sha256),
        super::cert::rfc3339(leaf.not_after_unix),
        truth.certificate_arn.as_deref().unwrap_or("certificate"),
        truth.acm_serial.as_deref().unwrap_or("not available"),
        truth
            .acm_sha256
            .as_deref()
            .map_or("not available".to_string(), short),
        truth.acm_not_after.as_deref().unwrap_or("not available"),
    ));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_minimum_versions_from_names() {
        assert_eq!(
            min_version("ELBSecurityPolicy-TLS13-1-2-2021-06"),
            Some(0x0303)
        );
        assert_eq!(
            min_version("ELBSecurityPolicy-TLS13-1-3-2021-06"),
            Some(0x0304)
        );
        assert_eq!(
            min_version("ELBSecurityPolicy-TLS-1-2-Ext-2018-06"),
            Some(0x0303)
        );
        assert_eq!(
            min_version("ELBSecurityPolicy-FS-1-2-Res-2020-10"),
            Some(0x0303)
        );
        assert_eq!(
            min_version("ELBSecurityPolicy-TLS-1-1-2017-01"),
            Some(0x0302)
        );
        assert_eq!(min_version("ELBSecurityPolicy-2016-08"), Some(0x0301));
        assert_eq!(
            min_version("ELBSecurityPolicy-TLS13-1-0-2021-06"),
            Some(0x0301)
        );
        assert_eq!(min_version("something-else"), None);
        assert!(offers_tls13(RECOMMENDED_POLICY));
        assert!(!offers_tls13("ELBSecurityPolicy-2016-08"));
    }
}
