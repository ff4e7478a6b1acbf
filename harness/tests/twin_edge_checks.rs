//! The TLS and WAF checks on the twin's real edge (nginx + ModSecurity + CRS, TLS from
//! the twin's CA), each held to something outside itself:
//! - `testssl.sh` (Debian package, installed by scripts/setup.sh) as an external
//!   referee: its protocol findings (`--protocols`) must agree with our probes on the
//!   healthy edge and under `tls-legacy`, and its certificate findings (`-S`) with our
//!   verdict under `cert-expired`.
//! - the WAF calibration run (formerly an `#[ignore]`d print-out): on the healthy edge
//!   the check must PASS and every count it reports must add up.
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

#[path = "support/twin_util.rs"]
mod twin_util;

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
fn testssl(twin: &Twin, extra: &[&str], json: &Path) -> BTreeMap<String, String> {
    let endpoint = twin.endpoint().unwrap();
    let target = format!("{}:{}", endpoint.host(), endpoint.port());
    let ca = twin.ca_file().display().to_string();
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
    args.push(&target);
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
    let image = twin_util::image().await;
    let tmp = tempfile::tempdir().unwrap();
    // (faults, our verdict, TLS 1.0/1.1 offered per testssl)
    let cases: [(&[Fault], Verdict, bool); 3] = [
        (&[], Verdict::Pass, false),
        (&[Fault::TlsLegacy], Verdict::Fail, true),
        (&[Fault::CertExpired], Verdict::Fail, false),
    ];
    for (faults, verdict, legacy) in cases {
        let name = faults
            .first()
            .map_or("healthy".to_string(), |f| f.to_string());
        let spec = TwinSpec::with_faults(Weights::new(90, 10).unwrap(), image.clone(), faults);
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
        let json = tmp.path().join(format!("{name}.json"));
        let found = tokio::task::block_in_place(|| testssl(&twin, flags, &json));
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
}

fn waf_settings() -> harness::checks::waf::WafSettings {
    harness::checks::waf::WafSettings {
        block_status: harness::verify::WAF_BLOCK_STATUS,
        min_block_rate: harness::verify::WAF_MIN_BLOCK_RATE,
        max_false_positives: harness::verify::WAF_MAX_FALSE_POSITIVES,
        rps: 400.0,
        concurrency: 8,
        alpha: 0.05,
        timeout: std::time::Duration::from_secs(5),
    }
}

/// The WAF calibration run on the twin's healthy edge: prints the matrix (what the
/// ignored tool used to do by hand) and asserts the verdict and that the counts agree
/// with each other: cells add up to the totals, each cell's outcomes to its requests,
/// per-category rows to their cells, and every interval holds its point estimate.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn waf_calibration_on_the_twin_edge_passes_and_its_counts_add_up() {
    let spec = TwinSpec::healthy(Weights::new(90, 10).unwrap(), twin_util::image().await);
    let twin = Twin::start(spec).await.unwrap();
    let r = harness::checks::waf::check(&twin.endpoint().unwrap(), &waf_settings(), None).await;
    println!("WAF {}: {}", r.verdict, r.summary);
    let Evidence::Waf(e) = &r.evidence else {
        panic!("no WAF evidence: {}", r.summary)
    };
    for c in e.by_category.iter().chain(&e.cells) {
        println!(
            "  {:<20} {:<6} sent {:>4} blocked {:>4} passed {:>4} unresolved {:>3} CI [{:.3}, {:.3}]",
            c.category, c.placement, c.sent, c.blocked, c.passed, c.unresolved, c.ci_low, c.ci_high
        );
    }
    assert_eq!(r.verdict, Verdict::Pass, "{}", r.summary);
    assert!(e.attacks_sent > 0 && e.attacks_blocked <= e.attacks_sent);
    assert_eq!(e.cells.iter().map(|c| c.sent).sum::<u64>(), e.attacks_sent);
    assert_eq!(
        e.cells.iter().map(|c| c.blocked).sum::<u64>(),
        e.attacks_blocked
    );
    assert_eq!(
        e.cells.iter().map(|c| c.unresolved).sum::<u64>(),
        e.unresolved
    );
    for c in e.cells.iter().chain(&e.by_category) {
        assert_eq!(c.blocked + c.passed + c.unresolved, c.sent, "{c:?}");
        let resolved = c.blocked + c.passed;
        if resolved > 0 {
            let rate = c.blocked as f64 / resolved as f64;
            assert!(c.ci_low <= rate && rate <= c.ci_high, "{c:?}");
        }
    }
    for cat in &e.by_category {
        let cells: Vec<_> = e
            .cells
            .iter()
            .filter(|c| c.category == cat.category)
            .collect();
        assert!(!cells.is_empty(), "{cat:?}");
        assert_eq!(
            cells.iter().map(|c| c.sent).sum::<u64>(),
            cat.sent,
            "{cat:?}"
        );
        assert_eq!(
            cells.iter().map(|c| c.blocked).sum::<u64>(),
            cat.blocked,
            "{cat:?}"
        );
    }
    assert!(e.block_rate_low <= e.block_rate);
    assert!(
        e.block_rate >= e.min_block_rate,
        "PASS with a rate below the floor"
    );
    assert!(e.false_positives.len() as u64 <= e.max_false_positives);
    twin.stop().await.unwrap();
}
