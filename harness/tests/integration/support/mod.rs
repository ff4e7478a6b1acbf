//! Helpers shared by the integration tests: no test lives here, only what several test
//! modules need to build a world, a twin or a table of operating points.

pub mod infra;
pub mod local_run;
pub mod node_oc;
pub mod serial;
pub mod tls_world;
pub mod twin_oc;
pub mod twin_tf;
pub mod twin_util;
pub mod verify_world;

pub mod ecr_lifecycle;
pub mod iam_contract;
pub mod nightly_matrix;
pub mod nightly_role;
pub mod workflow_gate;
