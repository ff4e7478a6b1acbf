//! Chances of a wrong verdict of the statistical checks at the operating points the
//! twin tests use, computed from the checks' own designs: the split monitor's
//! group-sequential recursion, the leak test's binomial, Newcombe's bound for the
//! health 5xx sub-test and the distribution-free order-statistic bound for its latency
//! sub-tests ([`harness::checks::health::equal_pass`]). The guide asks every twin test
//! to sit where P(wrong verdict) < 1e-4 and say so; the tests recompute their figures
//! here and assert them before driving the twin.

#![allow(dead_code)]

use harness::checks::health::{self, Counts, Finding, equal_pass};
use harness::checks::split::{SplitConfig, SplitMonitor};
use harness::stats::group_sequential::{operating, rules};
use statrs::distribution::{Binomial, Discrete, DiscreteCDF};

/// The most a twin test may leave to chance.
pub const TARGET: f64 = 1e-4;
/// The operating point of the twin tests that judge the split and health: α = 0.001.
pub const TWIN_ALPHA: f64 = 0.001;
/// Their budget: 60,000 requests (30 s at the twin's ~2,000 requests/s; runs stop
/// earlier, once split and health have their samples).
pub const TWIN_BUDGET: u64 = 60_000;
/// Share π of the twin's loopback requests answered within [`equal_pass::HEADROOM_MS`]
/// (48 ms) that the table's health figures assume. Measured on the shared 2-core
/// machine with several builds running: the healthy twin's stable p99 was 33.6 ms
/// (`faults.rs`, 11,898 requests), so π ≥ 0.99 there; π falls as the load rises, and
/// below [`coverage_needed`] (0.9864 at α = 0.001) the figures no longer hold.
pub const TWIN_COVERAGE: f64 = 0.99;
/// Share of canary `GET /` answered 503 under `canary-errors` (the twin's
/// `spec::CANARY_ERROR_RATE`, not exported).
pub const CANARY_ERROR_RATE: f64 = 0.3;

/// The split monitor at weights `stable/canary`, α, budget and margin (`None`: the
/// default).
pub fn monitor(w: (i64, i64), alpha: f64, budget: u64, margin: Option<f64>) -> SplitMonitor {
    let base = SplitConfig::new(w.0, w.1);
    SplitMonitor::new(SplitConfig {
        alpha,
        max_requests: budget,
        margin: margin.unwrap_or(base.margin),
        ..base
    })
    .unwrap()
}

/// P(split ≠ PASS | the edge routes the configured share), from the design's own
/// recursion (`healthy_operating`). At weight 0 or 100 the leak test fails only on a
/// hit of the zero side, which an edge at 100/0 never routes: 0.
pub fn split_not_pass(w: (i64, i64), alpha: f64, budget: u64, margin: Option<f64>) -> f64 {
    let m = monitor(w, alpha, budget, margin);
    if m.nominal_level().is_none() {
        return 0.0;
    }
    1.0 - m.healthy_operating().pass
}

/// P(split ≠ FAIL | the edge routes canary share `truth`), by the same recursion. At
/// weight 0 or 100 (no nominal level): the leak test FAILs on the first hit of the
/// zero side; P(no hit in the fewest requests it samples) is returned.
pub fn split_not_fail(
    w: (i64, i64),
    alpha: f64,
    budget: u64,
    margin: Option<f64>,
    truth: f64,
) -> f64 {
    let m = monitor(w, alpha, budget, margin);
    match m.nominal_level() {
        Some(level) => 1.0 - operating(&rules(&m.planned_looks(), m.band(), level), truth).fail,
        None => {
            let zero_side = if w.1 == 0 { truth } else { 1.0 - truth };
            let n =
                harness::stats::zero_weight_n(harness::checks::split::DEFAULT_LEAK_MARGIN, alpha);
            (1.0 - zero_side).powf(n as f64)
        }
    }
}

/// Canary responses health's plan waits for at `w` before sampling stops (stable
/// error rate 0, the least; `more_requests`), and the most the budget can give.
pub fn canary_range(w: (i64, i64), alpha: f64, budget: u64) -> std::ops::RangeInclusive<u64> {
    let share = w.1 as f64 / (w.0 + w.1) as f64;
    let (_, n_c) = health::required_responses(share, alpha, health::DEFAULT_ERROR_TOLERANCE, 0.0)
        .expect("plannable");
    n_c..=budget
}

/// P(health ≠ PASS | canary = stable, no 5xx, no edge errors, P(latency ≤ 48 ms) ≥
/// `coverage`), the largest over every canary sample size the run can stop at
/// ([`equal_pass::miss_bound`]). The 5xx sub-test is Within with certainty there (0 of
/// n_c ≥ the plan's zero-count bound).
pub fn health_not_pass(w: (i64, i64), alpha: f64, budget: u64, coverage: f64) -> f64 {
    equal_pass::miss_bound(canary_range(w, alpha, budget), alpha, coverage)
}

/// P(health ≠ FAIL) under `canary-errors` at `w`, bounded over every canary sample
/// size the run can stop at. For each n_c ≥ the plan's the smallest canary 5xx count
/// k*(n_c) that FAILs is found with the check's own `error_bounds`, with stable given
/// a 1 % error rate over its planned responses (the healthy stable answers none; more
/// stable errors only lower the bound), so P(not FAIL) ≤ max over n_c of
/// P(Bin(n_c, 0.3) < k*(n_c)). The app draws each `GET /` independently.
pub fn canary_errors_not_fail(w: (i64, i64), alpha: f64, budget: u64) -> f64 {
    let share = w.1 as f64 / (w.0 + w.1) as f64;
    let tolerance = health::DEFAULT_ERROR_TOLERANCE;
    let a = alpha / health::plan::SUB_TESTS;
    let (n_s, _) = health::required_responses(share, alpha, tolerance, 0.0).expect("plannable");
    let stable = Counts {
        errors: n_s / 100,
        n: n_s,
    };
    let mut worst: f64 = 0.0;
    for n_c in canary_range(w, alpha, budget) {
        let fails = |k: u64| {
            health::error_bounds(Counts { errors: k, n: n_c }, stable, a, tolerance).finding
                == Finding::Beyond
        };
        assert!(fails(n_c), "n_c {n_c}: all errors must FAIL");
        let (mut lo, mut hi) = (0, n_c);
        while hi - lo > 1 {
            let mid = lo + (hi - lo) / 2;
            if fails(mid) { hi = mid } else { lo = mid }
        }
        let miss = Binomial::new(CANARY_ERROR_RATE, n_c).unwrap().cdf(hi - 1);
        worst = worst.max(miss);
    }
    worst
}

/// P(health ≠ FAIL) under `canary-slow` (every canary `GET /` 250 ms slower): the
/// canary's median lower bound sits in a bucket whose lower edge is at least
/// 250 / (2^(1/32)·1.01) = 242 ms, so the median shift's lower bound exceeds
/// max(50 ms, 20 % of stable's upper bound) as soon as stable's median order statistic
/// of the upper rank is within 48 ms (its bucket's upper edge is then below 50 ms) ([`equal_pass::HEADROOM_MS`]): P(not FAIL) ≤ P(Bin(n_s, π) < r) with
/// r stable's upper rank for the median, the largest over the stable sizes the run can
/// stop at (from the plan's to the budget).
pub fn canary_slow_not_fail(w: (i64, i64), alpha: f64, budget: u64, coverage: f64) -> f64 {
    // Canary's lower edge ≥ 242 ms; stable's upper edge < 50 ms once its median order
    // statistic is within 48 ms; the lower bound of the shift then beats the FAIL
    // tolerance max(50, 0.2 · 50).
    let tol = health::DEFAULT_LATENCY_TOLERANCE_MS;
    let floor = 250.0 / equal_pass::BUCKET_GROWTH_BOUND;
    assert!(floor - tol > tol.max(health::DEFAULT_LATENCY_TOLERANCE_SHARE * tol));
    let share = w.1 as f64 / (w.0 + w.1) as f64;
    let (n_s, _) = health::required_responses(share, alpha, health::DEFAULT_ERROR_TOLERANCE, 0.0)
        .expect("plannable");
    (n_s..=budget)
        .map(|n| equal_pass::quantile_miss(n, 0.5, alpha, coverage))
        .fold(0.0, f64::max)
}

/// The coverage π the health figures need at `w`, α, budget: the smallest with
/// [`health_not_pass`] ≤ [`TARGET`]. Searched over the first 3,000 canary sizes (where
/// the bound is largest: it falls as n_c grows for π above the quantile), then checked
/// over the whole range.
pub fn coverage_needed(w: (i64, i64), alpha: f64, budget: u64) -> f64 {
    let range = canary_range(w, alpha, budget);
    let head = *range.start()..=(*range.start() + 3_000).min(budget);
    let pi = equal_pass::coverage_needed(head, alpha, TARGET).expect("a p95 bound exists");
    let whole = health_not_pass(w, alpha, budget, pi);
    assert!(whole <= TARGET, "π {pi}: {whole:e} over the whole range");
    pi
}

/// Lower estimate of the share of a variant's responses within
/// [`equal_pass::HEADROOM_MS`]: the responses in histogram buckets whose upper edge is at
/// most that, or 0.99 when the HDR p99 (0.1 % resolution) is within it, or 1 when the
/// maximum is.
pub fn measured_coverage(v: &harness::result::VariantStats) -> f64 {
    let headroom = equal_pass::HEADROOM_MS / 1.001;
    let total: u64 = v.histogram.iter().map(|b| b.count).sum();
    let within: u64 = v
        .histogram
        .iter()
        .filter(|b| b.upper_ms <= equal_pass::HEADROOM_MS)
        .map(|b| b.count)
        .sum();
    let from_buckets = within as f64 / total.max(1) as f64;
    let from_summary = if v.latency.max_ms <= headroom {
        1.0
    } else if v.latency.p99_ms <= headroom {
        0.99
    } else {
        0.0
    };
    from_buckets.max(from_summary)
}

/// P(X_(r:n) > Y_(t:m)) for two independent samples of sizes n and m from one
/// distribution: with U = F(X_(r)) ~ Beta(r, n − r + 1) (uniform order statistic),
/// P(Y_(t) < X_(r) | U = u) = P(Bin(m, u) ≥ t), integrated over u (Simpson's rule on
/// ±12 standard deviations of the Beta). For any F, X_(r) > Y_(t) implies the same
/// order between the uniforms F(·) maps them from, so this bounds every distribution
/// (David & Nagaraja 2003, §2.1).
pub fn order_stat_exceeds(r: u64, n: u64, t: u64, m: u64) -> f64 {
    use statrs::distribution::{Beta, Continuous};
    let (a, b) = (r as f64, (n - r + 1) as f64);
    let beta = Beta::new(a, b).unwrap();
    let mean = a / (a + b);
    let sd = (a * b / ((a + b).powi(2) * (a + b + 1.0))).sqrt();
    let (lo, hi) = ((mean - 12.0 * sd).max(0.0), (mean + 12.0 * sd).min(1.0));
    let steps = 800usize;
    let h = (hi - lo) / steps as f64;
    let f = |u: f64| {
        let tail = match Binomial::new(u.clamp(0.0, 1.0), m) {
            Ok(bin) if t > 0 => 1.0 - bin.cdf(t - 1),
            _ => 1.0,
        };
        beta.pdf(u) * tail
    };
    let inner: f64 = (1..steps)
        .map(|i| f(lo + i as f64 * h) * if i % 2 == 1 { 4.0 } else { 2.0 })
        .sum();
    (h / 3.0 * (f(lo) + f(hi) + inner)).clamp(0.0, 1.0)
}

/// P(health ≠ NOT_APPLICABLE) at 99/1 on the healthy twin (no 5xx; the budget cannot
/// give health its plan, so it is NOT_APPLICABLE unless the canary is "shown worse"):
/// the canary is shown worse on latency when a shift's lower bound `L_c − U_s` is
/// above 0, which needs the canary's lower-rank order statistic above stable's
/// upper-rank one ([`order_stat_exceeds`]). Summed over the two quantiles, averaged over
/// the canary count `Bin(N, 0.01)` (±6σ) and maximized over the requests `N` the run
/// can stop at (every 1,000 up to the budget, from 2,000). Latencies independent and
/// equally distributed; no other assumption.
pub fn health_na_99_1_miss(alpha: f64, budget: u64) -> f64 {
    use harness::stats::quantile::{lower_rank, upper_rank};
    let a = alpha / (2.0 * health::plan::SUB_TESTS);
    let mut worst: f64 = 0.0;
    for total in (2_000..=budget).step_by(1_000) {
        let counts = Binomial::new(0.01, total).unwrap();
        let (mean, sd) = (total as f64 * 0.01, (total as f64 * 0.0099).sqrt());
        let lo = (mean - 6.0 * sd).max(1.0) as u64;
        let hi = (mean + 6.0 * sd) as u64;
        let p: f64 = (lo..=hi)
            .map(|n_c| {
                let n_s = total - n_c;
                let shown: f64 = health::QUANTILES
                    .iter()
                    .map(|&q| match (lower_rank(n_c, q, a), upper_rank(n_s, q, a)) {
                        (Some(r), Some(t)) => order_stat_exceeds(r, n_c, t, n_s),
                        _ => 0.0,
                    })
                    .sum();
                counts.pmf(n_c) * shown
            })
            .sum();
        worst = worst.max(p);
    }
    worst
}
