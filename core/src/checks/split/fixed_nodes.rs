//! The per-node rule of the split check ([`super::nodes`]) for fixed-n samples: a
//! shard's own counts and the pooled counts of `harness merge`. Same test, same level,
//! same decision as the sequential monitor's single look, applied to the whole sample
//! (a fixed-n sample has no change points to restart from): Pearson's chi-square test
//! of homogeneity across nodes at [`NODE_ALPHA`] (Agresti 2013 §3.2), each node's
//! Clopper–Pearson interval at `1 − α/k` (Bonferroni over `k` nodes), and
//! * rejected and a node's interval outside the band: FAIL naming the most deviant;
//! * rejected and a node's interval across a band edge, or counts too small to compare:
//!   a PASS becomes INCONCLUSIVE naming the node or the small counts;
//! * rejected but every node inside the band: the verdict stands with a warning.
//!
//! Merged shards pool per node by address, so a node seen by several runners is one row.

use super::nodes::{Finding, NODE_ALPHA, disagreement, node_rows};
use super::share;
use crate::result::{NodeEvidence, NodeHomogeneity, SampleSummary, Verdict};
use crate::stats::Band;
use crate::stats::homogeneity::{self, MIN_EXPECTED, Row};

/// The nodes of a fixed-n sample: rows, test and what they change in the verdict.
#[derive(Debug, Clone, Default)]
pub(super) struct FixedNodes {
    pub(super) rows: Vec<NodeEvidence>,
    pub(super) homogeneity: Option<NodeHomogeneity>,
    finding: Finding,
}

/// Judges the nodes of `summary` against `band` (interior weights only: at 0/100 the
/// rows are shown and the leak test decides).
pub(super) fn judge(summary: &SampleSummary, band: Band, alpha: f64, interior: bool) -> FixedNodes {
    let counts: Vec<(String, Row)> = summary
        .nodes
        .iter()
        .filter_map(|(addr, c)| {
            let n = c.attributed();
            (n > 0).then(|| {
                (
                    addr.clone(),
                    Row {
                        n,
                        canary: c.canary.min(n),
                    },
                )
            })
        })
        .collect();
    let (rows, node_alpha) = node_rows(&counts, alpha);
    let table: Vec<Row> = counts.iter().map(|(_, r)| *r).collect();
    let test = interior.then(|| homogeneity::chi_square(&table)).flatten();
    let finding = match test {
        None => Finding::Quiet,
        Some(t) if !t.comparable() => Finding::TooSmall,
        Some(t) if t.p_value > NODE_ALPHA => Finding::Quiet,
        Some(_) => disagreement(&rows, band),
    };
    let homogeneity = test.map(|t| {
        let usable = t.comparable();
        NodeHomogeneity {
            method: format!(
                "Pearson chi-square test of homogeneity on the {} x 2 table (Agresti 2013, \
                 3.2), {} df, rejected at p <= {NODE_ALPHA}; usable when every expected \
                 count is at least {MIN_EXPECTED}; per-node Clopper-Pearson intervals at \
                 1 - {node_alpha:.4} (Bonferroni over {} nodes); fixed-n, whole sample",
                rows.len(),
                t.df,
                rows.len()
            ),
            statistic: usable.then_some(t.statistic),
            df: t.df,
            p_value: usable.then_some(t.p_value),
            level: NODE_ALPHA,
            min_expected: t.min_expected,
            rejected: usable && t.p_value <= NODE_ALPHA,
        }
    });
    FixedNodes {
        rows,
        homogeneity,
        finding,
    }
}

impl FixedNodes {
    /// The pooled verdict with the nodes' finding applied.
    pub(super) fn apply(
        &self,
        verdict: Verdict,
        text: String,
        warnings: &mut Vec<String>,
    ) -> (Verdict, String) {
        match self.finding {
            Finding::Outside(i) => (Verdict::Fail, format!("{}; {text}", self.routes(i))),
            Finding::Undecided(i) if verdict == Verdict::Pass => (
                Verdict::Inconclusive,
                format!(
                    "nodes differ and {} is not yet shown inside the band; {text}",
                    self.routes(i)
                ),
            ),
            Finding::TooSmall if verdict == Verdict::Pass => (
                Verdict::Inconclusive,
                format!(
                    "node counts too small to compare nodes yet (smallest expected count \
                     {:.1} < {MIN_EXPECTED}); {text}",
                    self.homogeneity.as_ref().map_or(0.0, |h| h.min_expected)
                ),
            ),
            Finding::AllInside(i) => {
                warnings.push(format!(
                    "nodes differ (homogeneity rejected at {NODE_ALPHA}) but every node is \
                     inside the band; most deviant: {}",
                    self.routes(i)
                ));
                (verdict, text)
            }
            _ => (verdict, text),
        }
    }

    /// "node ADDR routes X% to the canary (x of n responses; other nodes Z%)".
    fn routes(&self, i: usize) -> String {
        let (n, x) = self
            .rows
            .iter()
            .enumerate()
            .filter(|(j, _)| *j != i)
            .fold((0, 0), |(n, x), (_, r)| (n + r.n, x + r.canary_hits));
        let r = &self.rows[i];
        let others = if n == 0 {
            String::new()
        } else {
            format!("; other nodes {:.2}%", 100.0 * share(x, n))
        };
        format!(
            "node {} routes {:.2}% to the canary ({} of {} responses{others})",
            r.address,
            100.0 * r.share,
            r.canary_hits,
            r.n
        )
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::result::NodeCounts;

    fn summary(nodes: &[(&str, u64, u64)]) -> SampleSummary {
        SampleSummary {
            nodes: nodes
                .iter()
                .map(|(a, stable, canary)| {
                    let c = NodeCounts {
                        stable: *stable,
                        canary: *canary,
                        unattributed: 0,
                    };
                    (a.to_string(), c)
                })
                .collect::<BTreeMap<_, _>>(),
            ..SampleSummary::default()
        }
    }

    const BAND: Band = Band {
        center: 0.1,
        margin: 0.02,
    };

    #[test]
    fn a_node_at_zero_among_nodes_at_twelve_fails_by_name() {
        // 0 of 3,000 vs 360 of 3,000: X² ≈ 385 on 1 df; node a's interval [0, 0.0015]
        // lies below the band 8–12 %.
        let s = summary(&[("a:443", 3000, 0), ("b:443", 2640, 360)]);
        let n = judge(&s, BAND, 0.01, true);
        assert_eq!(n.rows.len(), 2);
        assert!(n.homogeneity.as_ref().unwrap().rejected);
        let mut w = Vec::new();
        let (v, text) = n.apply(Verdict::Pass, "pooled".into(), &mut w);
        assert_eq!(v, Verdict::Fail);
        assert!(text.starts_with("node a:443 routes 0.00% "), "{text}");
    }

    #[test]
    fn equal_nodes_leave_the_verdict_alone_and_small_counts_hold_back_a_pass() {
        let s = summary(&[("a:443", 2700, 300), ("b:443", 2700, 300)]);
        let n = judge(&s, BAND, 0.01, true);
        assert!(!n.homogeneity.as_ref().unwrap().rejected);
        let mut w = Vec::new();
        assert_eq!(n.apply(Verdict::Pass, "p".into(), &mut w).0, Verdict::Pass);
        assert!(w.is_empty());
        // Expected canary counts 1.5 per node: too small to compare.
        let s = summary(&[("a:443", 14, 1), ("b:443", 13, 2)]);
        let n = judge(&s, BAND, 0.01, true);
        let (v, text) = n.apply(Verdict::Pass, "p".into(), &mut w);
        assert_eq!(v, Verdict::Inconclusive);
        assert!(text.contains("too small"), "{text}");
        // One node: nothing to compare, nothing changes; at 0/100 no test either.
        let one = judge(&summary(&[("a:443", 2700, 300)]), BAND, 0.01, true);
        assert!(one.homogeneity.is_none() && one.rows.len() == 1);
        let s = summary(&[("a:443", 3000, 0), ("b:443", 2640, 360)]);
        assert!(judge(&s, BAND, 0.01, false).homogeneity.is_none());
    }
}
