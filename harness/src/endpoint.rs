//! Where and how to reach the target: URL, host name, address pins (curl's
//! `--resolve`) and an optional private CA. Shared by the sampler, the TLS probe and the
//! WAF check so that all of them reach the same place the same way. TLS verification is
//! never disabled: a private CA is added to the trusted roots, nothing else.

use std::net::SocketAddr;
use std::path::Path;

use url::Url;

use crate::error::{Error, Result};

/// `User-Agent` of the harness's own probes (the sampler sends the same).
pub const USER_AGENT: &str = concat!("canary-harness/", env!("CARGO_PKG_VERSION"));

/// One `HOST:PORT:ADDR` pin.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolve {
    /// Host name as it appears in URLs.
    pub host: String,
    /// Port the pin applies to.
    pub port: u16,
    /// Address to connect to instead of resolving `host`.
    pub addr: SocketAddr,
}

impl Resolve {
    /// Parses curl's `HOST:PORT:ADDR[,ADDR...]` form: one pin per address (a load
    /// balancer name with one address per node). Repeating `--resolve` with the same
    /// `HOST:PORT` adds addresses the same way.
    pub fn parse_all(s: &str) -> Result<Vec<Self>> {
        let bad = || {
            Error::Config(format!(
                "--resolve {s:?}: expected HOST:PORT:ADDR[,ADDR...], e.g. \
                 app.example.com:443:127.0.0.1,127.0.0.2"
            ))
        };
        let (host, rest) = s.split_once(':').ok_or_else(bad)?;
        let (port, addrs) = rest.split_once(':').ok_or_else(bad)?;
        addrs
            .split(',')
            .map(|addr| Self::parse(&format!("{host}:{port}:{addr}")).map_err(|_| bad()))
            .collect()
    }

    /// Parses curl's `HOST:PORT:ADDR` form (ADDR may be `[v6]`).
    pub fn parse(s: &str) -> Result<Self> {
        let bad = || {
            Error::Config(format!(
                "--resolve {s:?}: expected HOST:PORT:ADDR, e.g. app.example.com:443:127.0.0.1"
            ))
        };
        let (host, rest) = s.split_once(':').ok_or_else(bad)?;
        let (port, addr) = rest.split_once(':').ok_or_else(bad)?;
        let port: u16 = port.parse().map_err(|_| bad())?;
        let ip: std::net::IpAddr = addr
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse()
            .map_err(|_| bad())?;
        if host.is_empty() {
            return Err(bad());
        }
        Ok(Resolve {
            host: host.to_ascii_lowercase(),
            port,
            addr: SocketAddr::new(ip, port),
        })
    }
}

/// A reachable HTTPS target.
#[derive(Debug, Clone)]
pub struct Endpoint {
    /// HTTPS URL sampled (path included).
    pub url: Url,
    /// Plain-HTTP URL probed for the redirect (defaults to `http://HOST/`).
    pub http_url: Url,
    /// Address pins.
    pub resolve: Vec<Resolve>,
    /// PEM of a private CA trusted in addition to the system roots.
    pub ca_pem: Option<Vec<u8>>,
}

/// Checks up front (before any traffic) that a `--ca-file` holds at least one PEM
/// certificate, each parseable as X.509, so that a wrong file is a configuration error
/// (exit 2) rather than a probe failure later.
fn check_ca_pem(pem: &[u8]) -> std::result::Result<(), String> {
    let mut found = 0;
    for cert in rustls_pki_types::pem::PemObject::pem_slice_iter(pem) {
        let cert: rustls_pki_types::CertificateDer<'static> =
            cert.map_err(|e| format!("not a PEM certificate: {e}"))?;
        x509_parser::parse_x509_certificate(&cert)
            .map_err(|e| format!("PEM block is not an X.509 certificate: {e}"))?;
        found += 1;
    }
    if found == 0 {
        return Err("holds no PEM certificate".into());
    }
    Ok(())
}

impl Endpoint {
    /// Builds an endpoint from user input; errors are configuration errors.
    pub fn new(
        url: &str,
        http_url: Option<&str>,
        resolve: &[String],
        ca_file: Option<&Path>,
    ) -> Result<Self> {
        let url = Url::parse(url).map_err(|e| Error::Config(format!("--url {url:?}: {e}")))?;
        if url.scheme() != "https" {
            return Err(Error::Config(format!(
                "--url {url}: must be an https:// URL"
            )));
        }
        if url.host_str().is_none() {
            return Err(Error::Config(format!("--url {url}: has no host")));
        }
        let http_url = match http_url {
            Some(h) => {
                Url::parse(h).map_err(|e| Error::Config(format!("--http-url {h:?}: {e}")))?
            }
            None => {
                let mut h = url.clone();
                h.set_scheme("http")
                    .map_err(|()| Error::Config(format!("--url {url}: cannot derive http URL")))?;
                h.set_port(None)
                    .map_err(|()| Error::Config(format!("--url {url}: cannot derive http URL")))?;
                h
            }
        };
        let mut pins: Vec<Resolve> = Vec::new();
        for r in resolve {
            for pin in Resolve::parse_all(r)? {
                if !pins.contains(&pin) {
                    pins.push(pin);
                }
            }
        }
        let resolve = pins;
        let ca_pem = match ca_file {
            Some(p) => {
                let pem = std::fs::read(p)
                    .map_err(|e| Error::Config(format!("--ca-file {}: {e}", p.display())))?;
                check_ca_pem(&pem)
                    .map_err(|e| Error::Config(format!("--ca-file {}: {e}", p.display())))?;
                Some(pem)
            }
            None => None,
        };
        Ok(Endpoint {
            url,
            http_url,
            resolve,
            ca_pem,
        })
    }

    /// Host name of the HTTPS URL.
    pub fn host(&self) -> &str {
        self.url.host_str().unwrap_or_default()
    }

    /// Port of the HTTPS URL.
    pub fn port(&self) -> u16 {
        self.url.port_or_known_default().unwrap_or(443)
    }

    /// Address to dial for `host:port`: the pin if there is one, else DNS.
    pub async fn socket_addr(&self, host: &str, port: u16) -> Result<SocketAddr> {
        let addrs = self.socket_addrs(host, port).await?;
        addrs
            .first()
            .copied()
            .ok_or_else(|| Error::Unreachable(format!("{host}:{port} resolves to no address")))
    }

    /// Every address of `host:port` (the pins, in order, when any matches): a load
    /// balancer name resolves to one address per node, and spreading connections over
    /// them samples the whole load balancer.
    pub async fn socket_addrs(&self, host: &str, port: u16) -> Result<Vec<SocketAddr>> {
        let pinned = self.pinned(host, port);
        if !pinned.is_empty() {
            return Ok(pinned);
        }
        let addrs: Vec<SocketAddr> = tokio::net::lookup_host((host, port))
            .await
            .map_err(|e| Error::Unreachable(format!("cannot resolve {host}:{port}: {e}")))?
            .collect();
        if addrs.is_empty() {
            return Err(Error::Unreachable(format!(
                "{host}:{port} resolves to no address"
            )));
        }
        Ok(addrs)
    }

    /// The pinned addresses of `host:port`, in the order given.
    pub fn pinned(&self, host: &str, port: u16) -> Vec<SocketAddr> {
        self.resolve
            .iter()
            .filter(|r| r.host.eq_ignore_ascii_case(host) && r.port == port)
            .map(|r| r.addr)
            .collect()
    }

    /// Root store: system roots plus the private CA, if any.
    pub fn root_store(&self) -> Result<rustls::RootCertStore> {
        let mut roots = rustls::RootCertStore::empty();
        let native = rustls_native_certs::load_native_certs();
        for cert in native.certs {
            let _ = roots.add(cert);
        }
        if let Some(pem) = &self.ca_pem {
            let mut added = 0;
            for cert in rustls_pki_types::pem::PemObject::pem_slice_iter(pem) {
                let cert: rustls_pki_types::CertificateDer<'static> = cert
                    .map_err(|e| Error::Config(format!("--ca-file: not a PEM certificate: {e}")))?;
                roots
                    .add(cert)
                    .map_err(|e| Error::Config(format!("--ca-file: unusable CA: {e}")))?;
                added += 1;
            }
            if added == 0 {
                return Err(Error::Config("--ca-file: holds no PEM certificate".into()));
            }
        }
        Ok(roots)
    }

    /// A reqwest client builder that trusts the private CA, applies the pins, keeps no
    /// cookies, never follows redirects (the harness judges redirects itself) and sends
    /// [`USER_AGENT`]: AWS's managed rule `NoUserAgent_HEADER` blocks requests without
    /// one, on the HTTP listener's redirect too.
    pub fn client_builder(&self) -> Result<reqwest::ClientBuilder> {
        Ok(self.bare_client_builder()?.user_agent(USER_AGENT))
    }

    /// [`Self::client_builder`] without a default `User-Agent`, for the WAF request that
    /// must send none.
    pub fn bare_client_builder(&self) -> Result<reqwest::ClientBuilder> {
        let mut b = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none());
        if let Some(pem) = &self.ca_pem {
            for cert in reqwest::Certificate::from_pem_bundle(pem)
                .map_err(|e| Error::Config(format!("--ca-file: not a PEM certificate: {e}")))?
            {
                b = b.add_root_certificate(cert);
            }
        }
        // One override per host with all its pinned addresses (a second `resolve` call
        // for the same host would replace the first).
        let mut hosts: Vec<&str> = self.resolve.iter().map(|r| r.host.as_str()).collect();
        hosts.dedup();
        for host in hosts {
            let addrs: Vec<SocketAddr> = self
                .resolve
                .iter()
                .filter(|r| r.host == host)
                .map(|r| r.addr)
                .collect();
            b = b.resolve_to_addrs(host, &addrs);
        }
        Ok(b)
    }
}

/// The crypto provider used by every connection and probe (aws-lc-rs, rustls's
/// default): here because the sampler and the TLS check both reach the target.
pub fn provider() -> std::sync::Arc<rustls::crypto::CryptoProvider> {
    std::sync::Arc::new(rustls::crypto::aws_lc_rs::default_provider())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_curl_resolve() {
        let r = Resolve::parse("Twin.Local:8443:127.0.0.1").unwrap();
        assert_eq!(r.host, "twin.local");
        assert_eq!(r.port, 8443);
        assert_eq!(r.addr, "127.0.0.1:8443".parse().unwrap());
        let r6 = Resolve::parse("h:443:[::1]").unwrap();
        assert_eq!(r6.addr, "[::1]:443".parse().unwrap());
    }

    #[test]
    fn several_addresses_for_one_name() {
        let e = Endpoint::new(
            "https://twin.local:8443/",
            None,
            &[
                "twin.local:8443:127.0.0.1,127.0.0.2".into(),
                "twin.local:8443:127.0.0.3".into(),
                "twin.local:8443:127.0.0.2".into(),
                "other:8443:127.0.0.9".into(),
            ],
            None,
        )
        .unwrap();
        let addrs: Vec<String> = e
            .pinned("TWIN.local", 8443)
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(
            addrs,
            ["127.0.0.1:8443", "127.0.0.2:8443", "127.0.0.3:8443"],
            "in order, duplicates once"
        );
        assert!(e.pinned("twin.local", 443).is_empty());
        let r6 = Resolve::parse_all("h:443:[::1],127.0.0.1").unwrap();
        assert_eq!(r6.len(), 2);
        for bad in [
            "h:443:127.0.0.1,",
            "h:443:,127.0.0.1",
            "h:x:127.0.0.1,127.0.0.2",
        ] {
            match Resolve::parse_all(bad) {
                Err(Error::Config(msg)) => assert!(msg.contains("ADDR[,ADDR...]"), "{msg}"),
                other => panic!("{bad}: {other:?}"),
            }
        }
    }

    #[test]
    fn rejects_bad_resolve() {
        for bad in [
            "",
            "host",
            "host:port:1.2.3.4",
            "host:443:notanip",
            ":443:1.2.3.4",
        ] {
            assert!(
                matches!(Resolve::parse(bad), Err(Error::Config(_))),
                "{bad}"
            );
        }
    }

    #[test]
    fn rejects_non_https_url() {
        assert!(matches!(
            Endpoint::new("http://x/", None, &[], None),
            Err(Error::Config(_))
        ));
        assert!(matches!(
            Endpoint::new("not a url", None, &[], None),
            Err(Error::Config(_))
        ));
        let e = Endpoint::new("https://app.example.com:8443/x?y=1", None, &[], None).unwrap();
        assert_eq!(e.http_url.as_str(), "http://app.example.com/x?y=1");
    }
}
