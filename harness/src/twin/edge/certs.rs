//! Throw-away PKI of the twin (rcgen): a private CA created per twin and a leaf for the
//! twin's DNS-like host, in one of three profiles (valid, expired, wrong host). The CA is
//! handed to clients explicitly (`TWIN_CA_FILE`); TLS verification is never disabled.

use std::path::{Path, PathBuf};

use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose,
};
use time::{Duration, OffsetDateTime};

use crate::error::{Error, Result};

use crate::twin::host::secret::write_secret;
use crate::twin::spec::CertProfile;

/// Host name on the leaf under the wrong-host profile.
pub const WRONG_HOST: &str = "wrong-host.invalid.test";
/// Validity of a valid leaf, in days (ACM issues 395-day certificates).
pub const LEAF_VALID_DAYS: i64 = 395;
/// Under the not-ACM profile, the served leaf expires this many days before the one
/// in ACM (still far above the 21-day minimum), so that even a control plane that gives
/// only NotAfter tells them apart.
pub const NOT_ACM_EARLIER_DAYS: i64 = 30;

/// PEM material of one twin.
#[derive(Debug, Clone)]
pub struct Pki {
    /// The private CA certificate.
    pub ca_pem: String,
    /// The leaf certificate served by the edge.
    pub cert_pem: String,
    /// The leaf's private key.
    pub key_pem: String,
    /// The listener's certificate imported into ACM, when it is not the one served
    /// (profile [`CertProfile::NotAcm`]): leaf and key PEM.
    pub acm: Option<(String, String)>,
}

/// Where [`Pki::write`] put the files.
#[derive(Debug, Clone)]
pub struct PkiPaths {
    /// `ca.pem`.
    pub ca: PathBuf,
    /// `cert.pem`.
    pub cert: PathBuf,
    /// `key.pem` (mode 0600).
    pub key: PathBuf,
}

fn rc(e: rcgen::Error) -> Error {
    Error::failed("generating the twin's certificates", e)
}

impl Pki {
    /// Issues a fresh CA and a leaf for `host` in the given profile.
    pub fn issue(host: &str, profile: CertProfile) -> Result<Pki> {
        let now = OffsetDateTime::now_utc();

        let ca_key = KeyPair::generate().map_err(rc)?;
        let mut ca = CertificateParams::new(Vec::<String>::new()).map_err(rc)?;
        ca.distinguished_name
            .push(DnType::CommonName, "canary-harness twin CA");
        ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        ca.not_before = now - Duration::days(2);
        ca.not_after = now + Duration::days(LEAF_VALID_DAYS + 30);
        let ca_cert = ca.self_signed(&ca_key).map_err(rc)?;
        let issuer = Issuer::new(ca, ca_key);

        let name = match profile {
            CertProfile::WrongHost => WRONG_HOST,
            CertProfile::Valid | CertProfile::Expired | CertProfile::NotAcm => host,
        };
        let valid = (
            now - Duration::days(1),
            now + Duration::days(LEAF_VALID_DAYS),
        );
        let validity = match profile {
            CertProfile::Expired => (now - Duration::days(90), now - Duration::days(1)),
            CertProfile::NotAcm => (valid.0, valid.1 - Duration::days(NOT_ACM_EARLIER_DAYS)),
            CertProfile::Valid | CertProfile::WrongHost => valid,
        };
        let (cert_pem, key_pem) = leaf(name, validity, &issuer)?;
        let acm = match profile {
            CertProfile::NotAcm => Some(leaf(name, valid, &issuer)?),
            _ => None,
        };
        Ok(Pki {
            ca_pem: ca_cert.pem(),
            cert_pem,
            key_pem,
            acm,
        })
    }

    /// The leaf and key PEM ACM holds for the listener (the served one unless the
    /// profile is [`CertProfile::NotAcm`]).
    pub fn acm_pem(&self) -> (&str, &str) {
        match &self.acm {
            Some((c, k)) => (c, k),
            None => (&self.cert_pem, &self.key_pem),
        }
    }

    /// Writes `ca.pem`, `cert.pem` and `key.pem` (0600) into `dir`.
    pub fn write(&self, dir: &Path) -> Result<PkiPaths> {
        let paths = PkiPaths {
            ca: dir.join("ca.pem"),
            cert: dir.join("cert.pem"),
            key: dir.join("key.pem"),
        };
        let w = |p: &Path, s: &str| {
            std::fs::write(p, s).map_err(|e| Error::io(format!("writing {}", p.display()), e))
        };
        w(&paths.ca, &self.ca_pem)?;
        w(&paths.cert, &self.cert_pem)?;
        write_secret(&paths.key, &self.key_pem)?;
        Ok(paths)
    }
}

/// A fresh leaf for `name` with its own key, valid over `(not_before, not_after)`.
fn leaf(
    name: &str,
    (not_before, not_after): (OffsetDateTime, OffsetDateTime),
    issuer: &Issuer<'_, KeyPair>,
) -> Result<(String, String)> {
    let key = KeyPair::generate().map_err(rc)?;
    let mut p = CertificateParams::new(vec![name.to_string()]).map_err(rc)?;
    p.distinguished_name.push(DnType::CommonName, name);
    p.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    p.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    p.use_authority_key_identifier_extension = true;
    (p.not_before, p.not_after) = (not_before, not_after);
    let cert = p.signed_by(&key, issuer).map_err(rc)?;
    Ok((cert.pem(), key.serialize_pem()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn leaf(p: &Pki) -> (Vec<String>, i64, i64) {
        let (_, pem) = x509_parser::pem::parse_x509_pem(p.cert_pem.as_bytes()).unwrap();
        let cert = pem.parse_x509().unwrap();
        let sans = cert
            .subject_alternative_name()
            .unwrap()
            .unwrap()
            .value
            .general_names
            .iter()
            .map(|n| n.to_string())
            .collect();
        (
            sans,
            cert.validity().not_before.timestamp(),
            cert.validity().not_after.timestamp(),
        )
    }

    #[test]
    fn profiles_differ_as_documented() {
        let now = OffsetDateTime::now_utc().unix_timestamp();
        let valid = Pki::issue("canary.twin.test", CertProfile::Valid).unwrap();
        let (sans, nb, na) = leaf(&valid);
        assert_eq!(sans, vec!["DNSName(canary.twin.test)"]);
        assert!(nb < now && na > now + 300 * 86_400);

        let expired = Pki::issue("canary.twin.test", CertProfile::Expired).unwrap();
        let (_, _, na) = leaf(&expired);
        assert!(na < now);

        let wrong = Pki::issue("canary.twin.test", CertProfile::WrongHost).unwrap();
        let (sans, _, _) = leaf(&wrong);
        assert_eq!(sans, vec![format!("DNSName({WRONG_HOST})")]);
        assert!(valid.acm.is_none() && wrong.acm.is_none());
        assert_eq!(valid.acm_pem().0, valid.cert_pem);

        // Not ACM's: same host and CA, another certificate, an earlier not-after.
        let other = Pki::issue("canary.twin.test", CertProfile::NotAcm).unwrap();
        let (sans, _, na_served) = leaf(&other);
        assert_eq!(sans, vec!["DNSName(canary.twin.test)"]);
        let (acm_pem, acm_key) = other.acm_pem();
        assert_ne!(acm_pem, other.cert_pem);
        assert_ne!(acm_key, other.key_pem);
        let acm = Pki {
            cert_pem: acm_pem.to_string(),
            ..other.clone()
        };
        let (acm_sans, _, na_acm) = leaf(&acm);
        assert_eq!(acm_sans, sans);
        assert_eq!(na_acm - na_served, NOT_ACM_EARLIER_DAYS * 86_400);
    }

    #[test]
    fn leaf_chains_to_the_ca() {
        let p = Pki::issue("canary.twin.test", CertProfile::Valid).unwrap();
        let (_, ca_pem) = x509_parser::pem::parse_x509_pem(p.ca_pem.as_bytes()).unwrap();
        let ca = ca_pem.parse_x509().unwrap();
        let (_, leaf_pem) = x509_parser::pem::parse_x509_pem(p.cert_pem.as_bytes()).unwrap();
        let leaf = leaf_pem.parse_x509().unwrap();
        assert_eq!(leaf.issuer(), ca.subject());
        assert!(ca.is_ca());
    }

    /// The key is written owner-only (created so, never widened first); the CA and the
    /// certificate are public.
    #[test]
    fn key_file_is_never_world_readable() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let p = Pki::issue("canary.twin.test", CertProfile::Valid).unwrap();
        let paths = p.write(dir.path()).unwrap();
        let mode = |f: &Path| std::fs::metadata(f).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&paths.key), 0o600);
        assert_eq!(std::fs::read_to_string(&paths.key).unwrap(), p.key_pem);
        // Written again over an existing key: still owner-only.
        let again = p.write(dir.path()).unwrap();
        assert_eq!(mode(&again.key), 0o600);
    }
}
