//! The checks whose decisions are pure: each takes data (configured truth, sample
//! aggregates) and returns a [`crate::result::CheckResult`]. The checks that must
//! probe the target (scale, TLS, WAF, WAF posture) live in the `harness` crate, which
//! re-exports these beside them as `harness::checks::{split, health}`.

pub mod health;
pub mod split;
