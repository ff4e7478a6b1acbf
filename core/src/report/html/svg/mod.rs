//! Hand-rolled inline SVG plots for the HTML report.
//!
//! Why not plotters' SVG backend: these four plots are a few dozen elements each, and
//! writing them directly gives byte-stable output for snapshots, CSS classes instead of
//! baked-in colours (one stylesheet themes screen and print), text that inherits the
//! page font, and full control over escaping, with no extra dependency. Every string
//! taken from the model goes through [`esc`]; numbers are formatted with fixed
//! precision. Point counts are capped ([`MAX_PATH_POINTS`], [`MAX_CDF_POINTS`]) so the
//! report size does not depend on the number of requests.

use std::fmt::Write as _;

mod latency;
mod sparkline;

pub use latency::latency_cdf;
pub use sparkline::sparkline;

use crate::report::text::pct;
use crate::result::PathPoint;

/// Most points of the sequential path drawn; longer paths are thinned evenly (first
/// and last look kept).
pub const MAX_PATH_POINTS: usize = 200;
/// Most histogram buckets drawn per CDF; more are merged.
pub const MAX_CDF_POINTS: usize = 200;
/// Plot width in SVG user units (scales to the container via `viewBox`).
const W: f64 = 640.0;
/// Left margin for the y-axis labels.
const ML: f64 = 52.0;
/// Right margin.
const MR: f64 = 14.0;

/// Escapes text for SVG/HTML content and attribute values.
pub fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A linear map from a data range onto a pixel range.
#[derive(Debug, Clone, Copy)]
struct Scale {
    d0: f64,
    d1: f64,
    p0: f64,
    p1: f64,
}

impl Scale {
    fn new(d0: f64, d1: f64, p0: f64, p1: f64) -> Self {
        let d1 = if d1 > d0 { d1 } else { d0 + 1e-9 };
        Scale { d0, d1, p0, p1 }
    }
    fn at(&self, v: f64) -> f64 {
        let t = ((v - self.d0) / (self.d1 - self.d0)).clamp(-0.05, 1.05);
        self.p0 + t * (self.p1 - self.p0)
    }
}

/// "Nice" tick values covering [lo, hi]: steps of 1, 2 or 5 times a power of ten.
fn ticks(lo: f64, hi: f64, target: usize) -> Vec<f64> {
    if hi.partial_cmp(&lo) != Some(std::cmp::Ordering::Greater)
        || !lo.is_finite()
        || !hi.is_finite()
    {
        return vec![lo];
    }
    let raw = (hi - lo) / target.max(1) as f64;
    let mag = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|m| m * mag)
        .find(|s| *s >= raw)
        .unwrap_or(10.0 * mag);
    let mut t = (lo / step).ceil() * step;
    let mut out = Vec::new();
    while t <= hi + step * 1e-9 && out.len() < 50 {
        out.push(if t.abs() < step * 1e-9 { 0.0 } else { t });
        t += step;
    }
    out
}

/// A compact count label ("950", "12k", "1.2M").
fn count_label(v: f64) -> String {
    if v >= 1e6 {
        format!("{:.1}M", v / 1e6)
    } else if v >= 1e4 {
        format!("{:.0}k", v / 1e3)
    } else if v >= 1e3 {
        format!("{:.1}k", v / 1e3)
    } else {
        format!("{v:.0}")
    }
}

/// Configured vs observed share: the equivalence band, the configured share and the
/// observed share with its interval, on one horizontal axis.
pub fn interval_plot(configured: f64, margin: f64, observed: f64, low: f64, high: f64) -> String {
    let h = 96.0;
    let (band_lo, band_hi) = (configured - margin, configured + margin);
    let lo = band_lo.min(low).min(observed);
    let hi = band_hi.max(high).max(observed);
    let pad = ((hi - lo) * 0.15).max(0.002);
    let x = Scale::new((lo - pad).max(0.0), (hi + pad).min(1.0), ML, W - MR);
    let y_axis = 62.0;
    let mut s = String::new();
    let _ = write!(
        s,
        r#"<svg class="plot" viewBox="0 0 {W} {h}" role="img" aria-label="configured versus observed canary share"><title>Configured {c} ± {m}; observed {o} [{l}, {u}]</title>"#,
        c = pct(configured),
        m = pct(margin),
        o = pct(observed),
        l = pct(low),
        u = pct(high),
    );
    let _ = write!(
        s,
        r#"<rect class="band" x="{:.1}" y="8" width="{:.1}" height="{:.1}"/>"#,
        x.at(band_lo),
        (x.at(band_hi) - x.at(band_lo)).max(0.5),
        y_axis - 8.0
    );
    let _ = write!(
        s,
        r#"<text class="lbl" x="{:.1}" y="19" text-anchor="middle">equivalence band</text>"#,
        (x.at(band_lo) + x.at(band_hi)) / 2.0
    );
    let _ = write!(
        s,
        r#"<line class="ref" x1="{0:.1}" y1="8" x2="{0:.1}" y2="{1:.1}"/>"#,
        x.at(configured),
        y_axis
    );
    let cy = 40.0;
    let _ = write!(
        s,
        r#"<line class="ci" x1="{:.1}" y1="{cy}" x2="{:.1}" y2="{cy}"/><line class="ci" x1="{2:.1}" y1="{3}" x2="{2:.1}" y2="{4}"/><line class="ci" x1="{5:.1}" y1="{3}" x2="{5:.1}" y2="{4}"/>"#,
        x.at(low),
        x.at(high),
        x.at(low),
        cy - 7.0,
        cy + 7.0,
        x.at(high)
    );
    let _ = write!(
        s,
        r#"<circle class="obs" cx="{:.1}" cy="{cy}" r="5"/>"#,
        x.at(observed)
    );
    axis_x(&mut s, &x, y_axis, pct);
    s.push_str("</svg>");
    s
}

/// Draws a horizontal axis with ticks and labels at `y`.
fn axis_x(s: &mut String, x: &Scale, y: f64, label: impl Fn(f64) -> String) {
    let _ = write!(
        s,
        r#"<line class="axis" x1="{:.1}" y1="{y}" x2="{:.1}" y2="{y}"/>"#,
        x.p0, x.p1
    );
    for t in ticks(x.d0, x.d1, 6) {
        let px = x.at(t);
        let _ = write!(
            s,
            r#"<line class="axis" x1="{px:.1}" y1="{y}" x2="{px:.1}" y2="{:.1}"/><text class="tick" x="{px:.1}" y="{:.1}" text-anchor="middle">{}</text>"#,
            y + 4.0,
            y + 16.0,
            esc(&label(t))
        );
    }
}

/// Draws a vertical axis with grid lines and labels.
fn axis_y(
    s: &mut String,
    y: &Scale,
    x0: f64,
    x1: f64,
    ticks_at: &[f64],
    label: impl Fn(f64) -> String,
) {
    for &t in ticks_at {
        let py = y.at(t);
        let _ = write!(
            s,
            r#"<line class="grid" x1="{x0:.1}" y1="{py:.1}" x2="{x1:.1}" y2="{py:.1}"/><text class="tick" x="{:.1}" y="{:.1}" text-anchor="end">{}</text>"#,
            x0 - 5.0,
            py + 4.0,
            esc(&label(t))
        );
    }
}

/// Evenly thins `points` to at most `max`, keeping the first and the last.
pub fn thin<T: Copy>(points: &[T], max: usize) -> Vec<T> {
    if points.len() <= max || max < 2 {
        return points.to_vec();
    }
    let last = points.len() - 1;
    (0..max)
        .map(|i| points[(i * last + (max - 1) / 2) / (max - 1)])
        .collect()
}

/// The sequential path: observed share against responses sampled, with the
/// repeated confidence intervals narrowing inside (or missing) the equivalence band.
pub fn path_plot(path: &[PathPoint], configured: f64, margin: f64) -> String {
    let h = 260.0;
    let (top, bottom) = (12.0, h - 34.0);
    let pts = thin(path, MAX_PATH_POINTS);
    let n_max = pts.iter().map(|p| p.n).max().unwrap_or(1).max(1) as f64;
    let last = pts.last().copied().unwrap_or_default();
    // Show the band generously and the final interval; earlier wide intervals are clipped.
    let lo = (configured - 3.0 * margin).min(last.low).max(0.0);
    let hi = (configured + 3.0 * margin).max(last.high).min(1.0);
    let x = Scale::new(0.0, n_max, ML, W - MR);
    let y = Scale::new(lo, hi, bottom, top);
    let mut s = String::new();
    let _ = write!(
        s,
        r#"<svg class="plot" viewBox="0 0 {W} {h}" role="img" aria-label="sequential path of the canary share"><title>Observed canary share and its confidence sequence over {} looks</title><defs><clipPath id="path-clip"><rect x="{ML}" y="{top}" width="{:.1}" height="{:.1}"/></clipPath></defs>"#,
        path.len(),
        W - MR - ML,
        bottom - top
    );
    axis_y(&mut s, &y, ML, W - MR, &ticks(lo, hi, 5), pct);
    let _ = write!(s, r#"<g clip-path="url(#path-clip)">"#);
    let _ = write!(
        s,
        r#"<rect class="band" x="{ML}" y="{:.1}" width="{:.1}" height="{:.1}"/>"#,
        y.at(configured + margin),
        W - MR - ML,
        (y.at(configured - margin) - y.at(configured + margin)).max(0.5)
    );
    let _ = write!(
        s,
        r#"<line class="ref" x1="{ML}" y1="{0:.1}" x2="{1:.1}" y2="{0:.1}"/>"#,
        y.at(configured),
        W - MR
    );
    if !pts.is_empty() {
        let mut area = String::new();
        for p in &pts {
            let _ = write!(area, "{:.1},{:.1} ", x.at(p.n as f64), y.at(p.high));
        }
        for p in pts.iter().rev() {
            let _ = write!(area, "{:.1},{:.1} ", x.at(p.n as f64), y.at(p.low));
        }
        let _ = write!(s, r#"<polygon class="cs" points="{}"/>"#, area.trim_end());
        let line: Vec<String> = pts
            .iter()
            .map(|p| format!("{:.1},{:.1}", x.at(p.n as f64), y.at(p.share)))
            .collect();
        let _ = write!(
            s,
            r#"<polyline class="share" points="{}"/>"#,
            line.join(" ")
        );
        if pts.len() <= 40 {
            for p in &pts {
                let _ = write!(
                    s,
                    r#"<circle class="look" cx="{:.1}" cy="{:.1}" r="2.5"/>"#,
                    x.at(p.n as f64),
                    y.at(p.share)
                );
            }
        }
    }
    s.push_str("</g>");
    axis_x(&mut s, &x, bottom, count_label);
    let _ = write!(
        s,
        r#"<text class="lbl" x="{:.1}" y="{:.1}" text-anchor="end">responses sampled</text></svg>"#,
        W - MR,
        h - 2.0
    );
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_are_nice_and_cover_the_range() {
        let t = ticks(0.0, 1.0, 5);
        let want = [0.0, 0.2, 0.4, 0.6, 0.8, 1.0];
        assert_eq!(t.len(), want.len(), "{t:?}");
        assert!(
            t.iter().zip(want).all(|(a, b)| (a - b).abs() < 1e-9),
            "{t:?}"
        );
        let t = ticks(0.07, 0.13, 6);
        assert!(
            t.first().unwrap() >= &0.07 && t.last().unwrap() <= &0.13,
            "{t:?}"
        );
        assert!(t.len() >= 3, "{t:?}");
        assert_eq!(ticks(1.0, 1.0, 5), vec![1.0]);
    }

    #[test]
    fn thinning_keeps_ends_and_caps_count() {
        let v: Vec<u32> = (0..10_000).collect();
        let t = thin(&v, 200);
        assert_eq!(t.len(), 200);
        assert_eq!((t[0], *t.last().unwrap()), (0, 9_999));
        assert!(t.windows(2).all(|w| w[0] < w[1]));
        assert_eq!(thin(&v[..5], 200), v[..5].to_vec());
    }

    #[test]
    fn escapes_markup() {
        assert_eq!(
            esc("<a href=\"x\">'&'</a>"),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;"
        );
    }

    #[test]
    fn plots_survive_degenerate_input() {
        for svg in [
            path_plot(&[], 0.1, 0.02),
            latency_cdf(&[], &[]),
            sparkline(&[None, None], None, |v| v.to_string()),
            interval_plot(0.0, 0.0, 0.0, 0.0, 0.0),
        ] {
            assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"), "{svg}");
            assert!(!svg.contains("NaN") && !svg.contains("inf"), "{svg}");
        }
    }
}
