//! The harness's one integration-test binary (as ripgrep has one): every test that
//! drives the harness from outside its crate links the AWS SDK, testcontainers and the
//! harness once, here, instead of once per file. Modules are named after what they
//! test; `support/` holds the helpers they share (worlds, twins, operating points, the
//! Terraform readers) and the lock that runs twin tests one at a time
//! (`support::serial`). The statistics simulations and the report renderers' tests
//! need none of this I/O and live with the pure core crate.
//!
//! Run one module with `cargo test -p harness --test integration MODULE::`, e.g.
//! `cargo test -p harness --test integration infra::`.

mod support;

mod app;
mod bad_input;
mod faults;
mod health;
mod infra;
mod merge;
mod promotion;
mod scale;
mod split;
mod tls;
mod twin;
mod verify;
mod waf;
