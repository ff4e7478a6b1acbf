//! Pooling the traffic samples of several shards into one [`SampleSummary`]: every
//! count adds, and the latency histograms merge bucket by bucket.
//!
//! # Why no HDR histogram in `report.json`
//! The sampler exports each variant's HDR histogram on one fixed logarithmic grid
//! (first bound [`HISTOGRAM_FIRST_BUCKET_US`], ratio [`HISTOGRAM_BUCKET_RATIO`]), the
//! same for every run of every version that writes this schema. So the histogram of
//! a pooled sample is the per-bound sum of the shards' histograms, exactly: the same
//! buckets, with the same counts, as one sampler recording all the responses would
//! export (`harness` tests this against the real accumulator). The health check
//! decides from these histograms (order-statistic bounds per bucket edge) and the 5xx
//! counts, so its pooled verdict is exact too; serialising the HDR histograms would
//! add kilobytes per variant for nothing a decision reads.
//!
//! What the buckets cannot give exactly are the reported percentiles
//! ([`LatencySummary`]): the pooled p50/p90/p99 are the upper edges of the buckets
//! that hold those ranks, at most one bucket (2.2 %) above the true value; the mean
//! (response-weighted) and the maximum pool exactly. They are information only.
//!
//! `duration_s` is the longest shard's: shards sample side by side, so the pooled
//! sample took as long as the slowest runner.
//!
//! [`HISTOGRAM_FIRST_BUCKET_US`]: crate::result::HISTOGRAM_FIRST_BUCKET_US
//! [`HISTOGRAM_BUCKET_RATIO`]: crate::result::HISTOGRAM_BUCKET_RATIO

use std::collections::BTreeMap;

use crate::result::{HistogramBucket, LatencySummary, SampleSummary, VariantStats};

/// Transport error examples kept in a pooled sample (as many as one sampler keeps).
pub const MAX_ERROR_EXAMPLES: usize = 5;

/// The pooled sample of `samples`.
pub fn pool<'a>(samples: impl IntoIterator<Item = &'a SampleSummary>) -> SampleSummary {
    let mut out = SampleSummary::default();
    let (mut stable, mut canary) = (Vec::new(), Vec::new());
    for s in samples {
        // Destructured field by field: a field added to the sample (per-node evidence,
        // …) fails to compile here until it is pooled.
        let SampleSummary {
            requests,
            stable: st,
            canary: ca,
            unattributed,
            transport_errors,
            timeouts,
            error_examples,
            duration_s,
            nodes,
        } = s;
        out.requests += requests;
        stable.push(st);
        canary.push(ca);
        add_counts(&mut out.unattributed, unattributed);
        // Per node (keyed "ADDR:PORT"): the same node seen by several runners adds up.
        for (addr, c) in nodes {
            let into = out.nodes.entry(addr.clone()).or_default();
            into.stable += c.stable;
            into.canary += c.canary;
            into.unattributed += c.unattributed;
        }
        out.transport_errors += transport_errors;
        out.timeouts += timeouts;
        for e in error_examples {
            if out.error_examples.len() < MAX_ERROR_EXAMPLES && !out.error_examples.contains(e) {
                out.error_examples.push(e.clone());
            }
        }
        out.duration_s = out.duration_s.max(*duration_s);
    }
    out.stable = pool_variant(&stable);
    out.canary = pool_variant(&canary);
    out
}

fn add_counts(into: &mut BTreeMap<String, u64>, from: &BTreeMap<String, u64>) {
    for (k, v) in from {
        *into.entry(k.clone()).or_default() += v;
    }
}

/// The pooled statistics of one variant.
pub fn pool_variant(parts: &[&VariantStats]) -> VariantStats {
    let mut out = VariantStats::default();
    let mut weighted_mean = 0.0;
    let mut max_ms: f64 = 0.0;
    for v in parts {
        out.responses += v.responses;
        add_counts(&mut out.status_codes, &v.status_codes);
        add_counts(&mut out.releases, &v.releases);
        out.server_errors += v.server_errors;
        weighted_mean += v.latency.mean_ms * v.responses as f64;
        max_ms = max_ms.max(v.latency.max_ms);
    }
    out.histogram = merge_histograms(parts.iter().map(|v| v.histogram.as_slice()));
    let recorded: u64 = out.histogram.iter().map(|b| b.count).sum();
    if recorded > 0 {
        let q = |p: f64| quantile_edge(&out.histogram, recorded, p);
        out.latency = LatencySummary {
            p50_ms: q(0.5),
            p90_ms: q(0.9),
            p99_ms: q(0.99),
            max_ms,
            mean_ms: if out.responses > 0 {
                weighted_mean / out.responses as f64
            } else {
                0.0
            },
        };
    }
    out
}

/// Per-bound sum of histograms on the sampler's grid (ascending, empty buckets left
/// out, as the sampler exports them). Bounds are matched exactly: every run computes
/// them the same way from the same grid.
pub fn merge_histograms<'a>(
    parts: impl IntoIterator<Item = &'a [HistogramBucket]>,
) -> Vec<HistogramBucket> {
    // Non-negative f64 bit patterns sort as the values do.
    let mut sum: BTreeMap<u64, u64> = BTreeMap::new();
    for part in parts {
        for b in part {
            *sum.entry(b.upper_ms.to_bits()).or_default() += b.count;
        }
    }
    sum.into_iter()
        .filter(|(_, c)| *c > 0)
        .map(|(bits, count)| HistogramBucket {
            upper_ms: f64::from_bits(bits),
            count,
        })
        .collect()
}

/// Upper edge of the bucket holding rank `⌈p·total⌉` (at least 1).
fn quantile_edge(buckets: &[HistogramBucket], total: u64, p: f64) -> f64 {
    let rank = ((p * total as f64).ceil() as u64).max(1);
    let mut seen = 0;
    for b in buckets {
        seen += b.count;
        if seen >= rank {
            return b.upper_ms;
        }
    }
    buckets.last().map_or(0.0, |b| b.upper_ms)
}
