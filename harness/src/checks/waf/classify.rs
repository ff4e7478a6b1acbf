//! Per-response verdict of the WAF check (pure).
//!
//! A response is **blocked** only when it carries the WAF's block status AND no
//! attribution header (`x-variant`), i.e. it did not come from the app; it is
//! **passed** when the app answered (attribution header present, whatever the status);
//! anything else is **unresolved** and counted separately: a 200 block page, a 5xx
//! from the edge, a timeout. Counting "not 200" as blocked overstates a WAF
//! (GoTestWAF issue #198: block pages answered with 200).

/// Header set by the app on every response; its presence proves the app answered.
pub use canary_contract::HEADER_VARIANT as ATTRIBUTION_HEADER;

/// Status of a rate-based rule's answer.
pub const RATE_LIMITED_STATUS: u16 = 429;

/// Outcome of one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WafOutcome {
    /// The WAF answered with its block status.
    Blocked,
    /// The app answered.
    Passed,
    /// Neither could be shown.
    Unresolved,
}

/// Classifies a response: `status` is `None` for a transport error or timeout.
pub fn classify(status: Option<u16>, attributed: bool, block_status: u16) -> WafOutcome {
    match status {
        _ if attributed => WafOutcome::Passed,
        Some(s) if s == block_status => WafOutcome::Blocked,
        _ => WafOutcome::Unresolved,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_three_outcomes() {
        assert_eq!(classify(Some(403), false, 403), WafOutcome::Blocked);
        assert_eq!(classify(Some(200), true, 403), WafOutcome::Passed);
        // The app itself answering 403 is not the WAF.
        assert_eq!(classify(Some(403), true, 403), WafOutcome::Passed);
        assert_eq!(classify(Some(404), true, 403), WafOutcome::Passed);
        // A block page with 200 (GoTestWAF #198), an edge 502, a timeout, a 429.
        assert_eq!(classify(Some(200), false, 403), WafOutcome::Unresolved);
        assert_eq!(classify(Some(502), false, 403), WafOutcome::Unresolved);
        assert_eq!(classify(None, false, 403), WafOutcome::Unresolved);
        assert_eq!(classify(Some(429), false, 403), WafOutcome::Unresolved);
        // A configured block status.
        assert_eq!(classify(Some(406), false, 406), WafOutcome::Blocked);
        assert_eq!(classify(Some(403), false, 406), WafOutcome::Unresolved);
    }
}
