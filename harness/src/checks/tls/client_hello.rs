//! A hand-built TLS 1.0/1.1 ClientHello and a parser of the server's first record.
//!
//! rustls cannot speak TLS 1.0 or 1.1, and the project takes no OpenSSL dependency, so
//! the legacy-protocol probe writes the few bytes of a ClientHello itself (RFC 2246
//! §7.4.1.2 / RFC 4346 §7.4.1.2 layout, SNI from RFC 6066 §3, groups and point formats
//! from RFC 4492 §5.1) and reads only the first record of the answer: an Alert
//! (RFC 5246 §7.2) or a ServerHello whose `server_version` says what was agreed.

/// Record content type: alert.
const CONTENT_ALERT: u8 = 21;
/// Record content type: handshake.
const CONTENT_HANDSHAKE: u8 = 22;
/// Handshake type: client_hello.
const HS_CLIENT_HELLO: u8 = 1;
/// Handshake type: server_hello.
const HS_SERVER_HELLO: u8 = 2;

/// A legacy protocol version the probe can offer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LegacyVersion {
    /// TLS 1.0 (0x0301).
    Tls10,
    /// TLS 1.1 (0x0302).
    Tls11,
}

impl LegacyVersion {
    /// Wire value of `client_version`.
    pub fn wire(self) -> u16 {
        match self {
            LegacyVersion::Tls10 => 0x0301,
            LegacyVersion::Tls11 => 0x0302,
        }
    }

    /// Human label, e.g. "TLS 1.0".
    pub fn label(self) -> &'static str {
        match self {
            LegacyVersion::Tls10 => "TLS 1.0",
            LegacyVersion::Tls11 => "TLS 1.1",
        }
    }
}

/// Cipher suites a TLS 1.0/1.1 client of the 2010s offered (ECDHE and RSA key exchange
/// with CBC ciphers), so a server that still allows these versions finds a match.
const LEGACY_SUITES: [u16; 8] = [
    0xc00a, // ECDHE_ECDSA_WITH_AES_256_CBC_SHA
    0xc009, // ECDHE_ECDSA_WITH_AES_128_CBC_SHA
    0xc014, // ECDHE_RSA_WITH_AES_256_CBC_SHA
    0xc013, // ECDHE_RSA_WITH_AES_128_CBC_SHA
    0x0035, // RSA_WITH_AES_256_CBC_SHA
    0x002f, // RSA_WITH_AES_128_CBC_SHA
    0x000a, // RSA_WITH_3DES_EDE_CBC_SHA
    0x00ff, // EMPTY_RENEGOTIATION_INFO_SCSV
];

fn push_u16(out: &mut Vec<u8>, v: u16) {
    out.extend_from_slice(&v.to_be_bytes());
}

fn push_u24(out: &mut Vec<u8>, v: usize) {
    let v = u32::try_from(v).unwrap_or(u32::MAX).to_be_bytes();
    out.extend_from_slice(&v[1..]);
}

fn push_len16(out: &mut Vec<u8>, body: &[u8]) {
    push_u16(out, u16::try_from(body.len()).unwrap_or(u16::MAX));
    out.extend_from_slice(body);
}

fn extension(out: &mut Vec<u8>, kind: u16, body: &[u8]) {
    push_u16(out, kind);
    push_len16(out, body);
}

/// Builds one TLS record holding a ClientHello for `version` with SNI `host`.
/// `random` is the 32-byte client random (tests pass a fixed one).
pub fn build(version: LegacyVersion, host: &str, random: [u8; 32]) -> Vec<u8> {
    let mut ext = Vec::new();
    // server_name (0): list of one host_name (type 0).
    let mut name = vec![0u8];
    push_len16(&mut name, host.as_bytes());
    let mut sni = Vec::new();
    push_len16(&mut sni, &name);
    extension(&mut ext, 0x0000, &sni);
    // supported_groups (10): x25519, secp256r1, secp384r1.
    let mut groups = Vec::new();
    for g in [0x001du16, 0x0017, 0x0018] {
        push_u16(&mut groups, g);
    }
    let mut body = Vec::new();
    push_len16(&mut body, &groups);
    extension(&mut ext, 0x000a, &body);
    // ec_point_formats (11): uncompressed.
    extension(&mut ext, 0x000b, &[1, 0]);

    let mut hello = Vec::new();
    push_u16(&mut hello, version.wire());
    hello.extend_from_slice(&random);
    hello.push(0); // empty session id
    let mut suites = Vec::new();
    for s in LEGACY_SUITES {
        push_u16(&mut suites, s);
    }
    push_len16(&mut hello, &suites);
    hello.extend_from_slice(&[1, 0]); // compression: null only
    push_len16(&mut hello, &ext);

    let mut handshake = vec![HS_CLIENT_HELLO];
    push_u24(&mut handshake, hello.len());
    handshake.extend_from_slice(&hello);

    let mut record = vec![CONTENT_HANDSHAKE];
    push_u16(&mut record, 0x0301); // record layer version of the era
    push_len16(&mut record, &handshake);
    record
}

/// What the server's first record said about the offered legacy version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ServerAnswer {
    /// An alert: (level, description).
    Alert(u8, u8),
    /// A ServerHello agreeing on this `server_version`.
    ServerHello(u16),
    /// The connection was closed before a full record arrived.
    Closed,
    /// Something else (not TLS, another handshake message, truncated garbage).
    Other(String),
}

impl ServerAnswer {
    /// Whether the server accepted the offered `version`: only a ServerHello at exactly
    /// that version counts.
    pub fn accepted(&self, version: LegacyVersion) -> bool {
        matches!(self, ServerAnswer::ServerHello(v) if *v == version.wire())
    }

    /// Whether the answer is a clear refusal (alert, close, or a ServerHello at another
    /// version, which a conforming client aborts).
    pub fn refused(&self, version: LegacyVersion) -> bool {
        match self {
            ServerAnswer::Alert(..) | ServerAnswer::Closed => true,
            ServerAnswer::ServerHello(v) => *v != version.wire(),
            ServerAnswer::Other(_) => false,
        }
    }

    /// One-line description for the evidence.
    pub fn describe(&self) -> String {
        match self {
            ServerAnswer::Alert(level, desc) => {
                let level = if *level == 2 { "fatal" } else { "warning" };
                format!("{level} alert {}({desc})", alert_name(*desc))
            }
            ServerAnswer::ServerHello(v) => format!("ServerHello {}", version_name(*v)),
            ServerAnswer::Closed => "connection closed without a ServerHello".into(),
            ServerAnswer::Other(s) => s.clone(),
        }
    }
}

/// Name of a TLS alert description (RFC 5246 §7.2, RFC 8446 §6).
pub fn alert_name(desc: u8) -> &'static str {
    match desc {
        0 => "close_notify",
        10 => "unexpected_message",
        40 => "handshake_failure",
        47 => "illegal_parameter",
        50 => "decode_error",
        70 => "protocol_version",
        71 => "insufficient_security",
        80 => "internal_error",
        86 => "inappropriate_fallback",
        112 => "unrecognized_name",
        _ => "alert",
    }
}

/// Name of a protocol version on the wire.
pub fn version_name(v: u16) -> String {
    match v {
        0x0300 => "SSL 3.0".into(),
        0x0301 => "TLS 1.0".into(),
        0x0302 => "TLS 1.1".into(),
        0x0303 => "TLS 1.2".into(),
        0x0304 => "TLS 1.3".into(),
        other => format!("0x{other:04x}"),
    }
}

/// How many bytes of the first record [`parse`] needs to decide: the 5-byte header
/// plus, for a handshake record, the 4-byte handshake header and 2-byte version.
pub const NEEDED: usize = 11;

/// Parses the start of the server's answer (`bytes` may be shorter than a record when
/// the peer closed early; pass everything read until close or [`NEEDED`] bytes).
pub fn parse(bytes: &[u8]) -> ServerAnswer {
    if bytes.is_empty() {
        return ServerAnswer::Closed;
    }
    if bytes.len() < 5 {
        return ServerAnswer::Closed;
    }
    let content = bytes[0];
    let major = bytes[1];
    if major != 3 {
        return ServerAnswer::Other(format!(
            "not a TLS record (first bytes {:02x?})",
            &bytes[..5]
        ));
    }
    let body = &bytes[5..];
    match content {
        CONTENT_ALERT if body.len() >= 2 => ServerAnswer::Alert(body[0], body[1]),
        CONTENT_ALERT => ServerAnswer::Closed,
        CONTENT_HANDSHAKE if body.len() >= 6 => {
            if body[0] == HS_SERVER_HELLO {
                ServerAnswer::ServerHello(u16::from_be_bytes([body[4], body[5]]))
            } else {
                ServerAnswer::Other(format!("handshake message type {}", body[0]))
            }
        }
        CONTENT_HANDSHAKE => ServerAnswer::Closed,
        other => ServerAnswer::Other(format!("record content type {other}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn u16_at(b: &[u8], i: usize) -> u16 {
        u16::from_be_bytes([b[i], b[i + 1]])
    }

    #[test]
    fn client_hello_headers_and_lengths_are_consistent() {
        for v in [LegacyVersion::Tls10, LegacyVersion::Tls11] {
            let rec = build(v, "twin.local", [7; 32]);
            assert_eq!(rec[0], 22, "handshake record");
            assert_eq!(u16_at(&rec, 1), 0x0301);
            assert_eq!(usize::from(u16_at(&rec, 3)), rec.len() - 5);
            assert_eq!(rec[5], 1, "client_hello");
            let hs_len = usize::from(rec[6]) << 16 | usize::from(rec[7]) << 8 | usize::from(rec[8]);
            assert_eq!(hs_len, rec.len() - 9);
            assert_eq!(u16_at(&rec, 9), v.wire());
            assert_eq!(&rec[11..43], &[7; 32]);
            assert_eq!(rec[43], 0, "empty session id");
            let suites_len = usize::from(u16_at(&rec, 44));
            assert_eq!(suites_len, LEGACY_SUITES.len() * 2);
            assert_eq!(u16_at(&rec, 46), 0xc00a);
            let after = 46 + suites_len;
            assert_eq!(&rec[after..after + 2], &[1, 0], "null compression");
            let ext_len = usize::from(u16_at(&rec, after + 2));
            assert_eq!(after + 4 + ext_len, rec.len(), "extensions fill the rest");
        }
    }

    #[test]
    fn sni_extension_carries_the_host() {
        let host = "app.example.com";
        let rec = build(LegacyVersion::Tls11, host, [0; 32]);
        let ext_start = 46 + LEGACY_SUITES.len() * 2 + 4;
        assert_eq!(u16_at(&rec, ext_start), 0x0000, "server_name first");
        let ext_len = usize::from(u16_at(&rec, ext_start + 2));
        assert_eq!(ext_len, host.len() + 5);
        assert_eq!(usize::from(u16_at(&rec, ext_start + 4)), host.len() + 3);
        assert_eq!(rec[ext_start + 6], 0, "host_name type");
        assert_eq!(usize::from(u16_at(&rec, ext_start + 7)), host.len());
        assert_eq!(
            &rec[ext_start + 9..ext_start + 9 + host.len()],
            host.as_bytes()
        );
    }

    #[test]
    fn parses_alerts() {
        let a = parse(&[21, 3, 3, 0, 2, 2, 70]);
        assert_eq!(a, ServerAnswer::Alert(2, 70));
        assert!(a.refused(LegacyVersion::Tls10));
        assert!(!a.accepted(LegacyVersion::Tls10));
        assert_eq!(a.describe(), "fatal alert protocol_version(70)");
        let h = parse(&[21, 3, 1, 0, 2, 2, 40]);
        assert_eq!(h.describe(), "fatal alert handshake_failure(40)");
    }

    #[test]
    fn parses_server_hello_version() {
        let sh = [22, 3, 2, 0, 0x2a, 2, 0, 0, 0x26, 3, 2, 9, 9];
        let a = parse(&sh);
        assert_eq!(a, ServerAnswer::ServerHello(0x0302));
        assert!(a.accepted(LegacyVersion::Tls11));
        assert!(!a.accepted(LegacyVersion::Tls10));
        assert!(a.refused(LegacyVersion::Tls10));
        assert_eq!(a.describe(), "ServerHello TLS 1.1");
    }

    #[test]
    fn close_and_garbage() {
        assert_eq!(parse(&[]), ServerAnswer::Closed);
        assert_eq!(parse(&[21, 3]), ServerAnswer::Closed);
        assert!(parse(&[]).refused(LegacyVersion::Tls10));
        let http = parse(b"HTTP/1.1 400 Bad Request\r\n");
        assert!(matches!(http, ServerAnswer::Other(_)));
        assert!(!http.refused(LegacyVersion::Tls10));
        assert!(!http.accepted(LegacyVersion::Tls10));
        assert!(matches!(
            parse(&[22, 3, 1, 0, 4, 11, 0, 0, 0, 0, 0]),
            ServerAnswer::Other(_)
        ));
    }
}
