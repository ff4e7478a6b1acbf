//! The TLS and WAF checks on the twin's real edge (nginx + ModSecurity + CRS, TLS from
//! the twin's CA), each held to something outside itself:
//! - `testssl.sh` (Debian package, installed by scripts/setup.sh) as an external
//!   referee: its protocol findings (`--protocols`) must agree with our probes on the
//!   healthy edge and under `tls-legacy`, and its certificate findings (`-S`) with our
//!   verdict under `cert-expired`.
//!
//! (The WAF calibration run that replaced the `#[ignore]`d print-out lives with the
//! posture check it calibrates: `waf::posture`.)
//!
//! Everything here is deterministic (fixed certificates and `ssl_protocols`, a fixed
//! corpus against fixed rules): P(wrong verdict) is 0 up to a broken machine, so no
//! operating point is needed.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Instant;

use harness::checks::tls::{self, TlsSettings};
use harness::result::{CheckResult, Evidence, Verdict};
use harness::twin::{Fault, Twin, TwinSpec, Weights};

use crate::support::twin_util;

/// testssl.sh's ids for the protocols we probe, by our labels.
const PROTOCOL_IDS: [(&str, &str); 4] = [
    ("TLS 1.0", "TLS1"),
    ("TLS 1.1", "TLS1_1"),
    ("TLS 1.2", "TLS1_2"),
    ("TLS 1.3", "TLS1_3"),
];

/// Seconds testssl.sh may wait for a TCP connect or an openssl handshake.
const TESTSSL_TIMEOUT_S: &str = "10";

fn tls_settings() -> TlsSettings {
    TlsSettings {
        min_cert_days: harness::config::DEFAULT_MIN_CERT_DAYS,
        require_hsts: false,
        hsts_min_max_age: None,
    }
}

/// Runs `testssl` on the twin's edge (loopback address, the twin's host name for SNI,
/// the twin's CA added) and returns its JSON findings by id.
fn testssl(target: &str, ca: &Path, extra: &[&str], json: &Path) -> BTreeMap<String, String> {
    let ca = ca.display().to_string();
    let json_path = json.display().to_string();
    let mut args = vec![
        "--quiet",
        "--color",
        "0",
        "--warnings",
        "off",
        "--connect-timeout",
        TESTSSL_TIMEOUT_S,
        "--openssl-timeout",
        TESTSSL_TIMEOUT_S,
        "--ip",
        "127.0.0.1",
        "--add-ca",
        &ca,
        "--jsonfile",
        &json_path,
    ];
    args.extend(extra);
    args.push(target);
    let t0 = Instant::now();
    let out = std::process::Command::new("testssl")
        .args(&args)
        .output()
        .expect("testssl not found: install the Debian package testssl.sh (scripts/setup.sh)");
    eprintln!("testssl {extra:?} {target}: {:?}", t0.elapsed());
    let text = std::fs::read_to_string(json).unwrap_or_else(|e| {
        panic!(
            "testssl wrote no JSON ({e}); exit {:?}\n{}\n{}",
            out.status.code(),
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    let findings: Vec<serde_json::Value> = serde_json::from_str(&text).unwrap();
    findings
        .iter()
        .filter_map(|f| {
            Some((
                f["id"].as_str()?.to_string(),
                f["finding"].as_str()?.to_string(),
            ))
        })
        .collect()
}

/// Whether testssl says the protocol is offered ("offered", "offered (deprecated)",
/// "offered (OK)" …) rather than "not offered".
fn offered(finding: &str) -> bool {
    finding.starts_with("offered") || finding.contains("offered with final")
}

/// Our probes' view: label → accepted.
fn our_probes(r: &CheckResult) -> BTreeMap<String, bool> {
    let Evidence::Tls(e) = &r.evidence else {
        panic!("no TLS evidence: {}", r.summary)
    };
    e.probes
        .iter()
        .map(|p| (p.version.clone(), p.accepted))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn testssl_agrees_with_the_tls_check_on_the_twin_edges() {
    let _machine = crate::support::serial::twin().await;
    let image = twin_util::image().await;
    let tmp = tempfile::tempdir().unwrap();
    // (faults, our verdict, TLS 1.0/1.1 offered per testssl)
    let cases: [(&[Fault], Verdict, bool); 3] = [
        (&[], Verdict::Pass, false),
        (&[Fault::TlsLegacy], Verdict::Fail, true),
        (&[Fault::CertExpired], Verdict::Fail, false),
    ];
    // The three twins run at once (testssl.sh waits on handshakes and forks, so
    // running them side by side shortens the machine's hold); each case asserts alone.
    let dir = tmp.path();
    futures::future::join_all(
        cases.map(|(faults, verdict, legacy)| case(image.clone(), dir, faults, verdict, legacy)),
    )
    .await;
}

/// One case: a twin with `faults`; our TLS verdict must be `verdict`, and testssl.sh
/// must agree with our protocol probes (TLS 1.0/1.1 offered iff `legacy`) and, under
/// `cert-expired`, with our certificate finding.
async fn case(image: String, dir: &Path, faults: &[Fault], verdict: Verdict, legacy: bool) {
    let name = faults
        .first()
        .map_or("healthy".to_string(), |f| f.to_string());
    let spec = TwinSpec::with_faults(Weights::new(90, 10).unwrap(), image, faults);
    let twin = Twin::start(spec).await.unwrap();
    let ours = tls::check(&twin.endpoint().unwrap(), &tls_settings(), None).await;
    println!("{name}: ours {} — {}", ours.verdict, ours.summary);
    assert_eq!(ours.verdict, verdict, "{name}: {}", ours.summary);
    let probes = our_probes(&ours);

    let expired = faults.contains(&Fault::CertExpired);
    let flags: &[&str] = if expired {
        &["--protocols", "-S"]
    } else {
        &["--protocols"]
    };
    let json = dir.join(format!("{name}.json"));
    let endpoint = twin.endpoint().unwrap();
    let target = format!("{}:{}", endpoint.host(), endpoint.port());
    let ca = twin.ca_file();
    let found = tokio::task::spawn_blocking(move || testssl(&target, &ca, flags, &json))
        .await
        .unwrap();
    for (label, id) in PROTOCOL_IDS {
        let theirs = found
            .get(id)
            .unwrap_or_else(|| panic!("{name}: testssl reported no {id}: {found:?}"));
        println!(
            "{name}: {label}: ours accepted={}, testssl {theirs:?}",
            probes[label]
        );
        assert_eq!(
            probes[label],
            offered(theirs),
            "{name}: {label}: ours {} vs testssl {theirs:?}",
            probes[label]
        );
    }
    assert_eq!(
        offered(&found["TLS1"]) || offered(&found["TLS1_1"]),
        legacy,
        "{name}"
    );
    if legacy {
        assert!(
            ours.summary.contains("TLS 1.0 accepted"),
            "{}",
            ours.summary
        );
    }
    if expired {
        let status = found
            .get("cert_expirationStatus")
            .unwrap_or_else(|| panic!("testssl -S gave no cert_expirationStatus: {found:?}"));
        println!("{name}: testssl cert_expirationStatus {status:?}");
        assert!(status.contains("expired"), "testssl: {status}");
        assert!(
            ours.summary.contains("certificate expired"),
            "{}",
            ours.summary
        );
    }
    twin.stop().await.unwrap();
}
