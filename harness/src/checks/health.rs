//! The `health` check.
