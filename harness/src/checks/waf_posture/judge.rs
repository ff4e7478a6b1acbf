//! The posture decision (pure): tallies per group, exact intervals, floors judged at
//! the Bonferroni-adjusted level, the verdict and its summary. The rules are in the
//! module documentation of [`super`].

use std::collections::BTreeMap;

use super::{Answer, MAX_UNRESOLVED_SHARE, NAME, PostureOutcome, PostureSettings, classify, curl};
use crate::corpus::Probe;
use crate::result::{
    CheckResult, Evidence, FloorOutcome, MissedAttack, PostureCell, PostureEvidence, PostureFloor,
    Verdict,
};
use crate::stats::binomial::clopper_pearson;

/// Counts of one group.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tally {
    /// Requests sent.
    pub sent: u64,
    /// Blocked.
    pub blocked: u64,
    /// Passed (app answered).
    pub passed: u64,
    /// Rate-limited.
    pub rate_limited: u64,
    /// Neither.
    pub unresolved: u64,
}

impl Tally {
    fn add(&mut self, o: PostureOutcome) {
        self.sent += 1;
        match o {
            PostureOutcome::Blocked => self.blocked += 1,
            PostureOutcome::Passed => self.passed += 1,
            PostureOutcome::RateLimited => self.rate_limited += 1,
            PostureOutcome::Unresolved => self.unresolved += 1,
        }
    }

    /// The denominator of the block rate.
    pub fn resolved(&self) -> u64 {
        self.blocked + self.passed
    }

    fn rate(&self) -> f64 {
        if self.resolved() == 0 {
            0.0
        } else {
            self.blocked as f64 / self.resolved() as f64
        }
    }

    fn cell(&self, key: [&str; 3], alpha: f64) -> PostureCell {
        let ci = clopper_pearson(self.blocked, self.resolved(), alpha);
        PostureCell {
            category: key[0].into(),
            placement: key[1].into(),
            encoding: key[2].into(),
            sent: self.sent,
            blocked: self.blocked,
            passed: self.passed,
            rate_limited: self.rate_limited,
            unresolved: self.unresolved,
            rate: self.rate(),
            ci_low: ci.low,
            ci_high: ci.high,
        }
    }
}

fn pct(x: f64) -> String {
    format!("{:.1}%", x * 100.0)
}

/// Judges a floor on `t` at significance `alpha` (already adjusted).
fn floor(scope: &str, floor: f64, t: &Tally, alpha: f64) -> PostureFloor {
    let ci = clopper_pearson(t.blocked, t.resolved(), alpha);
    let outcome = if ci.high < floor {
        FloorOutcome::Below
    } else if ci.low >= floor {
        FloorOutcome::Met
    } else {
        FloorOutcome::Straddles
    };
    PostureFloor {
        scope: scope.into(),
        floor,
        rate: t.rate(),
        low: ci.low,
        high: ci.high,
        outcome,
    }
}

/// Judges the answers (pure). `answers[i]` answers `attacks[i]`.
pub fn judge(settings: &PostureSettings, attacks: &[Probe], answers: &[Answer]) -> CheckResult {
    let alpha = settings.alpha;
    let mut total = Tally::default();
    let mut groups: [BTreeMap<[&str; 3], Tally>; 4] = Default::default();
    let mut missed = Vec::new();
    for (p, a) in attacks.iter().zip(answers) {
        let o = classify(a, settings.block_status);
        total.add(o);
        let (c, pl, e) = (p.category.as_str(), p.placement.label(), p.encoding.label());
        for (g, key) in
            groups
                .iter_mut()
                .zip([[c, "*", "*"], ["*", pl, "*"], ["*", "*", e], [c, pl, e]])
        {
            g.entry(key).or_default().add(o);
        }
        if o == PostureOutcome::Passed {
            missed.push(MissedAttack {
                id: p.id.clone(),
                status: a.status.unwrap_or_default(),
                curl: curl::command(&settings.curl, p),
            });
        }
    }
    let cells = |i: usize| -> Vec<PostureCell> {
        groups[i].iter().map(|(k, t)| t.cell(*k, alpha)).collect()
    };
    let f = &settings.floors;
    let k = f.overall.iter().count() + f.categories.len();
    let adjusted = alpha / k.max(1) as f64;
    let mut floors: Vec<PostureFloor> = f
        .overall
        .map(|x| floor("overall", x, &total, adjusted))
        .into_iter()
        .collect();
    for (cat, &x) in &f.categories {
        let t = groups[0].get(&[cat.as_str(), "*", "*"]).copied();
        floors.push(floor(cat, x, &t.unwrap_or_default(), adjusted));
    }
    let overall = total.cell(["*", "*", "*"], alpha);
    let evidence = PostureEvidence {
        block_status: settings.block_status,
        alpha,
        by_category: cells(0),
        by_placement: cells(1),
        by_encoding: cells(2),
        cells: cells(3),
        floors,
        missed,
        overall,
    };
    let (verdict, summary) = decide(&evidence, &total);
    let mut warnings = Vec::new();
    if total.rate_limited > 0 {
        warnings.push(format!(
            "{} of {} attack requests were answered by the WAF's rate rule (429 with \
             x-waf-rule) and count as neither blocked nor passed; send the gate token \
             ({}) or lower --rps",
            total.rate_limited,
            total.sent,
            crate::sample::GATE_TOKEN_ENV
        ));
    }
    CheckResult {
        name: NAME.into(),
        verdict,
        summary,
        warnings,
        evidence: Evidence::WafPosture(evidence),
    }
}

fn decide(e: &PostureEvidence, total: &Tally) -> (Verdict, String) {
    let o = &e.overall;
    let level = 100.0 * (1.0 - e.alpha);
    let score = format!(
        "blocked {} of {} resolved attack requests ({}, {level}% CI [{}, {}]; {} sent)",
        o.blocked,
        total.resolved(),
        pct(o.rate),
        pct(o.ci_low),
        pct(o.ci_high),
        o.sent
    );
    let floors_text = |want: FloorOutcome| -> Vec<String> {
        e.floors
            .iter()
            .filter(|f| f.outcome == want)
            .map(|f| {
                format!(
                    "{} {} vs floor {} (CI [{}, {}])",
                    f.scope,
                    pct(f.rate),
                    pct(f.floor),
                    pct(f.low),
                    pct(f.high)
                )
            })
            .collect()
    };
    let below = floors_text(FloorOutcome::Below);
    if !below.is_empty() {
        return (
            Verdict::Fail,
            format!("below the floor: {}; {score}", below.join(", ")),
        );
    }
    let not_resolved = total.unresolved + total.rate_limited;
    if total.resolved() == 0 {
        return (
            Verdict::Inconclusive,
            format!(
                "no attack request got a usable answer ({} sent, {} rate-limited)",
                total.sent, total.rate_limited
            ),
        );
    }
    if not_resolved as f64 / total.sent.max(1) as f64 > MAX_UNRESOLVED_SHARE {
        return (
            Verdict::Inconclusive,
            format!(
                "{not_resolved} of {} answers were neither a {} from the WAF nor an app \
                 answer ({} rate-limited; > {} allowed); {score}",
                total.sent,
                e.block_status,
                total.rate_limited,
                pct(MAX_UNRESOLVED_SHARE)
            ),
        );
    }
    let straddles = floors_text(FloorOutcome::Straddles);
    if !straddles.is_empty() {
        return (
            Verdict::Inconclusive,
            format!(
                "the interval contains the floor: {}; {score}",
                straddles.join(", ")
            ),
        );
    }
    let mut weakest: Vec<&PostureCell> = e.by_category.iter().collect();
    weakest.sort_by(|a, b| a.rate.total_cmp(&b.rate).then(a.category.cmp(&b.category)));
    let weakest: Vec<String> = weakest
        .iter()
        .take(3)
        .map(|c| format!("{} {}", c.category, pct(c.rate)))
        .collect();
    let head = if e.floors.is_empty() {
        "report only (no floor set)".to_string()
    } else {
        format!("{} floor(s) met", e.floors.len())
    };
    (
        Verdict::Pass,
        format!(
            "{head}: {score}; weakest: {}; {} attacks got through",
            weakest.join(", "),
            e.missed.len()
        ),
    )
}
