//! The checks. Each takes data (configured truth, sample aggregates, probe results)
//! and returns a [`crate::result::CheckResult`].

pub mod health;
pub mod scale;
pub mod split;
pub mod tls;
pub mod waf;
pub mod waf_posture;
