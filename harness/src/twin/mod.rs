//! The local twin of production: app containers (testcontainers), an nginx +
//! ModSecurity + OWASP CRS edge standing in for ALB + WAF, and moto standing in for
//! the AWS control plane. One [`TwinSpec`] drives all three; a [`Fault`] makes two of
//! them disagree so that each check of `harness verify` can be shown to fail.
//!
//! One folder per concern, each depending only on those listed before it (checked by
//! `crate::layout_tests`):
//!
//! - [`spec`]: what the twin is (spec, faults, TLS policy table, the Terraform reader);
//! - [`host`]: what it needs from the machine (tools, child processes, 0600 files,
//!   whether a recorded pid is still ours);
//! - [`edge`]: the nginx + ModSecurity edge (configs, certificates, WAF rate rules, the
//!   nginx process);
//! - [`control_plane`]: moto and what is seeded in it;
//! - [`targets`]: the app image and its containers;
//! - [`lifecycle`]: a running [`Twin`] (start, change, stop, the state file);
//! - [`promotion`]: a whole promotion on one twin, judged by the gate.
//!
//! The commands that drive a twin (`harness local`, `harness twin …`) are in
//! `crate::cmd`; the twin does not know about them.

pub mod control_plane;
pub mod edge;
pub mod host;
pub mod lifecycle;
pub mod promotion;
pub mod spec;
pub mod targets;

// The paths below are the twin's public surface (tests and other modules use them).
pub use control_plane::{moto, seed};
pub use edge::certs::{Pki, PkiPaths};
pub use edge::nginx::{EdgeLayout, Upstream, Variant, render as render_nginx};
pub use edge::server::EdgeServer;
pub use edge::waf_rate;
pub use lifecycle::access::{LOCAL_RPS, merge_verify_args};
pub use lifecycle::detached::env_lines;
pub use lifecycle::state::TwinState;
pub use lifecycle::weights::WeightChange;
pub use lifecycle::{Twin, TwinOptions};
pub use spec::fault::Fault;
pub use spec::terraform;
pub use spec::{CertProfile, TlsVersion, TwinSpec, VariantSpec, WafMode, Weights};
pub use targets::containers::{AppContainer, LABEL_KEEP, LABEL_OWNER, LABEL_TWIN};
pub use targets::{IMAGE_ENV, image, image_for_twin};
