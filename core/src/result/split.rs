//! How every report reads the split evidence: the band the decision used and the time
//! to converge, computed once here so the renderers cannot disagree.

use super::SplitEvidence;

impl SplitEvidence {
    /// The margin the decision used: the effective margin, or the configured one in
    /// reports written before the effective margin existed.
    pub fn decision_margin(&self) -> f64 {
        if self.effective_margin > 0.0 {
            self.effective_margin
        } else {
            self.margin
        }
    }

    /// The equivalence band the decision used, within [0, 1].
    pub fn band(&self) -> (f64, f64) {
        let m = self.decision_margin();
        (
            (self.configured_share - m).max(0.0),
            (self.configured_share + m).min(1.0),
        )
    }

    /// Time to converge as shown in every report: "0 s (the share never moved)",
    /// "2.8 s (request 4,312)", or "not converged (still moving)"; empty for reports
    /// written before it existed (no path recorded).
    pub fn converge_text(&self) -> String {
        match (self.time_to_converge_s, self.converged_at_request) {
            (Some(t), _) if self.change_points.is_empty() => {
                format!("{t:.1} s (the share never moved)")
            }
            (Some(t), Some(r)) => format!("{t:.1} s (from request {r})"),
            (Some(t), None) => format!("{t:.1} s"),
            (None, _) if !self.change_points.is_empty() => {
                "not converged: the split was still moving".to_string()
            }
            (None, _) => String::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::result::ChangePointEvidence;

    #[test]
    fn band_and_time_to_converge_as_reports_show_them() {
        let mut e = SplitEvidence {
            configured_share: 0.01,
            margin: 0.02,
            effective_margin: 0.005,
            ..SplitEvidence::default()
        };
        assert_eq!(e.band(), (0.005, 0.015), "the scaled band, not ±2 points");
        e.effective_margin = 0.0; // an older report: the configured margin, clamped
        assert_eq!(e.band(), (0.0, 0.03));
        assert_eq!(e.converge_text(), "");
        e.time_to_converge_s = Some(0.0);
        assert_eq!(e.converge_text(), "0.0 s (the share never moved)");
        e.change_points.push(ChangePointEvidence::default());
        e.time_to_converge_s = Some(2.8);
        e.converged_at_request = Some(4312);
        assert_eq!(e.converge_text(), "2.8 s (from request 4312)");
        e.time_to_converge_s = None;
        assert!(e.converge_text().contains("still moving"));
    }
}
