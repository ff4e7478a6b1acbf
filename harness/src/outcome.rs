//! [`Outcome`]: what a command (or a step of one, such as a gate decision) ended with,
//! before it becomes the process's exit code. A leaf module, so that the library parts
//! that produce an outcome (the gate, the twin's promotion flow) need not import the
//! commands that return it.

use crate::result::RunResult;

/// What a command ended with, before it becomes an exit code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    code: i32,
}

impl Outcome {
    /// An outcome with an explicit exit code.
    pub fn with_code(code: i32) -> Self {
        Outcome { code }
    }

    /// A command that succeeded without a verdict (twin up/down, report).
    pub fn success() -> Self {
        Outcome {
            code: crate::exit::EXIT_OK,
        }
    }

    /// The exit code of a verification run.
    pub fn from_run(run: &RunResult) -> Self {
        Outcome {
            code: run.exit_code(),
        }
    }

    /// The process exit code.
    pub fn exit_code(&self) -> i32 {
        self.code
    }
}
