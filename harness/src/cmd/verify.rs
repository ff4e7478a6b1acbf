//! `harness verify`: with `--plan`, what each check will need (no traffic sent);
//! otherwise a verification run ([`crate::verify::run`]) whose worst check verdict is
//! the exit code.

use crate::cli::VerifyArgs;
use crate::error::Result;
use crate::outcome::Outcome;

/// `harness verify`.
pub async fn run(args: VerifyArgs) -> Result<Outcome> {
    if args.plan {
        crate::verify::plan_only(args).await?;
        return Ok(Outcome::success());
    }
    let run = crate::verify::run(args).await?;
    Ok(Outcome::from_run(&run))
}
