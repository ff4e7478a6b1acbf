//! Plain-text formatting shared by the renderers: numbers as a person reads them, the
//! evidence of a check as a few lines (the body of a JUnit failure, the details of the
//! Markdown summary), and the run summary `harness verify` prints to the terminal.
//! Pure functions of the result model.

use std::fmt::Write as _;

use crate::result::{
    CheckResult, Evidence, NodeHomogeneity, RunResult, SplitEvidence, Verdict, WafEvidence,
};

/// Width of the verdict column of the terminal summary (the longest label).
const VERDICT_WIDTH: usize = 14;

/// What `harness verify` prints when it is done: the run verdict with its exit code,
/// then one line per check (verdict and summary, warnings below it), and a note when
/// checks did not apply, since those are left out of the run verdict.
pub fn run_summary(run: &RunResult) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "harness verify: {} (exit {}) — {}",
        run.verdict,
        run.exit_code(),
        run.target.url
    );
    for c in &run.checks {
        let _ = writeln!(
            out,
            "  {:<6} {:<VERDICT_WIDTH$} {}",
            c.name,
            c.verdict.label(),
            c.summary
        );
        for w in &c.warnings {
            let _ = writeln!(out, "  {:<6} {:<VERDICT_WIDTH$} warning: {w}", "", "");
        }
    }
    let skipped: Vec<&str> = run
        .checks
        .iter()
        .filter(|c| c.verdict == Verdict::NotApplicable)
        .map(|c| c.name.as_str())
        .collect();
    if !skipped.is_empty() {
        let _ = writeln!(
            out,
            "  not applicable here, left out of the verdict: {}",
            skipped.join(", ")
        );
    }
    out
}

/// A share as a percentage with two decimals ("10.05%").
pub fn pct(share: f64) -> String {
    if share.is_finite() {
        format!("{:.2}%", share * 100.0)
    } else {
        "n/a".into()
    }
}

/// Milliseconds with a precision that suits the magnitude ("0.42 ms", "12.4 ms", "1830 ms").
pub fn ms(value: f64) -> String {
    if !value.is_finite() {
        "n/a".into()
    } else if value < 1.0 {
        format!("{value:.2} ms")
    } else if value < 100.0 {
        format!("{value:.1} ms")
    } else {
        format!("{value:.0} ms")
    }
}

/// A p-value in short scientific form when small ("0.61", "1.2e-9").
pub fn p_value(p: f64) -> String {
    if !p.is_finite() {
        "n/a".into()
    } else if p >= 0.001 {
        format!("{p:.3}")
    } else {
        format!("{p:.1e}")
    }
}

/// Block rate of one WAF category, pooled over placements: (blocked, sent).
pub fn category_totals(waf: &WafEvidence, category: &str) -> (u64, u64) {
    waf.cells
        .iter()
        .filter(|c| c.category == category)
        .fold((0, 0), |(b, s), c| (b + c.blocked, s + c.sent))
}

/// Distinct values of a key in first-seen order.
pub fn distinct<'a, I: IntoIterator<Item = &'a str>>(items: I) -> Vec<&'a str> {
    let mut out: Vec<&str> = Vec::new();
    for item in items {
        if !out.contains(&item) {
            out.push(item);
        }
    }
    out
}

/// The per-node split as lines, one per node, then the homogeneity test; empty when
/// the sampler recorded no nodes.
pub fn node_lines(s: &SplitEvidence) -> Vec<String> {
    let mut lines: Vec<String> = s
        .nodes
        .iter()
        .map(|n| {
            format!(
                "node {}: canary {} ({} of {}), interval [{}, {}]",
                n.address,
                pct(n.share),
                n.canary_hits,
                n.n,
                pct(n.ci_low),
                pct(n.ci_high)
            )
        })
        .collect();
    if let Some(h) = &s.node_homogeneity {
        lines.push(format!("nodes: {}", homogeneity(h)));
    }
    lines
}

/// The homogeneity test in a few words: "chi-square 12.5 on 1 df, p = 4.1e-4:
/// the nodes differ (level 0.001)".
pub fn homogeneity(h: &NodeHomogeneity) -> String {
    match (h.statistic, h.p_value) {
        (Some(x2), Some(p)) => format!(
            "chi-square {x2:.1} on {} df, p = {}: {} (level {})",
            h.df,
            p_value(p),
            if h.rejected {
                "the nodes differ"
            } else {
                "no difference shown"
            },
            h.level
        ),
        _ => format!(
            "too few responses to compare the nodes (smallest expected count {:.1} < 5)",
            h.min_expected
        ),
    }
}

/// The evidence of a check as plain-text lines: summary, warnings, then the numbers.
pub fn evidence_text(check: &CheckResult) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{}: {}", check.verdict, check.summary);
    for w in &check.warnings {
        let _ = writeln!(out, "warning: {w}");
    }
    let _ = match &check.evidence {
        Evidence::Split(s) => writeln!(
            out,
            "configured {} ({}/{}), observed {} ({} of {}), interval [{}, {}] by {}, \
             equivalence band [{}, {}], SRM p = {}, unattributed {}, fixed-n design would \
             need {}{}{}",
            pct(s.configured_share),
            s.stable_weight,
            s.canary_weight,
            pct(s.observed_share),
            s.canary_hits,
            s.n,
            pct(s.ci_low),
            pct(s.ci_high),
            s.method,
            pct(s.band().0),
            pct(s.band().1),
            p_value(s.srm_p_value),
            pct(s.unattributed_share),
            s.fixed_n_required,
            s.zero_side_upper_bound
                .map(|u| format!(", zero side share <= {}", pct(u)))
                .unwrap_or_default(),
            match s.converge_text() {
                t if t.is_empty() => String::new(),
                t => format!(", time to converge {t}"),
            },
        )
        .and_then(|()| {
            node_lines(s)
                .iter()
                .try_for_each(|line| writeln!(out, "{line}"))
        }),
        Evidence::Scale(s) => writeln!(
            out,
            "canary weight {}, ECS desired {} running {} pending {}, registered targets {}, \
             canary responses {} of {} (upper bound {}), waited {:.1} s",
            s.canary_weight,
            s.desired,
            s.running,
            s.pending,
            s.registered_targets,
            s.canary_hits,
            s.n,
            pct(s.upper_bound),
            s.waited_s,
        ),
        Evidence::Health(h) => writeln!(
            out,
            "errors: stable {}/{}, canary {}/{} (tolerance {}, {} p = {}); median latency: \
             stable {}, canary {} (tolerance {}, Mann-Whitney z = {:.2}, p = {})",
            h.stable_errors,
            h.stable_n,
            h.canary_errors,
            h.canary_n,
            pct(h.error_tolerance),
            h.error_test,
            p_value(h.error_p_value),
            ms(h.latency.stable_p50_ms),
            ms(h.latency.canary_p50_ms),
            ms(h.latency.tolerance_ms),
            h.latency.z,
            p_value(h.latency.p_value),
        ),
        Evidence::Tls(t) => {
            let probes: Vec<String> = t
                .probes
                .iter()
                .map(|p| {
                    let verb = if p.accepted { "accepted" } else { "refused" };
                    format!("{} {verb}", p.version)
                })
                .collect();
            writeln!(
                out,
                "certificate {} issued by {}, expires {} ({} days), chain {}{}; negotiated {}; \
                 {}; redirect {}; HSTS {}",
                t.subject,
                t.issuer,
                t.not_after,
                t.days_left,
                if t.chain_valid { "valid" } else { "INVALID" },
                t.chain_error
                    .as_deref()
                    .map(|e| format!(" ({e})"))
                    .unwrap_or_default(),
                t.negotiated,
                probes.join(", "),
                t.redirect
                    .as_ref()
                    .map(|r| format!(
                        "{} -> {} {}",
                        r.status,
                        r.location.as_deref().unwrap_or("(none)"),
                        if r.ok { "ok" } else { "WRONG" }
                    ))
                    .unwrap_or_else(|| "not probed".into()),
                t.hsts_max_age
                    .map(|a| format!("max-age={a}"))
                    .unwrap_or_else(|| "missing".into()),
            )
        }
        Evidence::Waf(w) if w.cells.is_empty() => gate_text(&mut out, w),
        Evidence::Waf(w) => {
            let _ = gate_text(&mut out, w);
            let _ = writeln!(
                out,
                "blocked {} of {} attacks ({}, lower bound {}, required {}); {} of {} benign \
                 requests blocked (allowed {}); unresolved {}, rate-limited {}",
                w.attacks_blocked,
                w.attacks_sent,
                pct(w.block_rate),
                pct(w.block_rate_low),
                pct(w.min_block_rate),
                w.false_positives.len(),
                w.benign_sent,
                w.max_false_positives,
                w.unresolved,
                w.rate_limited,
            );
            Ok(())
        }
        Evidence::WafPosture(p) => out.write_str(&super::posture::text(p)),
        Evidence::None => writeln!(
            out,
            "{}",
            match check.verdict {
                Verdict::NotApplicable => "nothing to measure: the check does not apply",
                Verdict::Error => "the check stopped before its evidence was complete",
                _ => "no evidence gathered",
            }
        ),
    };
    out
}

/// The WAF gate tier: coverage per rule group, every request not blocked (with its
/// curl command), the WebACL findings and the false-positive interval.
fn gate_text(out: &mut String, w: &WafEvidence) -> std::fmt::Result {
    for g in &w.gate_groups {
        writeln!(
            out,
            "group {}: {}, blocked {} of {}",
            g.group, g.coverage, g.blocked, g.sent
        )?;
    }
    for r in w.gate.iter().filter(|r| r.outcome != "blocked") {
        let status = r.status.map_or("no answer".to_string(), |s| s.to_string());
        writeln!(
            out,
            "{} {}/{} ({status}): {}",
            r.outcome, r.group, r.rule, r.curl
        )?;
    }
    for f in &w.acl_findings {
        writeln!(out, "WebACL finding: {f}")?;
    }
    for f in &w.acl_notes {
        writeln!(out, "WebACL: {f}")?;
    }
    if let Some(fp) = &w.false_positive_rate {
        writeln!(
            out,
            "benign: {} of {} blocked, false-positive rate {}% interval [{}, {}] (FAIL when the lower bound exceeds {})",
            fp.blocked,
            fp.resolved,
            100.0 * fp.confidence,
            pct(fp.low),
            pct(fp.high),
            pct(fp.ceiling)
        )?;
    }
    for f in &w.false_positives {
        writeln!(
            out,
            "false positive {} (status {}): {}",
            f.id, f.status, f.request
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_well() {
        assert_eq!(pct(0.1005), "10.05%");
        assert_eq!(pct(f64::NAN), "n/a");
        assert_eq!(ms(0.421), "0.42 ms");
        assert_eq!(ms(12.44), "12.4 ms");
        assert_eq!(ms(1830.2), "1830 ms");
        assert_eq!(p_value(0.61), "0.610");
        assert_eq!(p_value(1.2e-9), "1.2e-9");
    }

    #[test]
    fn evidence_text_names_the_numbers() {
        let run = crate::report::fixtures::fail();
        let text = evidence_text(&run.checks[0]);
        assert!(text.starts_with("FAIL: "), "{text}");
        assert!(text.contains("observed 16.20%"), "{text}");
        let waf = evidence_text(&run.checks[4]);
        assert!(waf.contains("false positive benign-17"), "{waf}");
    }
}
