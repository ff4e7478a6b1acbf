//! The checks. Each takes data (configured truth, sample aggregates, probe results)
//! and returns a [`crate::result::CheckResult`]. The pure decisions of `split` and
//! `health` live in the core crate (`harness_core::checks`) and are re-exported here.

pub mod scale;
pub mod tls;
pub mod waf;
pub mod waf_posture;

pub use harness_core::checks::{health, split};

#[cfg(test)]
mod core_contract {
    //! Constants the core keeps in step with the harness without depending on it.

    #[test]
    fn core_knows_the_corpus_placements_in_report_order() {
        let labels: Vec<&str> = super::waf::corpus::Placement::ALL
            .iter()
            .map(|p| p.label())
            .collect();
        assert_eq!(labels, harness_core::report::PLACEMENT_ORDER);
    }

    #[test]
    fn core_tables_assume_the_default_rate() {
        assert_eq!(
            harness_core::oc::split::DEFAULT_RPS,
            crate::config::DEFAULT_RPS
        );
    }
}
