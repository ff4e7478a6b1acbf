//! The `scale` check.
