//! ACM: what the listener's certificate is, compared by the TLS check with the
//! certificate actually served. `DescribeCertificate` gives NotAfter and the serial;
//! `GetCertificate` gives the PEM, whose leaf fingerprint identifies the certificate
//! exactly. Each part a control plane does not give is said, never skipped silently.

use sha2::{Digest, Sha256};

use crate::error::Result;

/// What ACM says about one certificate. `None` fields were not given by the endpoint;
/// `notes` say why.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AcmCertificate {
    /// NotAfter (RFC 3339, UTC).
    pub not_after: Option<String>,
    /// Serial number, lower-case hex without separators or leading zeros.
    pub serial: Option<String>,
    /// SHA-256 of the leaf's DER, lower-case hex.
    pub sha256: Option<String>,
    /// What could not be read, one line each.
    pub notes: Vec<String>,
}

/// Reads the certificate `arn`: DescribeCertificate must work (an error is returned);
/// a failing GetCertificate becomes a note.
pub async fn certificate(sdk: &aws_config::SdkConfig, arn: &str) -> Result<AcmCertificate> {
    let client = aws_sdk_acm::Client::new(sdk);
    let out = client
        .describe_certificate()
        .certificate_arn(arn)
        .send()
        .await
        .map_err(|e| super::sdk_error(&format!("acm DescribeCertificate {arn}"), e))?;
    let detail = out.certificate();
    let mut acm = AcmCertificate {
        not_after: detail
            .and_then(|c| c.not_after())
            .map(|t| crate::result::rfc3339(t.secs())),
        serial: detail.and_then(|c| c.serial()).and_then(normalize_serial),
        ..AcmCertificate::default()
    };
    match client.get_certificate().certificate_arn(arn).send().await {
        Ok(got) => match got
            .certificate()
            .and_then(|pem| leaf_sha256(pem.as_bytes()))
        {
            Some(fp) => acm.sha256 = Some(fp),
            None => acm.notes.push(format!(
                "acm GetCertificate {arn}: no PEM certificate returned"
            )),
        },
        Err(e) => acm.notes.push(crate::error::one_line(&super::sdk_error(
            &format!("acm GetCertificate {arn}"),
            e,
        ))),
    }
    Ok(acm)
}

/// SHA-256 (lower-case hex) of the first certificate in a PEM text.
pub fn leaf_sha256(pem: &[u8]) -> Option<String> {
    let der = rustls_pki_types::pem::PemObject::pem_slice_iter(pem)
        .next()?
        .ok()
        .map(|c: rustls_pki_types::CertificateDer<'static>| c.to_vec())?;
    Some(sha256_hex(&der))
}

/// SHA-256 of `der`, lower-case hex.
pub fn sha256_hex(der: &[u8]) -> String {
    Sha256::digest(der)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A serial as AWS writes it (`0c:9a:…`, hex bytes with colons) or as moto does
/// (decimal), turned into lower-case hex without separators or leading zeros.
pub fn normalize_serial(s: &str) -> Option<String> {
    let s = s.trim();
    if s.is_empty() {
        return None;
    }
    let hex: String = if s.contains(':') || s.bytes().any(|b| b.is_ascii_alphabetic()) {
        s.chars().filter(|c| *c != ':').collect::<String>()
    } else {
        decimal_to_hex(s)?
    };
    if !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let trimmed = hex.to_ascii_lowercase().trim_start_matches('0').to_string();
    Some(if trimmed.is_empty() {
        "0".into()
    } else {
        trimmed
    })
}

/// Hex of a decimal number of any length (schoolbook base conversion).
fn decimal_to_hex(s: &str) -> Option<String> {
    let mut digits: Vec<u8> = Vec::new(); // base-16 digits, least significant first
    for c in s.bytes() {
        if !c.is_ascii_digit() {
            return None;
        }
        let mut carry = u32::from(c - b'0');
        for d in digits.iter_mut() {
            let v = u32::from(*d) * 10 + carry;
            *d = (v % 16) as u8;
            carry = v / 16;
        }
        while carry > 0 {
            digits.push((carry % 16) as u8);
            carry /= 16;
        }
    }
    if digits.is_empty() {
        return Some("0".into());
    }
    Some(
        digits
            .iter()
            .rev()
            .map(|d| char::from_digit(u32::from(*d), 16).unwrap_or('0'))
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serials_from_aws_and_moto_agree() {
        // 0x0c9a01ff = 211419647
        assert_eq!(normalize_serial("0c:9a:01:ff").as_deref(), Some("c9a01ff"));
        assert_eq!(normalize_serial("211419647").as_deref(), Some("c9a01ff"));
        // A 20-byte serial (above u128) converts exactly.
        let hex = "7f3a9c0e11223344556677889900aabbccddeeff";
        let dec = "726348865419475341049802397889434046101674913535";
        assert_eq!(normalize_serial(dec).as_deref(), Some(hex));
        assert_eq!(normalize_serial("0").as_deref(), Some("0"));
        assert_eq!(normalize_serial(""), None);
        assert_eq!(normalize_serial("zz:01"), None);
    }

    #[test]
    fn fingerprints_the_first_pem_certificate() {
        let key = rcgen::KeyPair::generate().unwrap();
        let params = rcgen::CertificateParams::new(vec!["a.test".to_string()]).unwrap();
        let cert = params.self_signed(&key).unwrap();
        let fp = leaf_sha256(cert.pem().as_bytes()).unwrap();
        assert_eq!(fp, sha256_hex(cert.der()));
        assert_eq!(fp.len(), 64);
        assert_eq!(leaf_sha256(b"no pem here"), None);
    }
}
