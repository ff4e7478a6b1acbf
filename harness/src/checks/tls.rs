//! The `tls` check.
