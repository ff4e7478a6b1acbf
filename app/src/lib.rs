//! The poem service deployed as stable and canary. See `main.rs` for the binary.
