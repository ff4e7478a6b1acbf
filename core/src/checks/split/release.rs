//! Does each variant answer with the release its task definition deploys? The
//! `x-release` values seen per variant are compared with the image tag of the ECS
//! service's task definition.
//!
//! The decision lives here, with the split check it belongs to; `verify` reads the
//! expected tags (the gate's requested ones, or the task definitions' image tags) and
//! hands them over.
//!
//! Decision: a variant answering with a release other than its image tag is a FAIL of
//! the split check (the traffic reaches something other than what is configured, so
//! the configured split is not what users get). Missing `x-release` headers, an
//! untagged/digest image, or the moving tag `latest` cannot be compared: a warning.

use crate::result::{CheckResult, SampleSummary, VariantStats, Verdict};

/// Image tags that name no release.
const MOVING_TAGS: &[&str] = &["latest"];

/// Failures and warnings of the release comparison for one variant.
pub fn compare(
    variant: &str,
    stats: &VariantStats,
    image_tag: Option<&str>,
) -> (Vec<String>, Vec<String>) {
    let (mut failures, mut warnings) = (Vec::new(), Vec::new());
    if stats.responses == 0 {
        return (failures, warnings);
    }
    let Some(tag) = image_tag.filter(|t| !MOVING_TAGS.contains(t)) else {
        warnings.push(format!(
            "{variant}: task definition image has no comparable tag; x-release not checked"
        ));
        return (failures, warnings);
    };
    let with_release: u64 = stats.releases.values().sum();
    if with_release < stats.responses {
        warnings.push(format!(
            "{variant}: {} of {} responses carried no x-release header",
            stats.responses - with_release,
            stats.responses
        ));
    }
    let wrong: Vec<String> = stats
        .releases
        .iter()
        .filter(|(r, _)| r.as_str() != tag)
        .map(|(r, n)| format!("{r} ({n})"))
        .collect();
    if !wrong.is_empty() {
        failures.push(format!(
            "{variant} answered with release {} but its task definition deploys image tag {tag}",
            wrong.join(", ")
        ));
    }
    (failures, warnings)
}

/// Release mismatches fail the split check; uncomparable releases are warnings.
/// `expected`: the (stable, canary) release each variant must answer with, `None` where
/// there is nothing to compare with.
pub fn apply(
    result: &mut CheckResult,
    summary: &SampleSummary,
    expected: (Option<&str>, Option<&str>),
) {
    for (variant, stats, tag) in [
        ("stable", &summary.stable, expected.0),
        ("canary", &summary.canary, expected.1),
    ] {
        let (failures, warnings) = compare(variant, stats, tag);
        if !failures.is_empty() {
            result.verdict = Verdict::Fail;
            result.summary = format!("{} {}", failures.join("; "), result.summary);
        }
        result.warnings.extend(warnings);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stats(releases: &[(&str, u64)], responses: u64) -> VariantStats {
        VariantStats {
            responses,
            releases: releases.iter().map(|(r, n)| (r.to_string(), *n)).collect(),
            ..VariantStats::default()
        }
    }

    #[test]
    fn matching_release_is_clean() {
        assert_eq!(
            compare("canary", &stats(&[("v2", 10)], 10), Some("v2")),
            (vec![], vec![])
        );
    }

    #[test]
    fn wrong_release_fails() {
        let (f, _) = compare("canary", &stats(&[("v1", 3), ("v2", 7)], 10), Some("v2"));
        assert_eq!(f.len(), 1);
        assert!(f[0].contains("v1 (3)"), "{f:?}");
    }

    #[test]
    fn uncomparable_is_a_warning() {
        let (f, w) = compare("stable", &stats(&[], 10), Some("v1"));
        assert!(f.is_empty());
        assert_eq!(w.len(), 1);
        let (f, w) = compare("stable", &stats(&[("x", 10)], 10), Some("latest"));
        assert!(f.is_empty());
        assert_eq!(w.len(), 1);
        assert_eq!(compare("stable", &stats(&[], 0), None), (vec![], vec![]));
    }
}
