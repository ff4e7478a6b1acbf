//! The core crate's one integration-test binary. It builds without the AWS SDK, an
//! HTTP stack or an async runtime, like the crate it tests; its modules are named
//! after what they test.
//!
//! * `stats_simulation`: seeded simulations of the real split monitor (false FAIL,
//!   coverage, detection, exact-vs-simulated agreement, moving weights) and the
//!   README's operating-characteristics table.
//! * `report`: every render against the repo's schemas, bounded HTML size, evidence
//!   kinds.
//! * `purity`: the crate's dependencies stay on a pure allow-list.

mod purity;
mod report;
mod stats_simulation;
