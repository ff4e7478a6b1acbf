//! The service deployed as stable and canary: `Hello World` on the application port,
//! JSON health on its own port, and on every response the `x-release` / `x-variant`
//! headers by which the harness attributes each sampled response to a side of the
//! split. It drains on SIGTERM the way an ECS task behind an ALB should.
//!
//! Layout: [`config`] (env → [`Config`]), [`state`] (what the handlers share),
//! [`routes`] (handlers), [`edge`] (limits, attribution headers, access log), [`guard`]
//! (head/idle timeouts), [`server`] (listeners, drain). Imports run one way: `server` →
//! `routes` → `edge` → `state` → `config`. The header names and [`Variant`] come from
//! `canary-contract`, shared with the harness. The binary (`main.rs`) only wires signals and logging.

pub mod config;
pub mod edge;
pub mod guard;
pub mod routes;
pub mod server;
pub mod state;

pub use config::{Config, ConfigError, Variant};
pub use edge::{HEADER_RELEASE, HEADER_VARIANT};
pub use server::{Running, start};
