//! The certificate probe: a real rustls handshake against the endpoint's trusted roots
//! (system roots plus the private CA passed with `--ca-file`), with the host name
//! checked. Verification is never disabled: a thin wrapper around rustls's own
//! `WebPkiServerVerifier` records the chain the server presented and then returns the
//! wrapped verifier's verdict unchanged, so an expired or misnamed certificate still
//! aborts the handshake but can be described in the report.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::{CertificateError, DigitallySignedStruct, SignatureScheme};
use rustls_pki_types::{CertificateDer, ServerName, UnixTime};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;

use crate::endpoint::Endpoint;
use crate::error::{Error, Result};

/// What the leaf certificate says.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LeafInfo {
    /// Subject DN.
    pub subject: String,
    /// DNS and IP subject alternative names.
    pub sans: Vec<String>,
    /// Issuer DN.
    pub issuer: String,
    /// Not-after, seconds since the Unix epoch.
    pub not_after_unix: i64,
    /// e.g. "ECDSA P-256", "RSA 2048".
    pub key_type: String,
    /// Serial number, lower-case hex without leading zeros (as ACM's, normalized).
    pub serial: String,
    /// SHA-256 of the DER, lower-case hex.
    pub sha256: String,
}

/// Outcome of one verified handshake attempt.
#[derive(Debug, Clone, Default)]
pub struct Handshake {
    /// The leaf as presented (also when validation failed).
    pub leaf: Option<LeafInfo>,
    /// `None` when the chain validated and the name matched; otherwise why not.
    pub error: Option<String>,
    /// Negotiated protocol, e.g. "TLS 1.3" (empty when the handshake failed).
    pub negotiated: String,
}

pub use crate::endpoint::provider;

#[derive(Debug)]
struct Recording {
    inner: Arc<WebPkiServerVerifier>,
    seen: Mutex<Option<CertificateDer<'static>>>,
}

impl ServerCertVerifier for Recording {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> std::result::Result<ServerCertVerified, rustls::Error> {
        if let Ok(mut seen) = self.seen.lock() {
            *seen = Some(end_entity.clone().into_owned());
        }
        self.inner
            .verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now)
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.inner.supported_verify_schemes()
    }
}

/// Handshakes with `endpoint` offering only `versions` and reports what happened.
/// Connection-level failures (cannot dial) are errors; TLS failures are findings.
pub async fn handshake(
    endpoint: &Endpoint,
    versions: &[&'static rustls::SupportedProtocolVersion],
    timeout: Duration,
) -> Result<Handshake> {
    let provider = provider();
    let roots = Arc::new(endpoint.root_store()?);
    let inner = WebPkiServerVerifier::builder_with_provider(roots, provider.clone())
        .build()
        .map_err(|e| Error::Config(format!("trusted roots unusable: {e}")))?;
    let verifier = Arc::new(Recording {
        inner,
        seen: Mutex::new(None),
    });
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_protocol_versions(versions)
        .map_err(|e| Error::failed("building the TLS client config", e))?
        .dangerous()
        .with_custom_certificate_verifier(verifier.clone())
        .with_no_client_auth();
    let host = endpoint.host().to_string();
    let addr = endpoint.socket_addr(&host, endpoint.port()).await?;
    let name = ServerName::try_from(host.clone())
        .map_err(|e| Error::Config(format!("--url host {host:?}: {e}")))?;
    let tcp = tokio::time::timeout(timeout, TcpStream::connect(addr))
        .await
        .map_err(|_| Error::Unreachable(format!("{host} ({addr}): connect timed out")))?
        .map_err(|e| Error::Unreachable(format!("{host} ({addr}): {e}")))?;
    let connector = TlsConnector::from(Arc::new(config));
    let outcome = tokio::time::timeout(timeout, connector.connect(name, tcp)).await;
    let leaf = verifier
        .seen
        .lock()
        .ok()
        .and_then(|s| s.clone())
        .and_then(|der| parse_leaf(&der));
    let (error, negotiated) = match outcome {
        Err(_) => (Some("TLS handshake timed out".to_string()), String::new()),
        Ok(Err(e)) => (Some(describe_io_error(&e)), String::new()),
        Ok(Ok(stream)) => {
            let (_, conn) = stream.get_ref();
            let negotiated = match conn.protocol_version() {
                Some(rustls::ProtocolVersion::TLSv1_3) => "TLS 1.3".to_string(),
                Some(rustls::ProtocolVersion::TLSv1_2) => "TLS 1.2".to_string(),
                Some(other) => format!("{other:?}"),
                None => String::new(),
            };
            (None, negotiated)
        }
    };
    Ok(Handshake {
        leaf,
        error,
        negotiated,
    })
}

/// Turns a handshake error into a sentence that says what to fix.
pub fn describe_io_error(e: &std::io::Error) -> String {
    match e.get_ref().and_then(|i| i.downcast_ref::<rustls::Error>()) {
        Some(rustls::Error::InvalidCertificate(c)) => describe_cert_error(c),
        Some(other) => format!("TLS handshake failed: {other}"),
        None => format!("TLS handshake failed: {e}"),
    }
}

/// Names the kind of certificate failure: untrusted, wrong host, expired, ...
pub fn describe_cert_error(e: &CertificateError) -> String {
    match e {
        CertificateError::UnknownIssuer => "certificate not trusted: issued by an unknown CA \
             (for a private CA, pass it with --ca-file)"
            .into(),
        CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. } => {
            format!("certificate does not match the host name: {e}")
        }
        CertificateError::Expired | CertificateError::ExpiredContext { .. } => {
            format!("certificate expired: {e}")
        }
        CertificateError::NotValidYet | CertificateError::NotValidYetContext { .. } => {
            format!("certificate not yet valid: {e}")
        }
        other => format!("certificate rejected: {other}"),
    }
}

/// Reads subject, SANs, issuer, not-after and key type from a DER certificate.
pub fn parse_leaf(der: &[u8]) -> Option<LeafInfo> {
    use x509_parser::prelude::*;
    let (_, cert) = X509Certificate::from_der(der).ok()?;
    let mut sans = Vec::new();
    if let Ok(Some(ext)) = cert.subject_alternative_name() {
        for name in &ext.value.general_names {
            match name {
                GeneralName::DNSName(d) => sans.push((*d).to_string()),
                GeneralName::IPAddress(b) => match b.len() {
                    4 => sans.push(std::net::Ipv4Addr::new(b[0], b[1], b[2], b[3]).to_string()),
                    16 => {
                        let mut a = [0u8; 16];
                        a.copy_from_slice(b);
                        sans.push(std::net::Ipv6Addr::from(a).to_string());
                    }
                    _ => {}
                },
                _ => {}
            }
        }
    }
    let spki = cert.public_key();
    let key_type = match spki.parsed() {
        Ok(x509_parser::public_key::PublicKey::RSA(rsa)) => format!("RSA {}", rsa.key_size()),
        Ok(x509_parser::public_key::PublicKey::EC(ec)) => format!("ECDSA P-{}", ec.key_size()),
        _ if spki.algorithm.algorithm.to_id_string() == "1.3.101.112" => "Ed25519".into(),
        _ => format!("other ({})", spki.algorithm.algorithm.to_id_string()),
    };
    Some(LeafInfo {
        subject: cert.subject().to_string(),
        sans,
        issuer: cert.issuer().to_string(),
        not_after_unix: cert.validity().not_after.timestamp(),
        key_type,
        serial: crate::aws::acm::normalize_serial(&cert.raw_serial_as_string()).unwrap_or_default(),
        sha256: crate::aws::acm::sha256_hex(der),
    })
}

pub use crate::result::rfc3339;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_an_rcgen_leaf() {
        let key = rcgen::KeyPair::generate().unwrap();
        let mut params =
            rcgen::CertificateParams::new(vec!["app.example.com".to_string()]).unwrap();
        params.not_after = rcgen::date_time_ymd(2031, 1, 2);
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, "app.example.com");
        let cert = params.self_signed(&key).unwrap();
        let leaf = parse_leaf(cert.der()).unwrap();
        assert_eq!(leaf.sans, vec!["app.example.com"]);
        assert!(
            leaf.subject.contains("CN=app.example.com"),
            "{}",
            leaf.subject
        );
        assert_eq!(leaf.key_type, "ECDSA P-256");
        assert_eq!(rfc3339(leaf.not_after_unix), "2031-01-02T00:00:00Z");
        assert_eq!(leaf.sha256, crate::aws::acm::sha256_hex(cert.der()));
        assert!(!leaf.serial.is_empty() && !leaf.serial.contains(':'));
    }

    #[test]
    fn names_the_certificate_failure() {
        assert!(describe_cert_error(&CertificateError::UnknownIssuer).contains("--ca-file"));
        assert!(describe_cert_error(&CertificateError::Expired).contains("expired"));
        assert!(describe_cert_error(&CertificateError::NotValidForName).contains("host name"));
        assert!(parse_leaf(b"not der").is_none());
    }
}
