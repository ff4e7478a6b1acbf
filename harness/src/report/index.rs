//! `reports/index.html`: every run in the report folder, newest first, with its
//! verdict, and small trends of the observed canary share and p99 latency across runs
//! (the nightly history), and of the WAF posture block rate when runs measured it.
//! Pure: takes the runs, returns the page.

use askama::Template;

use super::html::{f, sparkline};
use super::text::{ms, pct};
use crate::result::{Evidence, RunResult, Verdict};

/// Most runs drawn in the trend plots (the newest ones).
pub const MAX_TREND_RUNS: usize = 60;

/// What the index shows of one run.
#[derive(Debug, Clone, PartialEq)]
pub struct IndexEntry {
    /// Run folder name, relative to the report folder.
    pub folder: String,
    /// RFC 3339 start time.
    pub started_at: String,
    /// Target host.
    pub host: String,
    /// Overall verdict.
    pub verdict: Verdict,
    /// Each check's name and verdict, in run order.
    pub checks: Vec<(String, Verdict)>,
    /// Configured canary share, when the split check ran.
    pub configured_share: Option<f64>,
    /// Observed canary share, when the split check ran.
    pub observed_share: Option<f64>,
    /// p99 latency of stable (ms), when traffic was sampled.
    pub stable_p99_ms: Option<f64>,
    /// p99 latency of canary (ms), when canary responses were seen.
    pub canary_p99_ms: Option<f64>,
    /// Overall WAF posture block rate, when the waf-posture check resolved requests.
    pub posture_block_rate: Option<f64>,
}

impl IndexEntry {
    /// Summarises a run stored in `folder`.
    pub fn new(folder: impl Into<String>, run: &RunResult) -> Self {
        let split = run.checks.iter().find_map(|c| match &c.evidence {
            Evidence::Split(s) => Some(s),
            _ => None,
        });
        let p99 = |v: &crate::result::VariantStats| (v.responses > 0).then_some(v.latency.p99_ms);
        IndexEntry {
            folder: folder.into(),
            started_at: run.started_at.clone(),
            host: run.target.host.clone(),
            verdict: run.verdict,
            checks: run
                .checks
                .iter()
                .map(|c| (c.name.clone(), c.verdict))
                .collect(),
            configured_share: split.map(|s| s.configured_share),
            observed_share: split.filter(|s| s.n > 0).map(|s| s.observed_share),
            stable_p99_ms: run.sample.as_ref().and_then(|s| p99(&s.stable)),
            canary_p99_ms: run.sample.as_ref().and_then(|s| p99(&s.canary)),
            posture_block_rate: run.checks.iter().find_map(|c| match &c.evidence {
                Evidence::WafPosture(p) if p.overall.blocked + p.overall.passed > 0 => {
                    Some(p.overall.rate)
                }
                _ => None,
            }),
        }
    }
}

/// One check of a row: its name, coloured by its verdict (NOT_APPLICABLE greyed).
struct Chip<'a> {
    name: &'a str,
    verdict: Verdict,
    class: &'static str,
}

/// One table row.
struct Row<'a> {
    folder: &'a str,
    started_at: &'a str,
    host: &'a str,
    verdict: Verdict,
    class: &'static str,
    checks: Vec<Chip<'a>>,
    configured: String,
    observed: String,
    stable_p99: String,
    canary_p99: String,
    posture: String,
}

/// The newest run, for the header.
struct Latest {
    verdict: Verdict,
    class: &'static str,
}

#[derive(Template)]
#[template(path = "index.html")]
struct IndexPage<'a> {
    entries: Vec<Row<'a>>,
    latest: Option<Latest>,
    share_svg: String,
    stable_p99_svg: String,
    canary_p99_svg: String,
    /// Drawn only when some run measured the posture (the column too).
    posture_svg: Option<String>,
}

fn class(v: Verdict) -> &'static str {
    v.token()
}

fn or_dash(v: Option<f64>, fmt: fn(f64) -> String) -> String {
    v.map(fmt).unwrap_or_else(|| "–".into())
}

/// Renders the index of `entries` (any order; shown newest first).
pub fn render(entries: &[IndexEntry]) -> String {
    let mut sorted: Vec<&IndexEntry> = entries.iter().collect();
    sorted.sort_by(|a, b| {
        (b.started_at.as_str(), b.folder.as_str()).cmp(&(a.started_at.as_str(), a.folder.as_str()))
    });
    // Trends run oldest to newest over the newest MAX_TREND_RUNS runs.
    let trend: Vec<&IndexEntry> = sorted.iter().take(MAX_TREND_RUNS).rev().copied().collect();
    let series =
        |get: fn(&IndexEntry) -> Option<f64>| trend.iter().map(|e| get(e)).collect::<Vec<_>>();
    let page = IndexPage {
        latest: sorted.first().map(|e| Latest {
            verdict: e.verdict,
            class: class(e.verdict),
        }),
        share_svg: sparkline(
            &series(|e| e.observed_share),
            sorted.first().and_then(|e| e.configured_share),
            f::pct,
        ),
        stable_p99_svg: sparkline(&series(|e| e.stable_p99_ms), None, ms),
        canary_p99_svg: sparkline(&series(|e| e.canary_p99_ms), None, ms),
        posture_svg: sorted
            .iter()
            .any(|e| e.posture_block_rate.is_some())
            .then(|| sparkline(&series(|e| e.posture_block_rate), None, f::pct)),
        entries: sorted
            .iter()
            .map(|e| Row {
                folder: &e.folder,
                started_at: &e.started_at,
                host: &e.host,
                verdict: e.verdict,
                class: class(e.verdict),
                checks: e
                    .checks
                    .iter()
                    .map(|(name, v)| Chip {
                        name,
                        verdict: *v,
                        class: class(*v),
                    })
                    .collect(),
                configured: or_dash(e.configured_share, pct),
                observed: or_dash(e.observed_share, pct),
                stable_p99: or_dash(e.stable_p99_ms, ms),
                canary_p99: or_dash(e.canary_p99_ms, ms),
                posture: or_dash(e.posture_block_rate, pct),
            })
            .collect(),
    };
    page.render().expect("index page renders")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::fixtures;

    #[test]
    fn newest_first_with_trend() {
        let mut old = fixtures::fail();
        old.started_at = "2026-11-24T02:00:00Z".into();
        let new = fixtures::pass();
        let entries = vec![
            IndexEntry::new("20261124T020000Z-old", &old),
            IndexEntry::new("20261125T140307Z-new", &new),
        ];
        let html = render(&entries);
        let (a, b) = (
            html.find("-new/index.html").unwrap(),
            html.find("-old/index.html").unwrap(),
        );
        assert!(a < b, "newest must come first");
        assert!(html.contains("16.20%") && html.contains("10.05%"));
        assert_eq!(html.matches("class=\"trend\"").count(), 3);
    }

    #[test]
    fn every_state_is_a_coloured_chip() {
        let entries: Vec<IndexEntry> = fixtures::every_state()
            .iter()
            .map(|(name, run)| IndexEntry::new(*name, run))
            .collect();
        let html = render(&entries);
        for v in Verdict::ALL {
            let chip = format!("class=\"chip {}\" title=\"{}\"", v.token(), v.label());
            assert!(html.contains(&chip), "{chip} missing");
        }
        assert!(html.contains("<span class=\"badge error\">ERROR</span>"));
        assert!(
            !html.contains("WAF posture"),
            "no posture column without a posture run"
        );
    }

    #[test]
    fn posture_block_rate_has_a_trend_and_a_column() {
        let mut entries: Vec<IndexEntry> = fixtures::posture_states()
            .iter()
            .enumerate()
            .map(|(i, (name, run))| {
                let mut run = run.clone();
                run.started_at = format!("2026-11-2{}T02:00:00Z", i + 1);
                IndexEntry::new(*name, &run)
            })
            .collect();
        entries.push(IndexEntry::new("plain", &fixtures::pass()));
        assert_eq!(entries[0].posture_block_rate, Some(55.0 / 60.0));
        assert_eq!(entries[3].posture_block_rate, None);
        let html = render(&entries);
        assert!(html.contains("<h3>WAF posture block rate</h3>"), "{html}");
        assert!(html.contains("<td class=\"r\">91.67%</td>"));
        // Only the posture series has two or more points here: one trend line.
        assert_eq!(html.matches("class=\"trend\"").count(), 1);
    }

    #[test]
    fn folder_names_are_escaped() {
        let run = fixtures::pass();
        let html = render(&[IndexEntry::new("x\"><script>", &run)]);
        assert!(!html.contains("<script>"));
    }
}
