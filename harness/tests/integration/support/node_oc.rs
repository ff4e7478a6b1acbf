//! Chances of a wrong verdict of the split check's per-node rule on the twin's edge
//! nodes (`core/src/checks/split/nodes`), computed from the rule's own pieces: the
//! planned looks and calibrated level of the monitor, Clopper–Pearson intervals at
//! `α'/k` per node (Bonferroni over the `k` nodes), the chi-square test of homogeneity
//! at `NODE_ALPHA`, and exact binomial tails. Node sizes are not fixed by the design:
//! the sampler starts its connection slots on the nodes in turn, so equal nodes each
//! serve about `1/k` of the responses; the figures assume every node serves at least
//! [`min_node_share`] of each look's responses, and the tests assert it on the run.
//! The smallest node is the worst case for every term (the chances fall as a node's
//! count grows), so each term is taken there.

#![allow(dead_code)]

use harness::checks::split::NODE_ALPHA;
use harness::stats::group_sequential::{operating, rules};
use harness::stats::homogeneity::MIN_EXPECTED;
use harness::stats::{Band, Decision, clopper_pearson};
use statrs::distribution::{Binomial, ChiSquared, Continuous, ContinuousCDF, DiscreteCDF};

use super::twin_oc::monitor;

/// The twin's edge nodes: one per availability zone shared-infra declares.
pub fn edge_nodes() -> usize {
    let app_infra = harness::twin::terraform::app_infra_dir();
    harness::twin::terraform::zones::edge_nodes(&app_infra).unwrap()
}

/// Share of the even split `1/k` a node is assumed to serve at least: half, so a node
/// answering at half the others' pace is still covered.
pub const NODE_SHARE_OF_EVEN: f64 = 0.5;

/// The least share of a look's responses each of `nodes` edge nodes serves, assumed by
/// the figures here: [`NODE_SHARE_OF_EVEN`]` / k`.
pub fn min_node_share(nodes: usize) -> f64 {
    NODE_SHARE_OF_EVEN / nodes as f64
}

/// P(Bin(n, p) ≤ x).
fn cdf(n: u64, p: f64, x: i64) -> f64 {
    if x < 0 {
        return 0.0;
    }
    Binomial::new(p, n).unwrap().cdf(x as u64)
}

/// The largest x in 0..=n with `f(x)` (true on a prefix of 0..=n), or -1.
fn last_true(n: u64, f: impl Fn(u64) -> bool) -> i64 {
    if !f(0) {
        return -1;
    }
    let (mut lo, mut hi) = (0, n + 1);
    while hi - lo > 1 {
        let mid = lo + (hi - lo) / 2;
        if f(mid) { lo = mid } else { hi = mid }
    }
    lo as i64
}

/// P(the `1 − a` Clopper–Pearson interval of Bin(n, p) is `d` relative to `band`).
fn p_decision(n: u64, p: f64, a: f64, band: Band, d: Decision) -> f64 {
    let iv = |x| clopper_pearson(x, n, a);
    // Outside below: high < low edge (a prefix); outside above: low > high edge.
    let below = last_true(n, |x| iv(x).high < band.low());
    let not_above = last_true(n, |x| iv(x).low <= band.high());
    let outside = cdf(n, p, below) + (1.0 - cdf(n, p, not_above));
    // Inside: low ≥ low edge (a suffix) and high ≤ high edge (a prefix).
    let first_in = last_true(n, |x| iv(x).low < band.low()) + 1;
    let last_in = last_true(n, |x| iv(x).high <= band.high());
    let inside = if first_in <= last_in {
        cdf(n, p, last_in) - cdf(n, p, first_in - 1)
    } else {
        0.0
    };
    match d {
        Decision::Outside => outside,
        Decision::Inside => inside,
        Decision::Undecided => (1.0 - outside - inside).max(0.0),
    }
}

/// P(X²_s ≥ c and X²_1 ≥ c) for Pearson's homogeneity statistic on `df` degrees of
/// freedom at two looks holding shares `s` ≤ 1 and 1 of the last look's responses,
/// nodes equal (the test's large-sample model: each look's statistic is `|W(t)|²/t`
/// for a `df`-dimensional Brownian motion `W`). Given `X²_s = u`, `|W(1)|²/(1 − s)` is
/// noncentral chi-square with `df` degrees of freedom and noncentrality `u·s/(1 − s)`
/// (a Poisson mixture of central ones); integrated over `u ≥ c` by Simpson's rule.
pub fn both_rejected(df: f64, s: f64, level: f64) -> f64 {
    let chi = |d: f64| ChiSquared::new(d).unwrap();
    let c = chi(df).inverse_cdf(1.0 - level);
    if s >= 1.0 {
        return level;
    }
    let x = c / (1.0 - s);
    let noncentral_tail = |lambda: f64| {
        let half = lambda / 2.0;
        let terms = (half + 12.0 * half.sqrt() + 30.0) as u64;
        let mut weight = (-half).exp();
        let mut sum = 0.0;
        for i in 0..=terms {
            if i > 0 {
                weight *= half / i as f64;
            }
            sum += weight * chi(df + 2.0 * i as f64).sf(x);
        }
        sum
    };
    let f = |u: f64| chi(df).pdf(u) * noncentral_tail(u * s / (1.0 - s));
    let (lo, hi, steps) = (c, c + 80.0, 400usize);
    let h = (hi - lo) / steps as f64;
    let inner: f64 = (1..steps)
        .map(|i| f(lo + i as f64 * h) * if i % 2 == 1 { 4.0 } else { 2.0 })
        .sum();
    (h / 3.0 * (f(lo) + f(hi) + inner)).clamp(0.0, level)
}

/// P(split ≠ PASS | every one of `nodes` nodes routes the configured share), the
/// pooled design's own miss included. Beyond it, the node rule changes a verdict only
/// by (1) a node FAIL, which needs some node's interval entirely outside the band at a
/// look; or (2) holding back the pooled PASS of the first look `j*` whose pooled
/// interval lies inside the band (homogeneity rejected at `NODE_ALPHA` with a node's
/// interval across an edge, or counts too small to compare), after which the run goes
/// on and ends without PASS only if a later pooled interval lies outside the band, or
/// the last look's pooled interval is not inside it, or the last look holds back too,
/// which needs homogeneity rejected there (its counts are asserted large enough to
/// compare: every expected count is at least the smallest node times the band's nearer
/// edge). Terms: (1) and the later pooled FAILs summed over looks and nodes at the
/// smallest node, the rejection they need left out; the last pooled interval; and
/// `Σ_j P(j* = j)·P(rejected at j and at the last look)` ([`both_rejected`]; the pooled
/// path is independent of the within-node deviations in the large-sample model, and a
/// look whose counts may be too small to compare takes `NODE_ALPHA` alone).
pub fn node_rule_not_pass(w: (i64, i64), alpha: f64, budget: u64, nodes: usize) -> f64 {
    let m = monitor(w, alpha, budget, None);
    let Some(a) = m.nominal_level() else {
        return 0.0;
    };
    let band = m.band();
    let (p, k) = (band.center, nodes as f64);
    let looks = m.planned_looks();
    let small = |n: u64| (min_node_share(nodes) * n as f64).floor() as u64;
    let nearer = band.low().min(1.0 - band.high());
    let comparable = |n: u64| small(n) as f64 * nearer >= MIN_EXPECTED;
    let last = *looks.last().unwrap();
    assert!(
        comparable(last),
        "last look {last}: nodes too small to compare"
    );
    let rules = rules(&looks, band, a);
    let mut total = 1.0 - operating(&rules, p).pass;
    let mut passed_before = 0.0;
    for (j, &n) in looks.iter().enumerate() {
        total += k * p_decision(small(n), p, a / k, band, Decision::Outside);
        total += p_decision(n, p, a, band, Decision::Outside);
        let passed = operating(&rules[..=j], p).pass;
        let held = if comparable(n) {
            both_rejected(k - 1.0, n as f64 / last as f64, NODE_ALPHA)
        } else {
            NODE_ALPHA
        };
        total += (passed - passed_before).max(0.0) * held;
        passed_before = passed;
    }
    total += 1.0 - p_decision(last, p, a, band, Decision::Inside);
    total.min(1.0)
}

/// P(split ≠ FAIL naming the stale node) when the listener says `w`, `nodes − 1` nodes
/// route share `fresh` and the last routes `stale` (below `fresh`). The FAIL names it at any look
/// where homogeneity is rejected, its interval lies outside the band, and it is the
/// most deviant such node. With tolerance `d = |fresh − stale| / 4`, every fresh node's
/// share within `d` of `fresh` and the stale one's within `d` of `stale` make the three
/// hold, which is checked at each look: (a) Pearson's X² is at least that of the table
/// collapsed to (stale, the rest) (Jensen), which is at least
/// `4 n_s n_r / n · (|fresh − stale| − 2d)²`, compared with the chi-square quantile at
/// `1 − NODE_ALPHA` on `k − 1` df; every expected count at least `MIN_EXPECTED`;
/// (b) the stale node's interval at `α'/k` with share up to `stale + d` lies below
/// the band; (c) a fresh node deviates from the band's centre by less than the stale node.
/// A look where a check fails counts 1. Else the miss at a look is at most the
/// binomial tails beyond `d`, summed over the nodes; summed over the looks.
pub fn stale_node_not_named(
    w: (i64, i64),
    alpha: f64,
    budget: u64,
    nodes: usize,
    (fresh, stale): (f64, f64),
) -> f64 {
    assert!(
        fresh > stale,
        "the figure is written for a stale node below the others"
    );
    let m = monitor(w, alpha, budget, None);
    let a = m.nominal_level().expect("an interior split");
    let band = m.band();
    let k = nodes as f64;
    let share = min_node_share(nodes);
    let d = (fresh - stale).abs() / 4.0;
    let crit = ChiSquared::new(k - 1.0)
        .unwrap()
        .inverse_cdf(1.0 - NODE_ALPHA);
    let tails = |n: u64, p: f64| {
        let lo = ((p - d) * n as f64).ceil() as i64 - 1;
        let hi = ((p + d) * n as f64).floor() as i64;
        cdf(n, p, lo) + (1.0 - cdf(n, p, hi))
    };
    let mut total = 0.0;
    for n in m.planned_looks() {
        let n_s = (share * n as f64).floor() as u64;
        let collapsed =
            4.0 * share * (1.0 - share) * n as f64 * ((fresh - stale).abs() - 2.0 * d).powi(2);
        // Pooled share bounds (fresh above stale): the fresh nodes hold at least
        // (k − 1)·share of the responses, the stale node at least share.
        let pooled_low = (k - 1.0) * share * (fresh - d);
        let pooled_high = 1.0 - share * (1.0 - stale - d);
        let expected = n_s as f64 * pooled_low.min(1.0 - pooled_high);
        let iv = |x: f64| clopper_pearson(x as u64, n_s, a / k);
        let stale_outside = iv(((stale + d) * n_s as f64).floor()).high < band.low();
        let most_deviant = (fresh - band.center).abs() + d < (stale - band.center).abs() - d;
        if collapsed < crit || expected < MIN_EXPECTED || !stale_outside || !most_deviant {
            total += 1.0;
            continue;
        }
        total += (k - 1.0) * tails(n_s, fresh) + tails(n_s, stale);
    }
    total.min(1.0)
}
