//! The twin's edge, standing in for the ALB and its WAF: the nginx configuration
//! ([`nginx`]: listeners, TLS, redirect, weighted upstreams), the ModSecurity + OWASP
//! CRS rules ([`modsec`]) and WAF rate rules ([`waf_rate`]) rendered from what
//! Terraform declares, the run-time PKI ([`certs`]) and the nginx process itself
//! ([`server`]: start, reload, stop).

pub mod certs;
pub mod modsec;
pub mod nginx;
pub mod server;
pub mod waf_rate;
