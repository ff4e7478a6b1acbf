//! Every check that passes on the healthy twin is shown to FAIL on a broken one:
//! `harness local --fault NAME` is driven in-process for each fault of the twin, and the
//! run's `report.json` must hold a FAIL for the check the fault targets (exit 1), while
//! the healthy twin passes every check (exit 0). Every verdict asserted here is wrong
//! with a probability below 1e-4, computed in `support/twin_oc.rs` and asserted before
//! the twin is driven (the table of all twin tests: `tests/twin_operating_points.rs`).

#[path = "support/twin_oc.rs"]
mod twin_oc;

#[path = "support/local_run.rs"]
mod local_run;

use harness::result::Verdict;
use local_run::{local, verdict_of};

/// (fault, checks to run — "" for the default set, no `--checks` —, check that must
/// FAIL).
const CASES: &[(&str, &str, &str)] = &[
    // With the default checks: no request can be sampled, so the traffic checks are
    // ERROR, and TLS must FAIL (exit 1 wins over 4), with a report.
    ("cert-expired", "", "tls"),
    ("cert-wrong-host", "", "tls"),
    ("redirect-drops-query", "tls", "tls"),
    ("cert-not-acm", "tls", "tls"),
    ("waf-no-acl", "waf", "waf"),
    ("tls-legacy", "tls", "tls"),
    ("no-redirect", "tls", "tls"),
    ("waf-off", "waf", "waf"),
    ("waf-no-sqli", "waf", "waf"),
    ("waf-no-common", "waf", "waf"),
    ("waf-no-known-bad-inputs", "waf", "waf"),
    ("waf-count-sqli", "waf", "waf"),
    ("weight-drift", "split", "split"),
    ("canary-not-scaled", "split,scale", "scale"),
    ("canary-errors", "split,health", "health"),
    ("canary-slow", "split,health", "health"),
    ("canary-starved", "split", "split"),
];

/// (fault, text the failing check's summary must hold): the FAIL names the reason.
const NAMED: &[(&str, &str)] = &[
    ("cert-expired", "certificate expired"),
    ("cert-wrong-host", "does not match the host name"),
    ("redirect-drops-query", "query dropped"),
    ("cert-not-acm", "not serving the listener's ACM certificate"),
    ("waf-no-acl", "no WebACL is associated"),
];

/// Healthy runs tried when health misses PASS on a machine shown too loaded (below).
const HEALTHY_ATTEMPTS: u32 = 3;

/// Operating points, with P(wrong verdict) recomputed and asserted below:
/// * Healthy twin (default checks at `harness local`'s 90/10, α = 0.001, 60,000
///   requests): split not PASS 2.8e-11 (group-sequential recursion); health not PASS
///   ≤ 1e-4 whenever a share π ≥ 0.9864 of the requests is answered within 35 ms
///   (distribution-free order-statistic bound, `health::equal_pass`; 2.0e-7 at
///   π = 0.99, the share measured here under load); scale (NOT_APPLICABLE away from
///   weight 0), TLS, WAF and WAF posture are deterministic. At the default point
///   (α = 0.01, 20,000) health needs π ≥ 0.9897 (7.1e-5 at π = 0.99) and split is
///   wrong with 2.7e-8. Load on the shared machine is what breaks π (a
///   p95 INCONCLUSIVE was seen once): when health misses PASS and stable's measured
///   share within 35 ms is below π, the machine, not the harness, failed the
///   assumption, and the run is repeated (at most [`HEALTHY_ATTEMPTS`]); with π met a
///   miss fails the test.
/// * Faults (default α = 0.01, 20,000 requests): weight-drift (edge 70/30 against a
///   listener 90/10) not FAILed 3.7e-13; canary-starved (99/1, no canary response)
///   FAILed with certainty; canary-errors (30 % 503) not FAILed ≤ 1.3e-76; canary-slow
///   (+250 ms) not FAILed with 0 to double precision at π; TLS and WAF faults are deterministic.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn healthy_twin_passes_and_each_fault_fails_its_check() {
    use harness::checks::split::{DEFAULT_ALPHA, DEFAULT_MAX_REQUESTS};
    use twin_oc::{TWIN_ALPHA, TWIN_BUDGET};
    let w = (90, 10);
    let need = twin_oc::coverage_needed(w, TWIN_ALPHA, TWIN_BUDGET);
    let at = |a, n| (a, n);
    let (d, t) = (
        at(DEFAULT_ALPHA, DEFAULT_MAX_REQUESTS),
        at(TWIN_ALPHA, TWIN_BUDGET),
    );
    let figures = [
        ("healthy split", twin_oc::split_not_pass(w, t.0, t.1, None)),
        (
            "healthy health",
            twin_oc::health_not_pass(w, t.0, t.1, need),
        ),
        (
            "weight-drift",
            twin_oc::split_not_fail(w, d.0, d.1, None, 0.3),
        ),
        (
            "canary-starved",
            twin_oc::split_not_fail((99, 1), d.0, d.1, None, 0.0),
        ),
        (
            "canary-errors",
            twin_oc::canary_errors_not_fail(w, d.0, d.1),
        ),
        (
            "canary-slow",
            twin_oc::canary_slow_not_fail(w, d.0, d.1, need),
        ),
    ];
    println!("health assumes P(latency <= 35 ms) >= {need}");
    for (name, p) in figures {
        println!("{name}: P(wrong verdict) = {p:e}");
        assert!(p <= twin_oc::TARGET, "{name}: P(wrong verdict) = {p:e}");
    }

    let tmp = tempfile::tempdir().unwrap();
    let (alpha, budget) = (TWIN_ALPHA.to_string(), TWIN_BUDGET.to_string());
    let healthy = ["--alpha", alpha.as_str(), "--max-requests", budget.as_str()];
    let mut attempt = 0;
    let (code, run) = loop {
        attempt += 1;
        let t0 = std::time::Instant::now();
        let (code, run) = local(&tmp.path().join(format!("healthy-{attempt}")), &healthy).await;
        let s = run.sample.as_ref().expect("a sample");
        let covered = twin_oc::measured_coverage(&s.stable);
        println!(
            "healthy #{attempt}: {} requests in {:?}, stable within 35 ms {covered:.4} \
             (needed {need:.4}), p99 {:.1} ms",
            s.requests,
            t0.elapsed(),
            s.stable.latency.p99_ms
        );
        for c in &run.checks {
            println!("healthy: {} {} — {}", c.name, c.verdict, c.summary);
        }
        let missed = verdict_of(&run, "health") != Verdict::Pass;
        if missed && covered < need && attempt < HEALTHY_ATTEMPTS {
            println!("machine too loaded for the health assumption: run repeated");
            continue;
        }
        break (code, run);
    };
    assert_eq!(code, 0, "healthy twin did not pass");
    // The TLS check compared the served leaf with ACM's (moto gives all three) and found
    // the listener's redirect status: nothing was skipped.
    let tls = run.checks.iter().find(|c| c.name == "tls").unwrap();
    let harness::result::Evidence::Tls(e) = &tls.evidence else {
        panic!("no TLS evidence")
    };
    assert!(e.acm_sha256.is_some() && e.acm_sha256 == e.sha256, "{e:?}");
    assert!(e.acm_serial.is_some() && e.acm_serial == e.serial, "{e:?}");
    assert_eq!(e.acm_not_after.as_deref(), Some(e.not_after.as_str()));
    let declared = harness::twin::terraform::Declared::load_default().unwrap();
    let status = declared.redirect_status;
    assert!(
        e.redirect
            .as_ref()
            .is_some_and(|r| r.ok && r.status == status),
        "{e:?}"
    );
    assert!(
        !tls.warnings
            .iter()
            .any(|w| w.contains("not available") || w.contains("compared with 301/308")),
        "{:?}",
        tls.warnings
    );
    assert_eq!(
        run.checks.len(),
        harness::config::CheckName::ALL.len(),
        "every check runs on the twin"
    );

    let mut wrong = Vec::new();
    for (fault, checks, target) in CASES {
        let dir = tmp.path().join(fault);
        let mut args = vec!["--fault", fault];
        if !checks.is_empty() {
            args.extend(["--checks", checks]);
        }
        let (code, run) = local(&dir, &args).await;
        let verdict = verdict_of(&run, target);
        let summary = &run
            .checks
            .iter()
            .find(|c| c.name == *target)
            .unwrap()
            .summary;
        println!("{fault}: exit {code}, {target} {verdict} — {summary}");
        if code != 1 || verdict != Verdict::Fail {
            wrong.push(format!("{fault}: exit {code}, {target} {verdict}"));
        }
        if let Some((_, needle)) = NAMED.iter().find(|(f, _)| f == fault)
            && !summary.contains(needle)
        {
            wrong.push(format!(
                "{fault}: {target} summary lacks {needle:?}: {summary}"
            ));
        }
        if checks.is_empty() && run.checks.len() != harness::config::CheckName::ALL.len() {
            wrong.push(format!(
                "{fault}: default checks, {} in the report",
                run.checks.len()
            ));
        }
    }
    assert!(wrong.is_empty(), "faults not detected: {wrong:?}");
}

/// The WAF gate tier on the twin (issue #13). The verdicts are deterministic: the same
/// request always meets the same ModSecurity rules, nothing is sampled, so P(wrong
/// verdict) is 0 apart from transport errors on loopback (which would give
/// INCONCLUSIVE, not a wrong PASS/FAIL). Healthy: every canonical request blocked, the
/// benign false-positive upper bound reported, PASS. Each fault of a managed group
/// FAILs naming a rule of that group; `waf-count-sqli` also by configuration.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn waf_gate_tier_blocks_everything_on_the_healthy_twin_and_names_each_dropped_group() {
    use harness::result::Evidence;
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

    for (fault, group) in [
        ("waf-no-sqli", "AWSManagedRulesSQLiRuleSet/"),
        ("waf-no-common", "AWSManagedRulesCommonRuleSet/"),
        (
            "waf-no-known-bad-inputs",
            "AWSManagedRulesKnownBadInputsRuleSet/",
        ),
        (
            "waf-count-sqli",
            "AWSManagedRulesSQLiRuleSet is in Count mode",
        ),
    ] {
        let dir = tmp.path().join(fault);
        let (code, run) = local(&dir, &["--fault", fault, "--checks", "waf"]).await;
        let waf = run.checks.iter().find(|c| c.name == "waf").unwrap();
        println!("{fault}: {} — {}", waf.verdict, waf.summary);
        assert_eq!((code, waf.verdict), (1, Verdict::Fail), "{fault}");
        assert!(waf.summary.contains(group), "{fault}: {}", waf.summary);
        assert!(
            waf.summary.contains("not enforced"),
            "{fault}: {}",
            waf.summary
        );
    }
}
