//! The latency plot of the HTML report: the cumulative distribution of stable and
//! canary latencies, drawn from the exported histogram buckets.

use std::fmt::Write as _;

use super::{MAX_CDF_POINTS, ML, MR, Scale, W, axis_y, esc, thin};
use crate::result::HistogramBucket;

/// Cumulative (upper_ms, fraction) points of a histogram, merged to at most `max`.
fn cdf(buckets: &[HistogramBucket], max: usize) -> Vec<(f64, f64)> {
    let total: u64 = buckets.iter().map(|b| b.count).sum();
    if total == 0 {
        return Vec::new();
    }
    let mut acc = 0u64;
    let points: Vec<(f64, f64)> = buckets
        .iter()
        .filter(|b| b.upper_ms.is_finite() && b.upper_ms > 0.0)
        .map(|b| {
            acc += b.count;
            (b.upper_ms, acc as f64 / total as f64)
        })
        .collect();
    thin(&points, max)
}

/// Latency CDF of stable and canary from their histogram buckets, log-scaled in ms.
pub fn latency_cdf(stable: &[HistogramBucket], canary: &[HistogramBucket]) -> String {
    let h = 240.0;
    let (top, bottom) = (12.0, h - 34.0);
    let series = [
        ("stable", cdf(stable, MAX_CDF_POINTS)),
        ("canary", cdf(canary, MAX_CDF_POINTS)),
    ];
    let all = series.iter().flat_map(|(_, p)| p.iter().map(|(v, _)| *v));
    let (mut lo, mut hi) = (f64::INFINITY, 0.0f64);
    for v in all {
        lo = lo.min(v);
        hi = hi.max(v);
    }
    let mut s = String::new();
    let _ = write!(
        s,
        r#"<svg class="plot" viewBox="0 0 {W} {h}" role="img" aria-label="latency distribution per variant"><title>Cumulative share of responses by latency (log scale)</title>"#
    );
    if !lo.is_finite() {
        s.push_str(r#"<text class="lbl" x="320" y="120" text-anchor="middle">no latency data</text></svg>"#);
        return s;
    }
    let (l0, l1) = (
        lo.log10().floor(),
        hi.log10().ceil().max(lo.log10().floor() + 1.0),
    );
    let x = Scale::new(l0, l1, ML, W - MR);
    let y = Scale::new(0.0, 1.0, bottom, top);
    axis_y(&mut s, &y, ML, W - MR, &[0.0, 0.25, 0.5, 0.75, 1.0], |v| {
        format!("{:.0}%", v * 100.0)
    });
    for (class, points) in &series {
        if points.is_empty() {
            continue;
        }
        // A step function: flat until each bucket's upper bound, then up.
        let mut path = format!("M{:.1},{:.1}", x.at(points[0].0.log10()), y.at(0.0));
        let mut prev_y = y.at(0.0);
        for (v, f) in points {
            let px = x.at(v.log10());
            let _ = write!(path, " L{px:.1},{prev_y:.1} L{px:.1},{:.1}", y.at(*f));
            prev_y = y.at(*f);
        }
        let _ = write!(s, r#"<path class="cdf {class}" d="{path}"/>"#);
    }
    // Decade and 2x/5x ticks on the log axis.
    let _ = write!(
        s,
        r#"<line class="axis" x1="{ML}" y1="{bottom}" x2="{:.1}" y2="{bottom}"/>"#,
        W - MR
    );
    let mut e = l0;
    while e <= l1 {
        for m in [1.0, 2.0, 5.0] {
            let v = m * 10f64.powf(e);
            let lv = v.log10();
            if lv < l0 - 1e-9 || lv > l1 + 1e-9 {
                continue;
            }
            let px = x.at(lv);
            let label = if v >= 1000.0 {
                format!("{:.0} s", v / 1000.0)
            } else if v >= 1.0 {
                format!("{v:.0} ms")
            } else {
                format!("{v} ms")
            };
            let _ = write!(
                s,
                r#"<line class="axis" x1="{px:.1}" y1="{bottom}" x2="{px:.1}" y2="{:.1}"/><text class="tick" x="{px:.1}" y="{:.1}" text-anchor="middle">{}</text>"#,
                bottom + 4.0,
                bottom + 16.0,
                esc(&label)
            );
        }
        e += 1.0;
    }
    let _ = write!(
        s,
        r#"<g class="legend"><line class="cdf stable" x1="{0:.1}" y1="24" x2="{1:.1}" y2="24"/><text class="lbl" x="{2:.1}" y="28">stable</text><line class="cdf canary" x1="{0:.1}" y1="42" x2="{1:.1}" y2="42"/><text class="lbl" x="{2:.1}" y="46">canary</text></g>"#,
        ML + 12.0,
        ML + 36.0,
        ML + 42.0
    );
    s.push_str("</svg>");
    s
}
