//! Merging: counts add, histograms merge exactly, verdicts are the decisions on the
//! hand-pooled evidence (never a vote), mismatched runs are refused.

use std::collections::BTreeMap;

use super::{Input, merge, sample};
use crate::checks::{health, split};
use crate::result::{
    CheckResult, Evidence, HISTOGRAM_BUCKET_RATIO, HISTOGRAM_FIRST_BUCKET_US, HistogramBucket,
    RunResult, RunSettings, SampleSummary, ShardSettings, Target, VariantStats, Verdict,
};

const ALPHA: f64 = 0.05;
const MARGIN: f64 = 0.02;
const WEIGHTS: [i64; 2] = [90, 10];

/// Upper bound (ms) of bucket `k` of the sampler's grid.
fn bound(k: i32) -> f64 {
    HISTOGRAM_FIRST_BUCKET_US as f64 * HISTOGRAM_BUCKET_RATIO.powi(k) / 1000.0
}

/// `responses` responses, `errors` of them 503, spread over buckets from `first`.
fn variant(responses: u64, errors: u64, first: i32, release: &str) -> VariantStats {
    let per = responses / 4;
    let histogram: Vec<HistogramBucket> = (0..4)
        .map(|i| HistogramBucket {
            upper_ms: bound(first + 3 * i),
            count: if i == 3 { responses - 3 * per } else { per },
        })
        .filter(|b| b.count > 0)
        .collect();
    let mut status_codes = BTreeMap::from([("200".to_string(), responses - errors)]);
    if errors > 0 {
        status_codes.insert("503".into(), errors);
    }
    VariantStats {
        responses,
        status_codes,
        releases: BTreeMap::from([(release.to_string(), responses)]),
        server_errors: errors,
        latency: crate::result::LatencySummary {
            mean_ms: bound(first + 4),
            max_ms: bound(first + 9),
            ..Default::default()
        },
        histogram,
    }
}

fn sample_of(stable: u64, canary: u64, canary_errors: u64) -> SampleSummary {
    SampleSummary {
        requests: stable + canary,
        stable: variant(stable, 0, 200, "v1"),
        canary: variant(canary, canary_errors, 201, "v2"),
        duration_s: 10.0,
        ..SampleSummary::default()
    }
}

fn share(index: u32, count: u32, planned: u64) -> u64 {
    crate::result::Shard { index, count }
        .share(planned)
        .unwrap()
}

fn tls(verdict: Verdict) -> CheckResult {
    CheckResult {
        name: "tls".into(),
        verdict,
        summary: format!("tls {verdict}"),
        warnings: vec!["hsts missing".into()],
        evidence: Evidence::None,
    }
}

/// A shard as `verify --shard` records it: its own fixed-n verdicts on its counts.
fn shard(index: u32, count: u32, planned: u64, s: SampleSummary) -> Input {
    let requests = share(index, count, planned);
    let cfg = split::SplitConfig {
        stable_weight: WEIGHTS[0],
        canary_weight: WEIGHTS[1],
        alpha: ALPHA,
        margin: MARGIN,
        leak_margin: 0.001,
        max_requests: requests,
    };
    let split = split::fixed_n(&cfg, &s, "this shard").unwrap();
    let health = health::evaluate(
        &s,
        &health::config(ALPHA, Some((WEIGHTS[0], WEIGHTS[1])), requests),
    );
    let checks = vec![split, health, tls(Verdict::Pass)];
    Input {
        name: format!("reports/shard-{index}"),
        run: RunResult {
            schema_version: crate::result::SCHEMA_VERSION,
            harness_version: "0.0.0".into(),
            started_at: format!("2026-12-01T10:00:0{index}Z"),
            finished_at: format!("2026-12-01T10:01:0{index}Z"),
            command: "harness verify".into(),
            target: Target {
                url: "https://canary.example.test/".into(),
                host: "canary.example.test".into(),
                ..Target::default()
            },
            settings: RunSettings {
                alpha: ALPHA,
                margin: MARGIN,
                max_requests: planned,
                concurrency: 8,
                rps: Some(100.0),
                checks: vec!["split".into(), "health".into(), "tls".into()],
                shard: Some(ShardSettings {
                    index,
                    count,
                    planned_requests: planned,
                    requests,
                    weights: Some(WEIGHTS),
                    leak_margin: 0.001,
                }),
            },
            verdict: RunResult::overall(&checks),
            sample: Some(s),
            checks,
        },
    }
}

fn check<'a>(run: &'a RunResult, name: &str) -> &'a CheckResult {
    run.checks.iter().find(|c| c.name == name).unwrap()
}

/// The split and health verdicts of the hand-pooled counts, at the planned budget.
fn expected(pooled: &SampleSummary, planned: u64, shards: u32) -> (Verdict, Verdict) {
    let cfg = split::SplitConfig {
        stable_weight: WEIGHTS[0],
        canary_weight: WEIGHTS[1],
        alpha: ALPHA,
        margin: MARGIN,
        leak_margin: 0.001,
        max_requests: planned,
    };
    let scope = format!("the pooled counts of {shards} of {shards} shards");
    let split = split::fixed_n(&cfg, pooled, &scope).unwrap();
    let health = health::evaluate(
        pooled,
        &health::config(ALPHA, Some((WEIGHTS[0], WEIGHTS[1])), planned),
    );
    (split.verdict, health.verdict)
}

#[test]
fn counts_add_and_histograms_merge_exactly() {
    let (a, b) = (sample_of(2700, 300, 1), sample_of(2650, 350, 4));
    let p = sample::pool([&a, &b]);
    assert_eq!(p.requests, 6000);
    assert_eq!(p.stable.responses, 5350);
    assert_eq!(p.canary.responses, 650);
    assert_eq!(p.canary.server_errors, 5);
    assert_eq!(p.canary.status_codes["503"], 5);
    assert_eq!(p.canary.status_codes["200"], 645);
    assert_eq!(p.canary.releases["v2"], 650);
    // Per bound: the sum of the shards' counts, nothing else.
    let mut by_bound: BTreeMap<u64, u64> = BTreeMap::new();
    for h in [&a.stable.histogram, &b.stable.histogram] {
        for bk in h.iter() {
            *by_bound.entry(bk.upper_ms.to_bits()).or_default() += bk.count;
        }
    }
    let got: BTreeMap<u64, u64> = p
        .stable
        .histogram
        .iter()
        .map(|bk| (bk.upper_ms.to_bits(), bk.count))
        .collect();
    assert_eq!(got, by_bound);
    assert!(
        p.stable
            .histogram
            .windows(2)
            .all(|w| w[0].upper_ms < w[1].upper_ms)
    );
    assert_eq!(
        p.stable.histogram.iter().map(|b| b.count).sum::<u64>(),
        5350
    );
    // Percentiles from the merged buckets: p50 of 5350 is rank 2675; the buckets hold
    // 1337, 1337, 1337, 1339, so rank 2675 lies in the third (bound 206).
    // (To the last bits: `powi` may round differently where the optimiser folds it.)
    let same = |a: f64, b: f64| (a - b).abs() <= 1e-12 * b;
    assert!(
        same(p.stable.latency.p50_ms, bound(206)),
        "{:?}",
        p.stable.latency
    );
    assert!(
        same(p.stable.latency.max_ms, bound(209)),
        "{:?}",
        p.stable.latency
    );
    assert!((p.stable.latency.mean_ms - bound(204)).abs() < 1e-12);
}

#[test]
fn per_node_counts_add_by_address() {
    use crate::result::NodeCounts;
    let node = |stable, canary, unattributed| NodeCounts {
        stable,
        canary,
        unattributed,
    };
    let mut a = sample_of(2700, 300, 0);
    a.nodes = BTreeMap::from([
        ("10.0.1.5:443".to_string(), node(1400, 140, 1)),
        ("10.0.2.7:443".to_string(), node(1300, 160, 0)),
    ]);
    let mut b = sample_of(2650, 350, 0);
    b.nodes = BTreeMap::from([
        ("10.0.2.7:443".to_string(), node(2000, 300, 2)),
        ("10.0.3.9:443".to_string(), node(650, 50, 0)),
    ]);
    let p = sample::pool([&a, &b]);
    assert_eq!(
        p.nodes,
        BTreeMap::from([
            ("10.0.1.5:443".to_string(), node(1400, 140, 1)),
            ("10.0.2.7:443".to_string(), node(3300, 460, 2)),
            ("10.0.3.9:443".to_string(), node(650, 50, 0)),
        ])
    );
}

#[test]
fn two_healthy_shards_pass_with_summed_counts() {
    let planned = 12_000;
    let a = shard(1, 2, planned, sample_of(5400, 600, 0));
    let b = shard(2, 2, planned, sample_of(5410, 590, 0));
    let m = merge(&[b.clone(), a.clone()]).unwrap();
    let s = m.sample.as_ref().unwrap();
    assert_eq!(s.canary.responses, 1190);
    assert_eq!(s.attributed(), 12_000);
    assert_eq!(m.verdict, Verdict::Pass, "{:#?}", m.checks);
    let Evidence::Split(ev) = &check(&m, "split").evidence else {
        panic!("split evidence")
    };
    assert_eq!((ev.n, ev.canary_hits), (12_000, 1190));
    assert!(
        ev.method.contains("pooled counts of 2 of 2 shards"),
        "{}",
        ev.method
    );
    assert_eq!(m.settings.concurrency, 16);
    assert_eq!(m.settings.shard, None);
    assert_eq!(m.started_at, "2026-12-01T10:00:01Z");
    assert_eq!(m.finished_at, "2026-12-01T10:01:02Z");
    assert_eq!(check(&m, "tls").warnings, vec!["hsts missing".to_string()]);
}

#[test]
fn a_healthy_and_a_shifted_shard_give_the_pooled_verdict() {
    // 10 % and 14 % canary: the shifted shard alone FAILs (its 95 % interval lies
    // above 12 %); the pool decides as one fixed-n sample of both.
    let planned = 8000;
    let (sa, sb) = (sample_of(3600, 400, 0), sample_of(3440, 560, 0));
    let a = shard(1, 2, planned, sa.clone());
    let b = shard(2, 2, planned, sb.clone());
    assert_eq!(check(&b.run, "split").verdict, Verdict::Fail);
    let m = merge(&[a, b]).unwrap();
    let hand = sample_of(7040, 960, 0);
    assert_eq!(check(&m, "split").verdict, expected(&hand, planned, 2).0);
    // 12.0 % over 8000: [11.3 %, 12.7 %] straddles the band edge 12 %.
    assert_eq!(check(&m, "split").verdict, Verdict::Inconclusive);
}

#[test]
fn shards_that_each_fail_can_pool_to_a_pass() {
    // 13.5 % and 6.5 %: each shard's interval lies outside 10 % ± 2 %; the pool,
    // 10.0 % of 8000, lies inside. A vote would FAIL; the pooled test PASSes.
    let planned = 8000;
    let a = shard(1, 2, planned, sample_of(3460, 540, 0));
    let b = shard(2, 2, planned, sample_of(3740, 260, 0));
    assert_eq!(check(&a.run, "split").verdict, Verdict::Fail);
    assert_eq!(check(&b.run, "split").verdict, Verdict::Fail);
    let m = merge(&[a, b]).unwrap();
    let hand = sample_of(7200, 800, 0);
    assert_eq!(expected(&hand, planned, 2).0, Verdict::Pass);
    assert_eq!(check(&m, "split").verdict, Verdict::Pass);
}

#[test]
fn shards_each_inconclusive_can_pool_to_a_health_fail() {
    // A canary answering 503 to 2 % of requests: four shards of 250 canary responses
    // cannot each show it beyond the 1-point tolerance; the pool of 1000 can.
    let planned = 10_000;
    let samples: Vec<SampleSummary> = (0..4).map(|_| sample_of(2250, 250, 5)).collect();
    let inputs: Vec<Input> = (0..4)
        .map(|i| shard(i + 1, 4, planned, samples[i as usize].clone()))
        .collect();
    let hand = sample_of(9000, 1000, 20);
    let (_, want) = expected(&hand, planned, 4);
    let m = merge(&inputs).unwrap();
    assert_eq!(check(&m, "health").verdict, want);
    assert_eq!(want, Verdict::Fail, "{:?}", check(&m, "health").summary);
    for i in &inputs {
        let h = check(&i.run, "health");
        assert_ne!(h.verdict, Verdict::Fail, "{}: {}", i.name, h.summary);
    }
}

#[test]
fn a_finding_outside_the_test_carries_over_naming_the_shard() {
    let planned = 12_000;
    let a = shard(1, 2, planned, sample_of(5400, 600, 0));
    let mut b = shard(2, 2, planned, sample_of(5410, 590, 0));
    let s = b.run.checks.iter_mut().find(|c| c.name == "split").unwrap();
    s.verdict = Verdict::Fail;
    s.summary = "canary answered with release v1 (590)".into();
    b.run.checks[2] = tls(Verdict::Fail);
    let m = merge(&[a, b]).unwrap();
    let split = check(&m, "split");
    assert_eq!(split.verdict, Verdict::Fail);
    assert!(
        split.summary.contains("shard 2/2 (reports/shard-2)"),
        "{}",
        split.summary
    );
    assert!(split.summary.contains("release v1"), "{}", split.summary);
    let tls = check(&m, "tls");
    assert_eq!(tls.verdict, Verdict::Fail);
    assert!(tls.summary.contains("shard 2/2"), "{}", tls.summary);
    assert_eq!(m.verdict, Verdict::Fail);
}

#[test]
fn a_missing_shard_cannot_pass() {
    let planned = 18_000;
    let a = shard(1, 3, planned, sample_of(5400, 600, 0));
    let b = shard(2, 3, planned, sample_of(5410, 590, 0));
    let m = merge(&[a, b]).unwrap();
    let split = check(&m, "split");
    assert_eq!(split.verdict, Verdict::Inconclusive);
    assert!(split.summary.contains("3/3 missing"), "{}", split.summary);
}

#[test]
fn mismatched_runs_are_refused_with_one_line() {
    let planned = 12_000;
    let a = shard(1, 2, planned, sample_of(5400, 600, 0));
    let b = shard(2, 2, planned, sample_of(5410, 590, 0));
    type Change = fn(&mut RunResult);
    let cases: [(Change, &str); 9] = [
        (|r| r.target.url = "https://other.test/".into(), "target"),
        (|r| r.settings.alpha = 0.01, "alpha"),
        (|r| r.settings.margin = 0.05, "margin"),
        (|r| r.settings.checks.truncate(2), "checks"),
        (|r| r.harness_version = "9.9.9".into(), "harness version"),
        (
            |r| r.settings.shard.as_mut().unwrap().weights = Some([50, 50]),
            "weights",
        ),
        (
            |r| r.settings.shard.as_mut().unwrap().count = 3,
            "shard count",
        ),
        (|r| r.settings.shard = None, "--shard"),
        (
            |r| r.settings.shard.as_mut().unwrap().index = 1,
            "both shard 1/2",
        ),
    ];
    for (change, needle) in cases {
        let mut bad = b.clone();
        change(&mut bad.run);
        let e = merge(&[a.clone(), bad]).unwrap_err().to_string();
        assert!(e.contains(needle), "{needle}: {e}");
        assert!(!e.contains('\n'), "{e}");
    }
    assert!(merge(&[]).is_err());
}
