//! The infrastructure's contracts, checked offline (no provider, no AWS): Terraform
//! (`terraform`), the workflows (`workflow`), the nightly's shard matrix (`matrix`) and
//! its ECS runner task (`runner`), the deploy path's registrar, alarms, ECR lifecycle
//! and roles (`deploy_path`), and the machine setup (`setup`), whose second run on this
//! machine must do nothing and whose venv path is tried with Debian's own Python.

mod deploy_path;
mod matrix;
mod runner;
mod setup;
mod terraform;
mod workflow;
