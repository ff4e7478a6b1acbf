//! The `waf` check.
