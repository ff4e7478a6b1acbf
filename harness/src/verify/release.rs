//! Which release each variant must answer with: the gate's requested tags when given,
//! else the image tags of the services' task definitions. The comparison and its
//! decision are the split check's ([`crate::checks::split::release`]).

use crate::aws::Truth;
use crate::checks::split::release;
use crate::result::{CheckResult, SampleSummary};

/// Applies the release comparison to the split check's `result`.
pub(super) fn apply(
    result: &mut CheckResult,
    summary: &SampleSummary,
    truth: &Truth,
    expected: Option<&(String, String)>,
) {
    let tags = match expected {
        Some((s, c)) => (Some(s.as_str()), Some(c.as_str())),
        None => (
            truth.stable.image_tag.as_deref(),
            truth.canary.image_tag.as_deref(),
        ),
    };
    release::apply(result, summary, tags);
}
