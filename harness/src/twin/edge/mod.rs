//! The twin's edge, standing in for the ALB and its WAF: the nginx configuration
//! ([`nginx`]: listeners, TLS, redirect, weighted upstreams), the ModSecurity + OWASP
//! CRS rules ([`modsec`]) and WAF rate rules ([`waf_rate`]) rendered from what
//! Terraform declares, the run-time PKI ([`certs`]) and the nginx processes themselves
//! ([`server`]: one per load-balancer node, as many as shared-infra declares
//! availability zones, on `127.0.0.1`, `127.0.0.2`, … at the same ports; start,
//! reload, stop).
//!
//! Each node counts the WAF's rate rules on its own, where the real WebACL aggregates
//! a rate-based rule across the load balancer's nodes: on the twin a client spread
//! over `k` nodes is blocked after `k` times the limit, so rate tests send to one node
//! (`Twin::node_endpoint`).

pub mod certs;
pub mod modsec;
pub mod nginx;
pub mod server;
pub mod waf_rate;
