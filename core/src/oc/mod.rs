//! Operating-characteristics tables: how often each check reaches each verdict in the
//! situations it must tell apart, at the defaults, as Markdown for the README
//! ("Operating characteristics"). One function per check returns its section; the
//! `oc_table` example prints [`document`], and a test in `tests/core/stats_simulation.rs`
//! regenerates the sections and compares them with the README.
//!
//! Regenerate: `cargo run -p harness-core --release --example oc_table`.

pub mod sim;
pub mod split;

use crate::error::Result;

/// A section generator: `runs` simulated runs per simulated cell → Markdown.
pub type Section = fn(u64) -> Result<String>;

/// Every section, in README order.
pub const SECTIONS: [Section; 2] = [split::split_section, health_section];

/// The health table ([`crate::checks::health::oc`]) at the defaults: budget 20,000,
/// α = 0.01.
pub fn health_section(runs: u64) -> Result<String> {
    use crate::checks::health::oc;
    let (budget, alpha) = (crate::checks::split::DEFAULT_MAX_REQUESTS, 0.01);
    Ok(oc::table_markdown_from(
        &oc::rows(budget, alpha, runs),
        budget,
        alpha,
    ))
}

/// All sections, separated by blank lines.
pub fn document(runs: u64) -> Result<String> {
    let parts = SECTIONS
        .iter()
        .map(|s| s(runs))
        .collect::<Result<Vec<_>>>()?;
    Ok(parts.join("\n"))
}
