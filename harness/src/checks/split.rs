//! The `split` check.
