//! The `tls` check: certificate, protocol versions, HTTP redirect, HSTS, listener policy.
//!
//! Probes (I/O) gather a [`TlsObservation`]; [`judge`] (pure) turns it, the settings
//! and the control plane's [`TlsTruth`] into a verdict:
//! - FAIL: chain not trusted / wrong host / expired, fewer than `min_cert_days` left,
//!   TLS 1.0 or 1.1 accepted, HTTP not redirected with the listener's status (301/308
//!   when unknown) to the same https host, port, path and query, HSTS missing under
//!   `--require-hsts` or shorter than `--hsts-min-max-age`, a listener SslPolicy that
//!   allows < TLS 1.2, or a served certificate other than the listener's ACM one
//!   (fingerprint, serial or not-after differ).
//! - INCONCLUSIVE: no certificate seen, or a legacy probe got no readable answer.
//! - ERROR: the HTTPS port could not be reached at all (exit 4, as for traffic).
//! - PASS otherwise; missing HSTS and missing TLS 1.3 are warnings.

pub mod cert;
pub mod client_hello;
pub mod legacy;
pub mod policy;
pub mod redirect;

use std::time::Duration;

use crate::endpoint::Endpoint;
use crate::result::{CheckResult, Evidence, ProtocolProbe, TlsEvidence, Verdict};

use cert::Handshake;
use client_hello::LegacyVersion;

/// Timeout of each probe connection.
pub const PROBE_TIMEOUT: Duration = Duration::from_secs(10);

/// Seconds per day.
const DAY_S: i64 = 86_400;

/// Settings of the TLS check.
#[derive(Debug, Clone)]
pub struct TlsSettings {
    /// Minimum days before the certificate expires.
    pub min_cert_days: i64,
    /// Fail when HSTS is missing (`--require-hsts`).
    pub require_hsts: bool,
    /// Fail when HSTS is missing or its max-age is below this many seconds
    /// (`--hsts-min-max-age`; implies `require_hsts`).
    pub hsts_min_max_age: Option<u64>,
}

impl TlsSettings {
    /// Whether a missing HSTS header fails the check.
    pub fn hsts_required(&self) -> bool {
        self.require_hsts || self.hsts_min_max_age.is_some()
    }
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
    /// ACM serial of that certificate (lower-case hex, see `aws::acm::normalize_serial`).
    pub acm_serial: Option<String>,
    /// SHA-256 of that certificate's DER (ACM GetCertificate), lower-case hex.
    pub acm_sha256: Option<String>,
    /// Status the HTTP listener's redirect action declares (e.g. 301).
    pub redirect_status: Option<u16>,
}

/// One protocol probe and whether its answer was readable.
#[derive(Debug, Clone, PartialEq)]
pub struct ProbeFinding {
    /// As reported.
    pub probe: ProtocolProbe,
    /// False when the probe learned nothing (timeout, garbage, dial error).
    pub conclusive: bool,
}

/// What the plain-HTTP listener answered to the redirect probe.
#[derive(Debug, Clone, PartialEq)]
pub struct RedirectAnswer {
    /// URL probed (with [`redirect::PROBE_PATH`] and [`redirect::PROBE_QUERY`]).
    pub probed: url::Url,
    /// Status answered.
    pub status: u16,
    /// `Location` header.
    pub location: Option<String>,
}

/// Everything the probes saw (input of [`judge`]).
#[derive(Debug, Clone)]
pub struct TlsObservation {
    /// Host name checked.
    pub host: String,
    /// The HTTPS URL (the redirect must land on its scheme and port).
    pub https_url: url::Url,
    /// The normal handshake (TLS 1.2 and 1.3 offered).
    pub handshake: Handshake,
    /// Probes of TLS 1.0, 1.1, 1.2, 1.3.
    pub probes: Vec<ProbeFinding>,
    /// Redirect from HTTP (probed URL, status, Location), or why it could not be probed.
    pub redirect: Option<Result<RedirectAnswer, String>>,
    /// HSTS max-age on the HTTPS response, or why it could not be read.
    pub hsts: Option<Result<Option<u64>, String>>,
    /// Time of the observation (Unix seconds).
    pub now_unix: i64,
}

/// Probes the endpoint's TLS and judges it.
pub async fn check(
    endpoint: &Endpoint,
    settings: &TlsSettings,
    truth: Option<&TlsTruth>,
) -> CheckResult {
    match observe(endpoint).await {
        Ok(obs) => judge(&obs, settings, truth),
        // Nothing was observed (the HTTPS port refused or timed out): like a traffic
        // check that reached nothing, this is an ERROR (exit 4), never a verdict on TLS.
        Err(e) => CheckResult {
            name: "tls".into(),
            verdict: Verdict::Error,
            summary: format!("TLS not probed: {}", crate::error::one_line(&e)),
            warnings: vec![],
            evidence: Evidence::None,
        },
    }
}

/// Runs every probe against the endpoint. Fails only when the HTTPS port cannot be
/// reached at all (or the trusted roots are unusable).
pub async fn observe(endpoint: &Endpoint) -> crate::Result<TlsObservation> {
    let handshake = cert::handshake(endpoint, rustls::ALL_VERSIONS, PROBE_TIMEOUT).await?;
    let mut probes = Vec::new();
    for v in [LegacyVersion::Tls10, LegacyVersion::Tls11] {
        probes.push(match legacy::probe(endpoint, v, PROBE_TIMEOUT).await {
            Ok(answer) => ProbeFinding {
                conclusive: answer.accepted(v) || answer.refused(v),
                probe: ProtocolProbe {
                    version: v.label().into(),
                    accepted: answer.accepted(v),
                    detail: answer.describe(),
                },
            },
            Err(e) => ProbeFinding {
                conclusive: false,
                probe: ProtocolProbe {
                    version: v.label().into(),
                    accepted: false,
                    detail: e.to_string(),
                },
            },
        });
    }
    for (label, version) in [
        ("TLS 1.2", &rustls::version::TLS12),
        ("TLS 1.3", &rustls::version::TLS13),
    ] {
        let probe = match cert::handshake(endpoint, &[version], PROBE_TIMEOUT).await {
            // The verifier runs only after a ServerHello at this version, so a
            // certificate error still proves the version was accepted.
            Ok(h) => ProtocolProbe {
                version: label.into(),
                accepted: h.error.is_none() || h.leaf.is_some(),
                detail: h
                    .error
                    .unwrap_or_else(|| format!("handshake completed ({label})")),
            },
            Err(e) => ProtocolProbe {
                version: label.into(),
                accepted: false,
                detail: e.to_string(),
            },
        };
        probes.push(ProbeFinding {
            probe,
            conclusive: true,
        });
    }
    let redirect = Some(
        redirect::probe_redirect(endpoint, PROBE_TIMEOUT)
            .await
            .map(|(probed, status, location)| RedirectAnswer {
                probed,
                status,
                location,
            })
            .map_err(|e| e.to_string()),
    );
    let hsts = if handshake.error.is_none() {
        Some(
            redirect::probe_hsts(endpoint, PROBE_TIMEOUT)
                .await
                .map_err(|e| e.to_string()),
        )
    } else {
        None
    };
    Ok(TlsObservation {
        host: endpoint.host().to_string(),
        https_url: endpoint.url.clone(),
        handshake,
        probes,
        redirect,
        hsts,
        now_unix: time::OffsetDateTime::now_utc().unix_timestamp(),
    })
}

/// Judges the observation (pure).
pub fn judge(
    obs: &TlsObservation,
    settings: &TlsSettings,
    truth: Option<&TlsTruth>,
) -> CheckResult {
    let mut fails: Vec<String> = Vec::new();
    let mut unsure: Vec<String> = Vec::new();
    let mut warnings: Vec<String> = Vec::new();

    let leaf = obs.handshake.leaf.clone().unwrap_or_default();
    let have_leaf = obs.handshake.leaf.is_some();
    // Whole days, truncated toward zero: 20.9 days left is 20; expired 1.1 days ago is
    // -1 (flooring said -2).
    let seconds_left = leaf.not_after_unix - obs.now_unix;
    let days_left = seconds_left / DAY_S;
    if let Some(e) = &obs.handshake.error {
        if have_leaf {
            fails.push(e.clone());
        } else {
            unsure.push(format!("no certificate seen: {e}"));
        }
    }
    if have_leaf && seconds_left < 0 {
        fails.push(format!(
            "certificate expired {} days ago ({} required before expiry)",
            -days_left, settings.min_cert_days
        ));
    } else if have_leaf && days_left < settings.min_cert_days {
        fails.push(format!(
            "certificate expires in {days_left} days (< {} required)",
            settings.min_cert_days
        ));
    }
    for p in &obs.probes {
        let legacy = p.probe.version == "TLS 1.0" || p.probe.version == "TLS 1.1";
        if legacy && p.probe.accepted {
            fails.push(format!("{} accepted ({})", p.probe.version, p.probe.detail));
        } else if legacy && !p.conclusive {
            unsure.push(format!(
                "{} probe unclear: {}",
                p.probe.version, p.probe.detail
            ));
        }
        if p.probe.version == "TLS 1.3" && !p.probe.accepted {
            warnings.push("TLS 1.3 not offered".into());
        }
    }
    let expected_status = truth.and_then(|t| t.redirect_status);
    let redirect_evidence = match &obs.redirect {
        Some(Ok(r)) => {
            let (ev, found) = redirect::judge(
                &r.probed,
                &obs.https_url,
                r.status,
                r.location.as_deref(),
                expected_status,
            );
            if !found.is_empty() {
                fails.push(format!(
                    "HTTP→HTTPS redirect wrong: {} (GET {} answered {}, Location {}; \
                     expected {} to the same https URL, path and query)",
                    found.join(", "),
                    r.probed,
                    r.status,
                    r.location.as_deref().unwrap_or("none"),
                    expected_status.map_or("301/308".to_string(), |s| s.to_string()),
                ));
            }
            Some(ev)
        }
        Some(Err(e)) => {
            fails.push(format!("no HTTP redirect: {e}"));
            None
        }
        None => None,
    };
    let hsts_max_age = redirect::judge_hsts(
        obs.hsts.as_ref(),
        settings,
        &mut fails,
        &mut unsure,
        &mut warnings,
    );
    if let Some(t) = truth {
        policy::compare(t, obs, &leaf, &mut fails, &mut warnings);
    }

    let not_after = if have_leaf {
        cert::rfc3339(leaf.not_after_unix)
    } else {
        String::new()
    };
    let evidence = TlsEvidence {
        host: obs.host.clone(),
        subject: leaf.subject.clone(),
        sans: leaf.sans.clone(),
        issuer: leaf.issuer.clone(),
        not_after: not_after.clone(),
        days_left: if have_leaf { days_left } else { 0 },
        key_type: leaf.key_type.clone(),
        chain_valid: obs.handshake.error.is_none(),
        chain_error: obs.handshake.error.clone(),
        negotiated: obs.handshake.negotiated.clone(),
        probes: obs.probes.iter().map(|p| p.probe.clone()).collect(),
        redirect: redirect_evidence,
        hsts_max_age,
        listener_ssl_policy: truth.and_then(|t| t.ssl_policy.clone()),
        listener_certificate_arn: truth.and_then(|t| t.certificate_arn.clone()),
        acm_not_after: truth.and_then(|t| t.acm_not_after.clone()),
        serial: have_leaf.then(|| leaf.serial.clone()),
        sha256: have_leaf.then(|| leaf.sha256.clone()),
        acm_serial: truth.and_then(|t| t.acm_serial.clone()),
        acm_sha256: truth.and_then(|t| t.acm_sha256.clone()),
    };
    let (verdict, summary) = if !fails.is_empty() {
        (Verdict::Fail, fails.join("; "))
    } else if !unsure.is_empty() {
        (Verdict::Inconclusive, unsure.join("; "))
    } else {
        (
            Verdict::Pass,
            format!(
                "certificate for {} valid ({} days left, {}), {} negotiated, TLS 1.0/1.1 \
                 refused, HTTP redirects to HTTPS{}",
                obs.host,
                days_left,
                leaf.key_type,
                obs.handshake.negotiated,
                if truth.is_some() {
                    ", listener policy agrees"
                } else {
                    ""
                }
            ),
        )
    };
    CheckResult {
        name: "tls".into(),
        verdict,
        summary,
        warnings,
        evidence: Evidence::Tls(Box::new(evidence)),
    }
}

#[cfg(test)]
mod tests;
