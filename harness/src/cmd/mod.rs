//! The commands of the `harness` binary, one file each, called by [`crate::run`]. A
//! command turns its parsed arguments into calls of the library ([`crate::verify`],
//! [`crate::gate`], [`crate::twin`], [`crate::report`], [`crate::merge`](harness_core::merge)) and an [`Outcome`]; nothing
//! in the library calls back into a command.

pub mod gate;
pub mod local;
pub mod merge;
pub mod report;
pub mod twin;
pub mod verify;

pub use crate::outcome::Outcome;
