//! Fixed [`RunResult`]s for snapshot, schema, round-trip and browser tests: PASS, FAIL
//! and INCONCLUSIVE runs that carry every evidence kind, and a run with a million
//! samples. Built from constants only (no clock, no randomness), so every render of
//! them is byte-for-byte reproducible. Public but hidden so integration tests can use it.

use std::collections::BTreeMap;

use crate::result::{
    CheckResult, Evidence, FalsePositive, HealthEvidence, HistogramBucket, LatencyComparison,
    LatencySummary, PathPoint, ProtocolProbe, RedirectEvidence, RunResult, RunSettings,
    SCHEMA_VERSION, SampleSummary, ScaleEvidence, SplitEvidence, Target, TlsEvidence, VariantStats,
    Verdict, WafCell, WafEvidence, WebAclInfo,
};

/// Attack categories of the WAF matrix fixtures.
const CATEGORIES: [&str; 4] = ["sqli", "xss", "traversal", "scanner"];
/// Placements of the WAF matrix fixtures.
const PLACEMENTS: [&str; 4] = ["query", "header", "form", "json"];

/// A passing run: every check PASS.
pub fn pass() -> RunResult {
    build(Verdict::Pass, 4_000, 0.10, 0.1005)
}

/// A failing run: the split drifted, the canary is slow and errors, TLS 1.0 is
/// accepted, the WAF lets XSS through and blocks a benign request.
pub fn fail() -> RunResult {
    build(Verdict::Fail, 4_000, 0.10, 0.162)
}

/// An inconclusive run: the budget ran out before the interval fit in the band, and
/// the scale check could not read ECS.
pub fn inconclusive() -> RunResult {
    build(Verdict::Inconclusive, 600, 0.10, 0.115)
}

/// A passing run with `n` samples and one sequential look per 100 requests, to show
/// that report sizes do not grow with `n`.
pub fn huge(n: u64) -> RunResult {
    let mut run = build(Verdict::Pass, n, 0.10, 0.1001);
    if let Some(Evidence::Split(s)) = run.checks.first_mut().map(|c| &mut c.evidence) {
        s.path = path(n, n / 100, 0.10, 0.1001, 0.01);
    }
    run
}

/// Builds a run whose checks lean towards `verdict`, with `n` attributed responses.
fn build(verdict: Verdict, n: u64, p0: f64, observed: f64) -> RunResult {
    let bad = verdict == Verdict::Fail;
    let unsure = verdict == Verdict::Inconclusive;
    let margin = 0.02;
    let canary_hits = (n as f64 * observed).round() as u64;
    let half = if unsure { 0.031 } else { 0.0108 };
    let split = SplitEvidence {
        stable_weight: 90,
        canary_weight: 10,
        configured_share: p0,
        margin,
        alpha: 0.05,
        n,
        canary_hits,
        observed_share: observed,
        ci_low: observed - half,
        ci_high: observed + half,
        method: "repeated Clopper-Pearson intervals at nominal level 1.2e-3 (exact calibration)"
            .into(),
        srm_p_value: if bad { 1.2e-9 } else { 0.61 },
        unattributed_share: if unsure { 0.012 } else { 0.0 },
        fixed_n_required: 3_457,
        zero_side_upper_bound: None,
        path: path(n, 8, p0, observed, half),
    };
    let split_check = CheckResult {
        name: "split".into(),
        verdict,
        summary: match verdict {
            Verdict::Pass => "Observed canary share 10.05% [8.97%, 11.13%] lies within 10% ± 2%.",
            Verdict::Fail => "Observed canary share 16.2% [15.1%, 17.3%] is outside 10% ± 2%.",
            Verdict::Inconclusive => {
                "Budget of 600 requests spent; interval [8.4%, 14.6%] still overlaps the band edge."
            }
        }
        .into(),
        warnings: if bad {
            vec!["sample ratio mismatch: chi-square p = 1.2e-9".into()]
        } else {
            vec![]
        },
        evidence: Evidence::Split(split),
    };
    let scale_check = if unsure {
        CheckResult {
            name: "scale".into(),
            verdict: Verdict::Inconclusive,
            summary: "ECS DescribeServices failed: the canary service could not be read.".into(),
            warnings: vec![],
            evidence: Evidence::None,
        }
    } else {
        CheckResult {
            name: "scale".into(),
            verdict: if bad { Verdict::Fail } else { Verdict::Pass },
            summary: if bad {
                "Canary weight is 0 but 2 tasks are still running.".into()
            } else {
                "Canary weight is 0 and the canary service runs no task.".into()
            },
            warnings: vec![],
            evidence: Evidence::Scale(ScaleEvidence {
                canary_weight: 0,
                desired: if bad { 2 } else { 0 },
                running: if bad { 2 } else { 0 },
                pending: 0,
                registered_targets: if bad { 2 } else { 0 },
                canary_hits: if bad { 14 } else { 0 },
                n: 1_000,
                upper_bound: if bad { 0.0228 } else { 0.002_99 },
                waited_s: 12.5,
            }),
        }
    };
    let health_check = CheckResult {
        name: "health".into(),
        verdict: if bad { Verdict::Fail } else { Verdict::Pass },
        summary: if bad {
            "Canary 5xx rate 4.9% exceeds stable's 0.1% + 1%; canary median is 180 ms slower."
                .into()
        } else {
            "Canary error rate and latency match stable.".into()
        },
        warnings: vec![],
        evidence: Evidence::Health(HealthEvidence {
            stable_n: n - canary_hits,
            stable_errors: (n - canary_hits) / 1_000,
            canary_n: canary_hits,
            canary_errors: if bad { canary_hits / 20 } else { 0 },
            error_tolerance: 0.01,
            error_p_value: if bad { 3.0e-6 } else { 0.98 },
            error_test: "one-sided Farrington-Manning score test".into(),
            latency: LatencyComparison {
                stable_p50_ms: 12.0,
                canary_p50_ms: if bad { 192.0 } else { 12.4 },
                u: 1.0e5,
                z: if bad { 9.4 } else { 0.3 },
                p_value: if bad { 1.0e-12 } else { 0.38 },
                tolerance_ms: 20.0,
            },
        }),
    };
    let tls_check = CheckResult {
        name: "tls".into(),
        verdict: if bad { Verdict::Fail } else { Verdict::Pass },
        summary: if bad {
            "TLS 1.0 is accepted and the certificate expires in 5 days.".into()
        } else {
            "Certificate valid for 80 days; TLS 1.0/1.1 refused; HTTP redirects; HSTS set.".into()
        },
        warnings: if unsure {
            vec!["HSTS header missing".into()]
        } else {
            vec![]
        },
        evidence: Evidence::Tls(tls(bad, unsure)),
    };
    let waf_check = CheckResult {
        name: "waf".into(),
        verdict: if bad { Verdict::Fail } else { Verdict::Pass },
        summary: if bad {
            "Block rate 62.5% is below 95%; 1 benign request blocked.".into()
        } else {
            "All 160 attacks blocked; no benign request blocked.".into()
        },
        warnings: if bad {
            vec!["3 responses were 429: the rate rule may skew the sample".into()]
        } else {
            vec![]
        },
        evidence: Evidence::Waf(waf(bad)),
    };
    let checks = vec![split_check, scale_check, health_check, tls_check, waf_check];
    let overall = RunResult::overall(&checks);
    RunResult {
        schema_version: SCHEMA_VERSION,
        harness_version: "0.1.0".into(),
        started_at: "2026-11-25T14:03:07Z".into(),
        finished_at: "2026-11-25T14:04:52Z".into(),
        command: "harness verify --url https://canary.example.test/ --listener-arn \
                  arn:aws:elasticloadbalancing:eu-west-1:123456789012:listener/app/web/abc/def \
                  --alpha 0.05 --margin 0.02"
            .into(),
        target: Target {
            url: "https://canary.example.test/".into(),
            host: "canary.example.test".into(),
            listener_arn: Some(
                "arn:aws:elasticloadbalancing:eu-west-1:123456789012:listener/app/web/abc/def"
                    .into(),
            ),
            cluster: Some("web".into()),
            stable_service: Some("web-stable".into()),
            canary_service: Some("web-canary".into()),
        },
        settings: RunSettings {
            alpha: 0.05,
            margin,
            max_requests: if unsure { 600 } else { 20_000 },
            concurrency: 16,
            rps: Some(200.0),
            checks: vec![
                "split".into(),
                "scale".into(),
                "health".into(),
                "tls".into(),
                "waf".into(),
            ],
        },
        sample: Some(sample(n, canary_hits, bad)),
        checks,
        verdict: overall,
    }
}

/// A sequential path of `looks` points ending at (`n`, `observed`), with an interval
/// narrowing like 1/sqrt(n) to half-width `final_half`.
fn path(n: u64, looks: u64, p0: f64, observed: f64, final_half: f64) -> Vec<PathPoint> {
    let looks = looks.max(1);
    (1..=looks)
        .map(|k| {
            let nk = n * k / looks;
            let frac = k as f64 / looks as f64;
            // Deterministic wobble that settles towards the final share.
            let wobble = 0.03 * (k as f64 * 1.7).sin() / (k as f64).sqrt();
            let share = (p0 + (observed - p0) * frac + wobble * (1.0 - frac)).clamp(0.0, 1.0);
            let half = final_half / frac.sqrt();
            PathPoint {
                n: nk,
                share,
                low: (share - half).max(0.0),
                high: (share + half).min(1.0),
            }
        })
        .collect()
}

/// Aggregates of the traffic sample.
fn sample(n: u64, canary: u64, bad: bool) -> SampleSummary {
    let stable = n - canary;
    let canary_errors = if bad { canary / 20 } else { 0 };
    let stable_errors = stable / 1_000;
    SampleSummary {
        requests: n + 12,
        stable: variant(stable, stable_errors, 12.0, "v41"),
        canary: variant(canary, canary_errors, if bad { 192.0 } else { 12.4 }, "v42"),
        unattributed: BTreeMap::from([("502".into(), 7), ("403".into(), 2)]),
        transport_errors: 2,
        timeouts: 1,
        error_examples: vec!["connection reset by peer".into()],
        duration_s: n as f64 / 200.0,
    }
}

/// Stats of one variant with a log-bucketed latency histogram around `median` ms.
fn variant(responses: u64, errors: u64, median: f64, release: &str) -> VariantStats {
    // Weights of a right-skewed shape over 12 buckets doubling from median/8.
    const SHAPE: [u64; 12] = [1, 4, 12, 30, 26, 14, 7, 3, 1, 1, 0, 1];
    let total: u64 = SHAPE.iter().sum();
    let mut left = responses;
    let mut histogram = Vec::new();
    for (i, w) in SHAPE.iter().enumerate() {
        let count = if i == SHAPE.len() - 1 {
            left
        } else {
            (responses * w / total).min(left)
        };
        left -= count;
        if count > 0 {
            histogram.push(HistogramBucket {
                upper_ms: median / 8.0
                    * 2f64.powi(i as i32 / 2)
                    * if i % 2 == 1 { 1.5 } else { 1.0 },
                count,
            });
        }
    }
    VariantStats {
        responses,
        status_codes: BTreeMap::from([("200".into(), responses - errors), ("503".into(), errors)])
            .into_iter()
            .filter(|(_, c)| *c > 0)
            .collect(),
        releases: BTreeMap::from([(release.into(), responses)]),
        server_errors: errors,
        latency: LatencySummary {
            p50_ms: median,
            p90_ms: median * 2.1,
            p99_ms: median * 4.3,
            max_ms: median * 11.0,
            mean_ms: median * 1.3,
        },
        histogram,
    }
}

/// TLS evidence; `bad` accepts TLS 1.0 and expires soon, `unsure` lacks HSTS.
fn tls(bad: bool, unsure: bool) -> TlsEvidence {
    let probe = |version: &str, accepted: bool, detail: &str| ProtocolProbe {
        version: version.into(),
        accepted,
        detail: detail.into(),
    };
    TlsEvidence {
        host: "canary.example.test".into(),
        subject: "CN=canary.example.test".into(),
        sans: vec!["canary.example.test".into(), "*.example.test".into()],
        issuer: "CN=Harness Test CA".into(),
        not_after: if bad {
            "2026-11-30T00:00:00Z".into()
        } else {
            "2027-02-13T00:00:00Z".into()
        },
        days_left: if bad { 5 } else { 80 },
        key_type: "ECDSA P-256".into(),
        chain_valid: true,
        chain_error: None,
        negotiated: "TLSv1.3".into(),
        probes: vec![
            if bad {
                probe("TLS 1.0", true, "ServerHello TLSv1.0")
            } else {
                probe("TLS 1.0", false, "alert protocol_version (70)")
            },
            probe("TLS 1.1", false, "alert protocol_version (70)"),
            probe("TLS 1.2", true, "ServerHello TLSv1.2"),
            probe("TLS 1.3", true, "ServerHello TLSv1.3"),
        ],
        redirect: Some(RedirectEvidence {
            probed: "http://canary.example.test/a/b?q=1".into(),
            status: 301,
            location: Some("https://canary.example.test/a/b?q=1".into()),
            ok: true,
        }),
        hsts_max_age: if unsure { None } else { Some(31_536_000) },
        listener_ssl_policy: Some("ELBSecurityPolicy-TLS13-1-2-2021-06".into()),
        listener_certificate_arn: Some(
            "arn:aws:acm:eu-west-1:123456789012:certificate/0b1c-fixture".into(),
        ),
        acm_not_after: Some("2027-02-13T00:00:00Z".into()),
    }
}

/// WAF evidence; `bad` lets most XSS through and blocks one benign request whose
/// text carries markup (renderers must escape it).
fn waf(bad: bool) -> WafEvidence {
    let mut cells = Vec::new();
    for category in CATEGORIES {
        for placement in PLACEMENTS {
            let sent = 10;
            let blocked = match (bad, category, placement) {
                (true, "xss", _) => 1,
                (true, "sqli", "json") => 4,
                (true, "scanner", _) => 6,
                _ => 10,
            };
            let (ci_low, ci_high) = CLOPPER_PEARSON_95_OF_10[blocked as usize];
            cells.push(WafCell {
                category: category.into(),
                placement: placement.into(),
                sent,
                blocked,
                passed: sent - blocked,
                unresolved: 0,
                ci_low,
                ci_high,
            });
        }
    }
    let attacks_sent: u64 = cells.iter().map(|c| c.sent).sum();
    let attacks_blocked: u64 = cells.iter().map(|c| c.blocked).sum();
    WafEvidence {
        web_acl: Some(WebAclInfo {
            name: "web-acl".into(),
            arn: "arn:aws:wafv2:eu-west-1:123456789012:regional/webacl/web-acl/1".into(),
            rules: vec![
                "AWSManagedRulesCommonRuleSet".into(),
                "AWSManagedRulesSQLiRuleSet".into(),
                "AWSManagedRulesKnownBadInputsRuleSet".into(),
                "rate-limit".into(),
            ],
        }),
        block_status: 403,
        by_category: Vec::new(),
        false_positive_rate_high: if bad { 0.13 } else { 0.072 },
        attacks_sent,
        attacks_blocked,
        block_rate: attacks_blocked as f64 / attacks_sent as f64,
        block_rate_low: if bad { 0.545 } else { 0.977 },
        min_block_rate: 0.95,
        benign_sent: 40,
        false_positives: if bad {
            vec![FalsePositive {
                id: "benign-17".into(),
                request: "POST /comments form: body=<script>alert(\"hi\")</script> & \
                          I'm <b>bold</b>"
                    .into(),
                status: 403,
            }]
        } else {
            vec![]
        },
        max_false_positives: 0,
        cells,
        unresolved: 0,
        rate_limited: if bad { 3 } else { 0 },
    }
}

/// Two-sided 95% Clopper-Pearson intervals for k of 10 successes (k = 0..=10),
/// from the beta quantiles (Clopper & Pearson 1934), rounded to 4 places.
const CLOPPER_PEARSON_95_OF_10: [(f64, f64); 11] = [
    (0.0, 0.3085),
    (0.0025, 0.4450),
    (0.0252, 0.5561),
    (0.0667, 0.6525),
    (0.1216, 0.7376),
    (0.1871, 0.8129),
    (0.2624, 0.8784),
    (0.3475, 0.9333),
    (0.4439, 0.9748),
    (0.5550, 0.9975),
    (0.6915, 1.0),
];
