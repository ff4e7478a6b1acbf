//! Prints the operating-characteristics tables of the README ("Operating
//! characteristics") as Markdown: exact cells and seeded simulations of the real
//! monitors, so the output is the same on every run.
//!
//! Run: `cargo run -p harness-core --release --example oc_table`, then paste the output
//! over the tables in README.md (`tests/core/stats_simulation.rs` checks that they match).

use std::process::ExitCode;

use harness_core::oc::{document, split::OC_RUNS};

fn main() -> ExitCode {
    match document(OC_RUNS) {
        Ok(md) => {
            print!("{md}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}
