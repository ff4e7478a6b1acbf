//! `harness gate`: the post-deploy gate (see [`crate::gate`]): resolves what was
//! requested, decides go / roll back ([`crate::gate::decide`]) and prints the decision.

use std::time::Duration;

use crate::cli::GateArgs;
use crate::error::Result;
use crate::gate::{decide, requested};
use crate::outcome::Outcome;

/// `harness gate`.
pub async fn run(args: GateArgs) -> Result<Outcome> {
    let req = requested::resolve(&args)?;
    let timeout = Duration::from_secs(args.rollout_timeout);
    let decision = decide(args.verify, &req, timeout).await?;
    eprintln!("gate: {}", decision.line());
    Ok(decision.outcome)
}
