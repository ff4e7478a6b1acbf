//! The WAF check against an app with no WAF in front (local servers of
//! `support/tls_world.rs`), the WAF gate tier on the healthy twin and under each fault
//! that drops a managed group, every twin fault that targets the WAF, the posture check
//! on the twin (`posture`) and the edge's rate rules (`rate`).

mod posture;
mod rate;

use harness::config::CheckName;
use harness::result::{Evidence, Verdict};
use harness::twin::Fault;

use crate::support::local_run::local;
use crate::support::serial;
use crate::support::tls_world::{Leaf, setup};

fn waf_settings() -> harness::checks::waf::WafSettings {
    harness::checks::waf::WafSettings {
        block_status: 403,
        rps: 400.0,
        concurrency: 8,
        alpha: 0.05,
        timeout: std::time::Duration::from_secs(5),
        expect: Default::default(),
    }
}

fn print_waf(r: &harness::result::CheckResult) {
    println!("WAF {}: {}", r.verdict, r.summary);
    for w in &r.warnings {
        println!("  warning: {w}");
    }
    if let Evidence::Waf(e) = &r.evidence {
        for c in e.by_category.iter().chain(&e.cells) {
            println!(
                "  {:<20} {:<6} sent {:>4} blocked {:>4} passed {:>4} unresolved {:>3} CI [{:.3}, {:.3}]",
                c.category,
                c.placement,
                c.sent,
                c.blocked,
                c.passed,
                c.unresolved,
                c.ci_low,
                c.ci_high
            );
        }
        for f in &e.false_positives {
            println!("  false positive {}: {}", f.id, f.request);
        }
    }
}

/// An HTTPS app with no WAF in front (the `waf-off` situation): every attack reaches the
/// app, so the check must FAIL with a 0% block rate; no WebACL associated → FAIL too.
#[tokio::test]
async fn no_waf_in_front_fails() {
    let s = setup(Leaf::Valid, true, true).await;
    let fast = harness::checks::waf::WafSettings {
        rps: 2000.0,
        ..waf_settings()
    };
    let r = harness::checks::waf::check(&s.endpoint, &fast, None).await;
    print_waf(&r);
    assert_eq!(r.verdict, Verdict::Fail, "{}", r.summary);
    let Evidence::Waf(e) = &r.evidence else {
        panic!("no WAF evidence")
    };
    assert_eq!(e.attacks_blocked, 0);
    assert_eq!(e.unresolved, 0, "every request reached the app");
    assert!(e.false_positives.is_empty());
    let r = harness::checks::waf::check(&s.endpoint, &fast, Some(Ok(None))).await;
    assert!(r.summary.contains("no WebACL"), "{}", r.summary);
}

/// The WAF gate tier on the twin (issue #13). The verdicts are deterministic: the same
/// request always meets the same ModSecurity rules, nothing is sampled, so P(wrong
/// verdict) is 0 apart from transport errors on loopback (which would give
/// INCONCLUSIVE, not a wrong PASS/FAIL). Healthy: every canonical request blocked, the
/// benign false-positive upper bound reported, PASS. Each fault of a managed group
/// FAILs naming a rule of that group; `waf-count-sqli` also by configuration.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn waf_gate_tier_blocks_everything_on_the_healthy_twin_and_names_each_dropped_group() {
    let _machine = serial::twin().await;
    let tmp = tempfile::tempdir().unwrap();
    let (code, run) = local(&tmp.path().join("healthy"), &["--checks", "waf"]).await;
    let waf = run.checks.iter().find(|c| c.name == "waf").unwrap();
    println!("healthy: {} — {}", waf.verdict, waf.summary);
    assert_eq!((code, waf.verdict), (0, Verdict::Pass), "{}", waf.summary);
    let Evidence::Waf(e) = &waf.evidence else {
        panic!("no WAF evidence")
    };
    assert!(e.gate.len() >= 49, "{} canonical requests", e.gate.len());
    assert!(e.gate.iter().all(|r| r.outcome == "blocked"));
    assert!(
        e.gate_groups
            .iter()
            .any(|g| g.group == "AWSManagedRulesAmazonIpReputationList"
                && g.coverage.starts_with("untested"))
    );
    let fp = e.false_positive_rate.as_ref().unwrap();
    assert!(
        fp.resolved >= 200 && fp.high > 0.0 && fp.high < 0.05,
        "{fp:?}"
    );
    assert!(waf.summary.contains("upper bound"), "{}", waf.summary);

    // Every fault that drops a managed group's model (`Fault::waf_group_off`); the FAIL
    // names a rule of the group, or for the Count-mode fault the group's mode.
    let dropped: Vec<(Fault, String)> = Fault::ALL
        .into_iter()
        .filter_map(|f| {
            let group = f.waf_group_off()?;
            Some(match f {
                Fault::WafCountSqli => (f, format!("{group} is in Count mode")),
                _ => (f, format!("{group}/")),
            })
        })
        .collect();
    assert_eq!(dropped.len(), 4, "{dropped:?}");
    for (fault, group) in dropped {
        let fault = fault.name();
        let dir = tmp.path().join(fault);
        let (code, run) = local(&dir, &["--fault", fault, "--checks", "waf"]).await;
        let waf = run.checks.iter().find(|c| c.name == "waf").unwrap();
        println!("{fault}: {} — {}", waf.verdict, waf.summary);
        assert_eq!((code, waf.verdict), (1, Verdict::Fail), "{fault}");
        assert!(waf.summary.contains(&group), "{fault}: {}", waf.summary);
        assert!(
            waf.summary.contains("not enforced"),
            "{fault}: {}",
            waf.summary
        );
    }
}

/// Every twin fault whose target is the WAF (`Fault::check`) makes the waf check FAIL.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_waf_fault_fails_waf() {
    crate::faults::each_fails(CheckName::Waf).await;
}
