//! The twin's AWS control plane: a moto server ([`moto`]) seeded with what app-infra
//! declares ([`seed`]: load balancer, listener and rules, target groups
//! ([`target_group`]), ECS cluster and services ([`ecs`]), WAF WebACL ([`waf`]),
//! ACM certificate), and the listener write a deployment makes ([`listener`]).

pub mod ecs;
pub mod listener;
pub mod moto;
pub mod seed;
pub mod target_group;
pub mod waf;
