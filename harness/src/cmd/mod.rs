//! The commands of the `harness` binary, one file each, called by [`crate::run`]. A
//! command turns its parsed arguments into calls of the library ([`crate::verify`],
//! [`crate::gate`], [`crate::twin`], [`crate::report`]) and an [`Outcome`]; nothing
//! in the library calls back into a command.

pub mod gate;
pub mod local;
pub mod report;
pub mod twin;
pub mod verify;

pub use crate::outcome::Outcome;
