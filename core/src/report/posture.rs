//! Rendering of the `waf-posture` evidence, shared by the text/JUnit, Markdown and
//! HTML renderers (kept here so each renderer adds one call). Pure.

use std::fmt::Write as _;

use super::text::pct;
use crate::result::{PostureCell, PostureEvidence, RunResult};

/// Most groups listed per line in the text form (the rest are in report.json).
const TEXT_ITEMS: usize = 20;

/// The attack corpus's placements in report order (the labels of
/// `harness::checks::waf::corpus::Placement::ALL`; a harness test keeps the two
/// equal). The posture matrix shows its columns in this order, then any placement
/// this build does not know.
pub const PLACEMENT_ORDER: [&str; 9] = [
    "query",
    "path",
    "form",
    "multipart",
    "json",
    "xml",
    "header",
    "cookie",
    "user-agent",
];

fn rate_line(c: &PostureCell) -> String {
    format!(
        "{} of {} ({}, CI [{}, {}])",
        c.blocked,
        c.blocked + c.passed,
        pct(c.rate),
        pct(c.ci_low),
        pct(c.ci_high)
    )
}

fn key(c: &PostureCell) -> &str {
    [&c.category, &c.placement, &c.encoding]
        .into_iter()
        .find(|k| k.as_str() != "*")
        .map(String::as_str)
        .unwrap_or("*")
}

/// The evidence as a few lines (terminal, JUnit body).
pub(crate) fn text(e: &PostureEvidence) -> String {
    let mut out = String::new();
    let o = &e.overall;
    let _ = writeln!(
        out,
        "posture: blocked {}; {} sent, {} passed, {} rate-limited, {} unresolved; \
         {} attacks got through",
        rate_line(o),
        o.sent,
        o.passed,
        o.rate_limited,
        o.unresolved,
        e.missed.len()
    );
    for (title, cells) in [
        ("category", &e.by_category),
        ("placement", &e.by_placement),
        ("encoding", &e.by_encoding),
    ] {
        let items: Vec<String> = cells
            .iter()
            .take(TEXT_ITEMS)
            .map(|c| format!("{} {}", key(c), pct(c.rate)))
            .collect();
        let _ = writeln!(out, "by {title}: {}", items.join(", "));
    }
    for f in &e.floors {
        let _ = writeln!(
            out,
            "floor {} {}: {} {} (CI [{}, {}])",
            f.scope,
            pct(f.floor),
            f.outcome.label(),
            pct(f.rate),
            pct(f.low),
            pct(f.high)
        );
    }
    out
}

/// Markdown section of every posture check of the run (empty when none ran).
pub(crate) fn markdown(run: &RunResult) -> String {
    let mut out = String::new();
    for check in &run.checks {
        let crate::result::Evidence::WafPosture(e) = &check.evidence else {
            continue;
        };
        let _ = writeln!(
            out,
            "\nWAF posture: blocked **{}** of {} resolved attack requests ({} sent), \
             {}% CI [{}, {}]; {} got through (curl commands in report.json and index.html).\n",
            pct(e.overall.rate),
            e.overall.blocked + e.overall.passed,
            e.overall.sent,
            100.0 * (1.0 - e.alpha),
            pct(e.overall.ci_low),
            pct(e.overall.ci_high),
            e.missed.len()
        );
        out.push_str(
            "| Category | Blocked | Rate | Interval | Floor |\n| --- | ---: | ---: | --- | --- |\n",
        );
        for c in &e.by_category {
            let floor = e
                .floors
                .iter()
                .find(|f| f.scope == c.category)
                .map(|f| format!("{} {}", pct(f.floor), f.outcome.label()))
                .unwrap_or_else(|| "–".into());
            let _ = writeln!(
                out,
                "| {} | {}/{} | {} | [{}, {}] | {floor} |",
                c.category.replace('|', "\\|"),
                c.blocked,
                c.blocked + c.passed,
                pct(c.rate),
                pct(c.ci_low),
                pct(c.ci_high)
            );
        }
    }
    out
}

/// One coloured cell of the posture matrix.
pub struct PostureMatrixCell {
    pub label: String,
    pub title: String,
    pub color: String,
}

impl PostureMatrixCell {
    fn new(c: &PostureCell) -> Self {
        let resolved = c.blocked + c.passed;
        // Hue 0 (red) at 0% blocked to 130 (green) at 100%; grey when nothing resolved.
        let color = if resolved == 0 {
            "#eaeef2".to_string()
        } else {
            format!("hsl({:.0}, 70%, 84%)", c.rate * 130.0)
        };
        PostureMatrixCell {
            label: format!("{}/{resolved}", c.blocked),
            title: format!(
                "{} sent: {} blocked, {} passed, {} rate-limited, {} unresolved; {}, interval [{}, {}]",
                c.sent,
                c.blocked,
                c.passed,
                c.rate_limited,
                c.unresolved,
                pct(c.rate),
                pct(c.ci_low),
                pct(c.ci_high)
            ),
            color,
        }
    }
}

/// One category row of the matrix (category × placement, encodings pooled).
pub struct PostureRow {
    pub category: String,
    pub cells: Vec<Option<PostureMatrixCell>>,
    pub total: PostureMatrixCell,
}

/// The HTML section of the posture check.
pub struct PostureView<'a> {
    pub e: &'a PostureEvidence,
    pub placements: Vec<String>,
    pub rows: Vec<PostureRow>,
    pub by_encoding: Vec<(String, PostureMatrixCell)>,
    pub level: String,
}

impl<'a> PostureView<'a> {
    pub fn new(e: &'a PostureEvidence) -> Self {
        // Placements in the corpus's order, then any this build does not know.
        let mut placements: Vec<&str> = PLACEMENT_ORDER
            .iter()
            .copied()
            .filter(|l| e.cells.iter().any(|c| c.placement == *l))
            .collect();
        for p in super::text::distinct(e.cells.iter().map(|c| c.placement.as_str())) {
            if !placements.contains(&p) {
                placements.push(p);
            }
        }
        let rows = e
            .by_category
            .iter()
            .map(|total| {
                let cells = placements
                    .iter()
                    .map(|p| {
                        let mut pooled = PostureCell::default();
                        for c in e
                            .cells
                            .iter()
                            .filter(|c| c.category == total.category && c.placement == *p)
                        {
                            pooled.sent += c.sent;
                            pooled.blocked += c.blocked;
                            pooled.passed += c.passed;
                            pooled.rate_limited += c.rate_limited;
                            pooled.unresolved += c.unresolved;
                        }
                        (pooled.sent > 0).then(|| {
                            let n = pooled.blocked + pooled.passed;
                            let ci =
                                crate::stats::binomial::clopper_pearson(pooled.blocked, n, e.alpha);
                            pooled.rate = if n == 0 {
                                0.0
                            } else {
                                pooled.blocked as f64 / n as f64
                            };
                            (pooled.ci_low, pooled.ci_high) = (ci.low, ci.high);
                            PostureMatrixCell::new(&pooled)
                        })
                    })
                    .collect();
                PostureRow {
                    category: total.category.clone(),
                    cells,
                    total: PostureMatrixCell::new(total),
                }
            })
            .collect();
        PostureView {
            e,
            placements: placements.into_iter().map(String::from).collect(),
            rows,
            by_encoding: e
                .by_encoding
                .iter()
                .map(|c| (c.encoding.clone(), PostureMatrixCell::new(c)))
                .collect(),
            level: pct(1.0 - e.alpha),
        }
    }
}
