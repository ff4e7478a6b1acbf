//! `index.html` of a run: a self-contained page (inline CSS and SVG, no scripts, no
//! external fonts) that a person reads in a browser or prints.
//!
//! Template engine: askama. Templates are compiled and type-checked with the crate (a
//! typo in a field name is a build error, not a blank cell), HTML escaping is on by
//! default for every `{{ }}` in `.html` templates (the WAF corpus puts `<script>` into
//! false positives), and the markup lives in `templates/*.html` where it reads as
//! HTML, rather than inside Rust macros as with maud. The only unescaped insertions
//! are the SVG plots, which `svg` builds with its own escaping.

mod svg;
mod view;

use askama::Template;

pub use svg::sparkline;
pub use svg::{MAX_CDF_POINTS, MAX_PATH_POINTS};

use crate::result::RunResult;

/// Number formatting callable from the templates (`{{ f::pct(x) }}`), also those of
/// the runs index in `harness::report`.
pub mod f {
    use std::borrow::Borrow;

    /// See [`crate::report::text::pct`].
    pub fn pct(v: impl Borrow<f64>) -> String {
        crate::report::text::pct(*v.borrow())
    }
    /// See [`crate::report::text::ms`].
    pub fn ms(v: impl Borrow<f64>) -> String {
        crate::report::text::ms(*v.borrow())
    }
    /// See [`crate::report::text::p_value`].
    pub fn p_value(v: impl Borrow<f64>) -> String {
        crate::report::text::p_value(*v.borrow())
    }
    /// `num / den`, 0 when `den` is 0.
    pub fn ratio(num: impl Borrow<u64>, den: impl Borrow<u64>) -> f64 {
        let den = *den.borrow();
        if den == 0 {
            0.0
        } else {
            *num.borrow() as f64 / den as f64
        }
    }
}

/// The run page.
#[derive(Template)]
#[template(path = "run.html")]
struct RunPage<'a> {
    run: &'a RunResult,
    class: &'static str,
    checks: Vec<view::CheckView<'a>>,
    states: Vec<view::StateView>,
    sample: Option<view::SampleView<'a>>,
    listener: String,
    ecs: String,
}

/// Renders the run page.
pub fn render(run: &RunResult) -> String {
    let t = &run.target;
    let page = RunPage {
        run,
        class: view::class(run.verdict),
        checks: run.checks.iter().map(view::CheckView::new).collect(),
        states: view::states(),
        sample: run.sample.as_ref().map(view::SampleView::new),
        listener: t
            .listener_arn
            .clone()
            .unwrap_or_else(|| "(not read)".into()),
        ecs: match (&t.cluster, &t.stable_service, &t.canary_service) {
            (None, None, None) => "(not read)".into(),
            (c, s, k) => format!(
                "cluster {} · stable {} · canary {}",
                c.as_deref().unwrap_or("?"),
                s.as_deref().unwrap_or("?"),
                k.as_deref().unwrap_or("?")
            ),
        },
    };
    // Rendering into a String only fails if a Display impl fails; ours cannot.
    page.render().expect("run page renders")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::fixtures;

    #[test]
    fn false_positive_payload_is_escaped() {
        let html = render(&fixtures::fail());
        assert!(
            !html.contains("<script"),
            "a model string reached the page unescaped"
        );
        assert!(!html.contains("<b>bold</b>"));
        assert!(
            html.contains("&lt;script&gt;alert(") || html.contains("&#60;script&#62;alert("),
            "payload not shown escaped"
        );
    }

    #[test]
    fn hostile_strings_everywhere_are_escaped() {
        let evil = "<img src=x onerror=alert(1)>";
        let mut run = fixtures::fail();
        run.target.url = evil.into();
        run.target.host = evil.into();
        run.command = evil.into();
        for c in &mut run.checks {
            c.summary = evil.into();
            c.warnings = vec![evil.into()];
            if let crate::result::Evidence::Waf(w) = &mut c.evidence {
                w.cells[0].category = evil.into();
                w.cells[0].placement = evil.into();
            }
        }
        let html = render(&run);
        assert!(!html.contains("<img"), "unescaped markup in page");
        assert!(!html.to_lowercase().contains("<script"), "script in page");
    }

    #[test]
    fn every_state_has_a_visible_badge_and_a_css_rule() {
        let css = include_str!("templates/style.css");
        for v in crate::result::Verdict::ALL {
            for rule in [
                format!(".badge.{}", v.token()),
                format!(".banner.{}", v.token()),
            ] {
                assert!(css.contains(&rule), "no CSS rule {rule}");
            }
        }
        let html = render(&fixtures::not_applicable());
        assert!(
            html.contains("<tr class=\"not-applicable\">"),
            "N/A row not greyed"
        );
        assert!(html.contains("<section class=\"check not-applicable\" id=\"check-scale\">"));
        assert!(html.contains(
            "<span class=\"badge not-applicable\">NOT APPLICABLE</span></td>\n<td><span \
             class=\"why\">Not applicable:</span> canary weight is 100"
        ));
        assert!(html.contains("<h1>PASS</h1>"));
        let html = render(&fixtures::error());
        assert!(html.contains("<header class=\"banner error\""));
        assert!(html.contains("<b>Could not finish:</b> AWS: ECS services"));
    }

    #[test]
    fn page_is_self_contained() {
        for (_, run) in fixtures::every_state() {
            let html = render(&run);
            for banned in [
                "<script",
                "<link",
                "@import",
                "url(http",
                "src=\"http",
                "@font-face",
            ] {
                assert!(!html.contains(banned), "{banned} in page");
            }
            assert!(html.contains(&format!("<h1>{}</h1>", run.verdict)));
        }
    }
}
