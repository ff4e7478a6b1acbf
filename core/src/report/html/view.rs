//! View models of the run page: the result model plus what the template should not
//! compute (plots, anchors, WAF matrix layout, colours).

use crate::report::text::{category_totals, distinct};
use crate::result::{
    CheckResult, Evidence, HealthEvidence, SampleSummary, ScaleEvidence, SplitEvidence,
    TlsEvidence, VariantStats, Verdict, WafCell, WafEvidence,
};

use super::svg;

/// CSS class of a verdict.
pub fn class(verdict: Verdict) -> &'static str {
    verdict.token()
}

/// One entry of the verdict-state legend under the checks table.
pub struct StateView {
    pub label: &'static str,
    pub class: &'static str,
    pub meaning: &'static str,
}

/// The five verdict states, worst first, with what each means for the reader (the
/// definitions are those of [`Verdict`]).
pub fn states() -> Vec<StateView> {
    Verdict::ALL
        .iter()
        .rev()
        .map(|&v| StateView {
            label: v.label(),
            class: class(v),
            meaning: match v {
                Verdict::Fail => "the evidence shows a deviation (exit 1)",
                Verdict::Error => "a read or probe failed, the check could not finish (exit 4)",
                Verdict::Inconclusive => "not enough evidence either way (exit 3)",
                Verdict::Pass => "the deployment does what is configured (exit 0)",
                Verdict::NotApplicable => "the check cannot apply here; left out of the verdict",
            },
        })
        .collect()
}

/// One check's section.
pub struct CheckView<'a> {
    pub check: &'a CheckResult,
    pub class: &'static str,
    /// NOT_APPLICABLE: shown greyed, the summary as the reason.
    pub not_applicable: bool,
    /// ERROR: the summary is the failed read or probe.
    pub errored: bool,
    pub anchor: String,
    pub title: String,
    pub split: Option<SplitView<'a>>,
    pub scale: Option<&'a ScaleEvidence>,
    pub health: Option<&'a HealthEvidence>,
    pub tls: Option<&'a TlsEvidence>,
    pub waf: Option<WafView<'a>>,
    pub posture: Option<crate::report::posture::PostureView<'a>>,
}

impl<'a> CheckView<'a> {
    pub fn new(check: &'a CheckResult) -> Self {
        let mut v = CheckView {
            check,
            class: class(check.verdict),
            not_applicable: check.verdict == Verdict::NotApplicable,
            errored: check.verdict == Verdict::Error,
            anchor: check
                .name
                .chars()
                .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
                .collect(),
            title: match check.name.as_str() {
                "split" => "Traffic split".into(),
                "scale" => "Scale to zero".into(),
                "health" => "Canary health".into(),
                "tls" => "TLS".into(),
                "waf" => "WAF".into(),
                "waf-posture" => "WAF posture".into(),
                other => other.into(),
            },
            split: None,
            scale: None,
            health: None,
            tls: None,
            waf: None,
            posture: None,
        };
        match &check.evidence {
            Evidence::Split(e) => v.split = Some(SplitView::new(e)),
            Evidence::Scale(e) => v.scale = Some(e),
            Evidence::Health(e) => v.health = Some(e),
            Evidence::Tls(e) => v.tls = Some(e.as_ref()),
            Evidence::Waf(e) => v.waf = Some(WafView::new(e)),
            Evidence::WafPosture(e) => {
                v.posture = Some(crate::report::posture::PostureView::new(e))
            }
            Evidence::None => {}
        }
        v
    }
}

/// The split section.
pub struct SplitView<'a> {
    pub e: &'a SplitEvidence,
    pub band_low: f64,
    pub band_high: f64,
    pub interval_svg: String,
    pub path_svg: String,
    pub looks: usize,
    pub drawn: usize,
    /// The homogeneity test across nodes in words; empty with fewer than two nodes.
    pub homogeneity: String,
}

impl<'a> SplitView<'a> {
    fn new(e: &'a SplitEvidence) -> Self {
        SplitView {
            e,
            band_low: e.band().0,
            band_high: e.band().1,
            interval_svg: svg::interval_plot(
                e.configured_share,
                e.decision_margin(),
                e.observed_share,
                e.ci_low,
                e.ci_high,
            ),
            path_svg: svg::path_plot(&e.path, e.configured_share, e.decision_margin()),
            looks: e.path.len(),
            drawn: e.path.len().min(svg::MAX_PATH_POINTS),
            homogeneity: e
                .node_homogeneity
                .as_ref()
                .map(crate::report::text::homogeneity)
                .unwrap_or_default(),
        }
    }
}

/// One coloured cell of the WAF matrix.
pub struct MatrixCell {
    pub label: String,
    pub title: String,
    pub color: String,
    pub low: bool,
}

impl MatrixCell {
    fn new(blocked: u64, sent: u64, interval: Option<(f64, f64)>, min: f64) -> Self {
        let rate = if sent == 0 {
            0.0
        } else {
            blocked as f64 / sent as f64
        };
        // Hue 0 (red) at 0% blocked to 130 (green) at 100%; grey when nothing was sent.
        let color = if sent == 0 {
            "#eaeef2".to_string()
        } else {
            format!("hsl({:.0}, 70%, 84%)", rate * 130.0)
        };
        let title = match interval {
            Some((lo, hi)) => format!(
                "{blocked} of {sent} blocked ({}), interval [{}, {}]",
                crate::report::text::pct(rate),
                crate::report::text::pct(lo),
                crate::report::text::pct(hi)
            ),
            None => format!(
                "{blocked} of {sent} blocked ({})",
                crate::report::text::pct(rate)
            ),
        };
        MatrixCell {
            label: format!("{blocked}/{sent}"),
            title,
            color,
            low: sent > 0 && rate < min,
        }
    }
}

/// One category row of the WAF matrix.
pub struct MatrixRow {
    pub category: String,
    pub cells: Vec<Option<MatrixCell>>,
    pub total: MatrixCell,
}

/// The WAF section.
pub struct WafView<'a> {
    pub e: &'a WafEvidence,
    pub placements: Vec<String>,
    pub rows: Vec<MatrixRow>,
}

impl<'a> WafView<'a> {
    /// Whether a canonical request of the gate tier was not blocked.
    pub fn any_not_blocked(&self) -> bool {
        self.e.gate.iter().any(|r| r.outcome != "blocked")
    }

    fn new(e: &'a WafEvidence) -> Self {
        let placements = distinct(e.cells.iter().map(|c| c.placement.as_str()));
        let rows = distinct(e.cells.iter().map(|c| c.category.as_str()))
            .into_iter()
            .map(|category| {
                let cells = placements
                    .iter()
                    .map(|p| {
                        let found: Vec<&WafCell> = e
                            .cells
                            .iter()
                            .filter(|c| c.category == category && c.placement == *p)
                            .collect();
                        match found.as_slice() {
                            [] => None,
                            [one] => Some(MatrixCell::new(
                                one.blocked,
                                one.sent,
                                Some((one.ci_low, one.ci_high)),
                                e.min_block_rate,
                            )),
                            many => {
                                let b = many.iter().map(|c| c.blocked).sum();
                                let s = many.iter().map(|c| c.sent).sum();
                                Some(MatrixCell::new(b, s, None, e.min_block_rate))
                            }
                        }
                    })
                    .collect();
                let (b, s) = category_totals(e, category);
                MatrixRow {
                    category: category.to_string(),
                    cells,
                    total: MatrixCell::new(b, s, None, e.min_block_rate),
                }
            })
            .collect();
        WafView {
            e,
            placements: placements.into_iter().map(String::from).collect(),
            rows,
        }
    }
}

/// One row of the status-code table.
pub struct StatusRow {
    pub code: String,
    pub stable: u64,
    pub canary: u64,
    pub unattributed: u64,
}

/// The traffic sample section.
pub struct SampleView<'a> {
    pub s: &'a SampleSummary,
    pub variants: Vec<(&'static str, &'a VariantStats)>,
    pub cdf_svg: String,
    pub status_rows: Vec<StatusRow>,
}

impl<'a> SampleView<'a> {
    pub fn new(s: &'a SampleSummary) -> Self {
        let mut codes: Vec<&String> = s
            .stable
            .status_codes
            .keys()
            .chain(s.canary.status_codes.keys())
            .chain(s.unattributed.keys())
            .collect();
        codes.sort();
        codes.dedup();
        let get =
            |m: &std::collections::BTreeMap<String, u64>, k: &str| m.get(k).copied().unwrap_or(0);
        SampleView {
            s,
            variants: vec![("stable", &s.stable), ("canary", &s.canary)],
            cdf_svg: svg::latency_cdf(&s.stable.histogram, &s.canary.histogram),
            status_rows: codes
                .into_iter()
                .map(|c| StatusRow {
                    code: c.clone(),
                    stable: get(&s.stable.status_codes, c),
                    canary: get(&s.canary.status_codes, c),
                    unattributed: get(&s.unattributed, c),
                })
                .collect(),
        }
    }
}
