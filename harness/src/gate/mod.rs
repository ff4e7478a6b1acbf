//! `harness gate`: the post-deploy gate the canary workflow runs after `terraform
//! apply`. It decides go / roll back from what was *requested* (weights and image
//! tags), not only from what the control plane says now: see [`rollout`].

pub mod rollout;
