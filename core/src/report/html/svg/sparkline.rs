//! The trend sparklines of `reports/index.html`: one value per past run.

use std::fmt::Write as _;

use super::{Scale, esc};

/// A small trend line of values across runs (oldest left); gaps for missing values.
pub fn sparkline(
    values: &[Option<f64>],
    reference: Option<f64>,
    label: impl Fn(f64) -> String,
) -> String {
    let (w, h) = (300.0, 64.0);
    let present: Vec<f64> = values
        .iter()
        .flatten()
        .copied()
        .filter(|v| v.is_finite())
        .collect();
    let mut s = format!(r#"<svg class="spark" viewBox="0 0 {w} {h}" role="img">"#);
    if present.is_empty() {
        s.push_str(
            r#"<text class="lbl" x="150" y="36" text-anchor="middle">no data yet</text></svg>"#,
        );
        return s;
    }
    let mut lo = present.iter().copied().fold(f64::INFINITY, f64::min);
    let mut hi = present.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if let Some(r) = reference {
        lo = lo.min(r);
        hi = hi.max(r);
    }
    let pad = ((hi - lo) * 0.1).max(hi.abs() * 0.05).max(1e-6);
    let x = Scale::new(0.0, (values.len().max(2) - 1) as f64, 6.0, w - 6.0);
    let y = Scale::new(lo - pad, hi + pad, h - 16.0, 6.0);
    if let Some(r) = reference {
        let _ = write!(
            s,
            r#"<line class="ref" x1="6" y1="{0:.1}" x2="{1:.1}" y2="{0:.1}"/>"#,
            y.at(r),
            w - 6.0
        );
    }
    let mut segment: Vec<String> = Vec::new();
    let flush = |s: &mut String, seg: &mut Vec<String>| {
        if seg.len() > 1 {
            let _ = write!(s, r#"<polyline class="trend" points="{}"/>"#, seg.join(" "));
        }
        seg.clear();
    };
    for (i, v) in values.iter().enumerate() {
        match v {
            Some(v) if v.is_finite() => {
                let (px, py) = (x.at(i as f64), y.at(*v));
                segment.push(format!("{px:.1},{py:.1}"));
                let _ = write!(
                    s,
                    r#"<circle class="pt" cx="{px:.1}" cy="{py:.1}" r="2.5"/>"#
                );
            }
            _ => flush(&mut s, &mut segment),
        }
    }
    flush(&mut s, &mut segment);
    let _ = write!(
        s,
        r#"<text class="tick" x="6" y="{:.1}">min {}</text><text class="tick" x="{:.1}" y="{:.1}" text-anchor="end">max {}</text></svg>"#,
        h - 3.0,
        esc(&label(
            present.iter().copied().fold(f64::INFINITY, f64::min)
        )),
        w - 6.0,
        h - 3.0,
        esc(&label(
            present.iter().copied().fold(f64::NEG_INFINITY, f64::max)
        ))
    );
    s
}
