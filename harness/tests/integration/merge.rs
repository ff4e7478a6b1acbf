//! `verify --shard` and `harness merge` end to end, in process, in the moto world of
//! `support/verify_world.rs` (moto as AWS, two poem backends, a weighted TLS front
//! routing 90/10 per connection): two shards of one planned sample, each sending
//! exactly its share, merged by the CLI into one PASS whose counts are the sums; a
//! shard given twice, and a shard with other settings, are refused with exit 2.

use std::path::Path;

use harness::result::{RunResult, Verdict};
use harness_core::stats::Band;
use harness_core::stats::sample_size::{Goal, exact_power};

use crate::support::serial;
use crate::support::verify_world::*;

/// The world's decision settings (`World::args`): alpha 0.05, margin 0.05, 3000
/// planned requests at a true 90/10 split.
const ALPHA: f64 = 0.05;
const PLANNED: u64 = 3000;

fn report(dir: &Path) -> RunResult {
    let path = harness::cmd::merge::locate(dir).unwrap();
    harness::report::read_run(&path).unwrap()
}

/// The world's verify arguments as shard `shard`, reporting into `dir`.
fn shard_args(w: &World, dir: &Path, shard: &str, extra: &[&str]) -> Vec<String> {
    let dir = dir.display().to_string();
    let mut e = vec!["--shard", shard, "--report-dir", &dir];
    e.extend(extra);
    w.args(&e)
}

fn merge_args(runs: &[&Path], out: &Path) -> Vec<String> {
    let mut a = vec!["harness".to_string(), "merge".into(), "--quiet".into()];
    a.extend(runs.iter().map(|p| p.display().to_string()));
    a.extend(["--report-dir".into(), out.display().to_string()]);
    a
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_shards_merge_to_the_pooled_verdict() {
    // Operating point: the true share is 10 % inside the band 10 % ± 5 %. The fixed-n
    // test misses PASS with probability 1 − exact_power (exact binomial over the
    // Clopper–Pearson acceptance range), computed and asserted here before any
    // traffic: ≈ 1e-5 for one shard's 1500 responses, ≈ 1e-9 for the pooled 3000
    // (and at most a few responses go unanswered on loopback).
    let band = Band::scaled(0.1, 0.05);
    for n in [1450, PLANNED / 2, PLANNED - 50, PLANNED] {
        let miss = 1.0 - exact_power(n, 0.1, band, ALPHA, Goal::Inside);
        assert!(miss < 1e-4, "P(no PASS | healthy, n = {n}) = {miss:e}");
    }
    let _world = serial::world().await;
    let w = world(Spec::healthy()).await;
    let dirs: Vec<_> = (1..=3)
        .map(|i| w.dir.path().join(format!("shard-{i}")))
        .collect();
    let (c1, m1) = exit_of(shard_args(&w, &dirs[0], "1/2", &[])).await;
    let (c2, m2) = exit_of(shard_args(&w, &dirs[1], "2/2", &[])).await;
    assert_eq!((c1, c2), (0, 0), "{m1} {m2}");
    let (r1, r2) = (report(&dirs[0]), report(&dirs[1]));
    for (r, share) in [(&r1, 1500), (&r2, 1500)] {
        let s = r.settings.shard.as_ref().expect("shard recorded");
        assert_eq!((s.planned_requests, s.requests), (PLANNED, share));
        assert_eq!(s.weights, Some([90, 10]));
        // Exactly its share: no early stop.
        assert_eq!(r.sample.as_ref().unwrap().requests, share);
        let split = r.checks.iter().find(|c| c.name == "split").unwrap();
        assert!(split.summary.contains("fixed-n"), "{}", split.summary);
    }

    let out = w.dir.path().join("merged");
    let (code, msg) = exit_of(merge_args(&[&dirs[0], &dirs[1]], &out)).await;
    assert_eq!(code, 0, "{msg}");
    let merged = report(&out);
    assert_eq!(merged.verdict, Verdict::Pass, "{:#?}", merged.checks);
    let (s1, s2, sm) = (
        r1.sample.as_ref().unwrap(),
        r2.sample.as_ref().unwrap(),
        merged.sample.as_ref().unwrap(),
    );
    assert_eq!(sm.requests, s1.requests + s2.requests);
    assert_eq!(
        sm.stable.responses,
        s1.stable.responses + s2.stable.responses
    );
    assert_eq!(
        sm.canary.responses,
        s1.canary.responses + s2.canary.responses
    );
    let hist_total =
        |v: &harness::result::VariantStats| -> u64 { v.histogram.iter().map(|b| b.count).sum() };
    assert_eq!(
        hist_total(&sm.canary),
        hist_total(&s1.canary) + hist_total(&s2.canary)
    );
    for f in ["report.json", "junit.xml", "summary.md", "index.html"] {
        let run_dir = harness::cmd::merge::locate(&out).unwrap();
        assert!(run_dir.with_file_name(f).is_file(), "{f}");
    }

    // The same shard twice: refused.
    let (code, msg) = exit_of(merge_args(&[&dirs[0], &dirs[0]], &out)).await;
    assert_eq!(code, 2, "{msg}");
    assert!(
        msg.contains("both shard 1/2") && !msg.contains('\n'),
        "{msg}"
    );
    // A shard with another alpha: not the same verification.
    let (c3, m3) = exit_of(shard_args(&w, &dirs[2], "2/2", &["--alpha", "0.01"])).await;
    assert!([0, 1, 3].contains(&c3), "{m3}");
    let (code, msg) = exit_of(merge_args(&[&dirs[0], &dirs[2]], &out)).await;
    assert_eq!(code, 2, "{msg}");
    assert!(msg.contains("alpha") && !msg.contains('\n'), "{msg}");
}
