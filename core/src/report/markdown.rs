//! `summary.md`: a compact Markdown table for `$GITHUB_STEP_SUMMARY` and pull-request
//! comments. Pure render; the edge (`write.rs`) decides where it goes.

use std::fmt::Write as _;

use super::text::{ms, pct};
use crate::result::{Evidence, RunResult, Verdict};

/// Renders the run as Markdown.
pub fn render(run: &RunResult) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "## {} Canary verification: {}\n",
        icon(run.verdict),
        run.verdict
    );
    let _ = writeln!(
        out,
        "Target `{}` · {} → {} · harness {}\n",
        code(&run.target.url),
        cell(&run.started_at),
        cell(&run.finished_at),
        cell(&run.harness_version)
    );
    out.push_str("| Check | Verdict | Summary |\n| --- | --- | --- |\n");
    for check in &run.checks {
        let mut summary = cell(&check.summary);
        for w in &check.warnings {
            let _ = write!(summary, "<br>⚠ {}", cell(w));
        }
        let _ = writeln!(
            out,
            "| {} | {} {} | {} |",
            cell(&check.name),
            icon(check.verdict),
            check.verdict,
            summary
        );
    }
    let names = |v: Verdict| -> Vec<String> {
        run.checks
            .iter()
            .filter(|c| c.verdict == v)
            .map(|c| cell(&c.name))
            .collect()
    };
    let na = names(Verdict::NotApplicable);
    if !na.is_empty() {
        let _ = writeln!(
            out,
            "\n{} _{}: cannot apply to this deployment (reason in the table); left out of \
             the run verdict._",
            icon(Verdict::NotApplicable),
            na.join(", ")
        );
    }
    let errored = names(Verdict::Error);
    if !errored.is_empty() {
        let _ = writeln!(
            out,
            "\n{} _{}: a read or probe failed, so the check could not finish; every check \
             that finished is reported above._",
            icon(Verdict::Error),
            errored.join(", ")
        );
    }
    for check in &run.checks {
        if let Evidence::Split(s) = &check.evidence {
            let _ = writeln!(
                out,
                "\nSplit: configured **{}**, observed **{}** ({} of {}), interval [{}, {}], \
                 band [{}, {}]{}.",
                pct(s.configured_share),
                pct(s.observed_share),
                s.canary_hits,
                s.n,
                pct(s.ci_low),
                pct(s.ci_high),
                pct(s.band().0),
                pct(s.band().1),
                match s.converge_text() {
                    t if t.is_empty() => String::new(),
                    t => format!(", time to converge {t}"),
                }
            );
            node_table(&mut out, s);
        }
    }
    out.push_str(&super::posture::markdown(run));
    if let Some(sample) = &run.sample {
        out.push_str(
            "\n| Variant | Responses | 5xx | p50 | p90 | p99 | max |\n\
             | --- | ---: | ---: | ---: | ---: | ---: | ---: |\n",
        );
        for (name, v) in [("stable", &sample.stable), ("canary", &sample.canary)] {
            // A variant without responses has no latency to show.
            let lat = |x: f64| {
                if v.responses == 0 {
                    "–".into()
                } else {
                    ms(x)
                }
            };
            let _ = writeln!(
                out,
                "| {name} | {} | {} | {} | {} | {} | {} |",
                v.responses,
                v.server_errors,
                lat(v.latency.p50_ms),
                lat(v.latency.p90_ms),
                lat(v.latency.p99_ms),
                lat(v.latency.max_ms)
            );
        }
    }
    let _ = writeln!(
        out,
        "\nReproduce:\n\n```sh\n{}\n```",
        run.command.replace("```", "` ` `")
    );
    out
}

/// An emoji per verdict, so the table scans at a glance.
fn icon(verdict: Verdict) -> &'static str {
    match verdict {
        Verdict::Pass => "✅",
        Verdict::Fail => "❌",
        Verdict::Inconclusive => "⚠️",
        Verdict::Error => "🛑",
        Verdict::NotApplicable => "➖",
    }
}

/// Text safe inside a table cell: no pipes, no newlines, no raw HTML.
fn cell(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('|', "\\|")
        .replace(['\n', '\r'], " ")
}

/// Text safe inside inline code.
fn code(text: &str) -> String {
    text.replace('`', "'").replace(['\n', '\r'], " ")
}

/// The split per node: one row per address, then the homogeneity test.
fn node_table(out: &mut String, s: &crate::result::SplitEvidence) {
    if s.nodes.is_empty() {
        return;
    }
    out.push_str(
        "\n| Node | Responses | Canary | Share | Interval |\n\
         | --- | ---: | ---: | ---: | --- |\n",
    );
    for n in &s.nodes {
        let _ = writeln!(
            out,
            "| `{}` | {} | {} | {} | [{}, {}] |",
            cell(&n.address),
            n.n,
            n.canary_hits,
            pct(n.share),
            pct(n.ci_low),
            pct(n.ci_high)
        );
    }
    if let Some(h) = &s.node_homogeneity {
        let _ = writeln!(out, "\nNodes: {}.", super::text::homogeneity(h));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::fixtures;

    #[test]
    fn cells_cannot_break_the_table() {
        assert_eq!(cell("a|b\n<i>"), "a\\|b &lt;i&gt;");
        let mut run = fixtures::pass();
        run.checks[0].summary = "x | y\nz".into();
        let md = render(&run);
        assert!(md.contains("| x \\| y z |"), "{md}");
    }

    #[test]
    fn every_state_has_its_icon_and_the_special_states_a_note() {
        for (_, run) in fixtures::every_state() {
            let md = render(&run);
            for c in &run.checks {
                let row = format!("| {} | {} {} |", c.name, icon(c.verdict), c.verdict);
                assert!(md.contains(&row), "{row} missing in {md}");
            }
        }
        let md = render(&fixtures::not_applicable());
        assert!(md.contains("_scale, health: cannot apply"), "{md}");
        assert!(md.contains("## ✅ Canary verification: PASS"), "{md}");
        let md = render(&fixtures::error());
        assert!(md.contains("_scale: a read or probe failed"), "{md}");
        assert!(md.contains("## 🛑 Canary verification: ERROR"), "{md}");
        assert!(!render(&fixtures::pass()).contains("cannot apply"));
    }
}
