//! Exit codes of the `harness` binary. They are a public contract: CI gates and the
//! canary workflow branch on them, and README and `--help` document them.

/// Every selected check passed, with evidence.
pub const EXIT_OK: i32 = 0;
/// At least one check failed.
pub const EXIT_CHECK_FAILED: i32 = 1;
/// Usage or configuration error (bad flag, bad config file, unknown ARN, bad weights).
pub const EXIT_USAGE: i32 = 2;
/// No check failed, but at least one lacked the evidence to pass.
pub const EXIT_INCONCLUSIVE: i32 = 3;
/// The target or AWS could not be reached, or another runtime error.
pub const EXIT_RUNTIME: i32 = 4;

/// The exit-code table as printed in `--help`.
pub const EXIT_CODES_HELP: &str = "Exit codes:
  0  all checks passed
  1  a check failed
  2  usage or configuration error
  3  inconclusive (not enough evidence)
  4  target or AWS unreachable, missing prerequisite, or runtime error";
