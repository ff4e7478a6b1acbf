//! nginx configuration of the edge (the twin's ALB), generated from a [`TwinSpec`] as
//! text. Pure: no I/O, so the rules (weights, `down` for weight 0, TLS protocols, the
//! redirect) are unit-tested on the output. [`crate::twin::edge::server`] runs it.

use std::fmt::Write as _;
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;

use crate::twin::edge::waf_rate;
use crate::twin::spec::terraform::RateRule;
use crate::twin::spec::{TwinSpec, VariantSpec};

pub use crate::twin::host::prereq::MODSECURITY_MODULE;
/// Idle keep-alive connections nginx holds to the targets.
pub const UPSTREAM_KEEPALIVE: u32 = 32;
pub use crate::twin::spec::tls_policy::{ALB_TLS12_CIPHERS, LEGACY_CIPHERS};

/// Which variant a target container belongs to (the attribution contract's enum,
/// shared with the app).
pub use canary_contract::Variant;

/// One target the edge proxies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Upstream {
    /// Its variant.
    pub variant: Variant,
    /// Where nginx reaches it (the container's mapped port on loopback).
    pub addr: SocketAddr,
}

/// Files, address and ports of one edge node.
#[derive(Debug, Clone)]
pub struct EdgeLayout {
    /// nginx prefix (`-p`): the node's folder; logs and temp files live below it.
    pub prefix: PathBuf,
    /// The node's loopback address (each node has its own, as each ALB node has).
    pub listen: IpAddr,
    /// Leaf certificate PEM.
    pub cert: PathBuf,
    /// Leaf key PEM.
    pub key: PathBuf,
    /// ModSecurity main rules file.
    pub modsecurity_rules: PathBuf,
    /// HTTPS listener port (the same on every node).
    pub https_port: u16,
    /// HTTP listener port (the same on every node).
    pub http_port: u16,
    /// Status of the HTTP listener's redirect (Terraform's `redirect.status_code`).
    pub redirect_status: u16,
    /// WAF rate rules whose denials get their declared status and header.
    pub waf_rate: Vec<RateRule>,
    /// Whether nginx runs as root (then workers must be told to stay root to write the
    /// temp folders; as another user the `user` directive is ignored).
    pub as_root: bool,
}

fn gcd(a: u32, b: u32) -> u32 {
    if b == 0 { a } else { gcd(b, a % b) }
}

/// Per-server nginx weights `(stable, canary)` so that the variants' totals keep the
/// ratio `stable_w : canary_w` whatever the replica counts: each server of a variant
/// gets `variant weight × replicas of the other variant`, reduced by their gcd.
/// A zero means the servers are marked `down`.
pub fn server_weights(stable: &VariantSpec, canary: &VariantSpec) -> (u32, u32) {
    weights_per_server(
        (stable.edge_weight, canary.edge_weight),
        (stable.replicas, canary.replicas),
    )
}

/// [`server_weights`] from variant weights and replica counts.
fn weights_per_server((stable_w, canary_w): (u32, u32), (ns, nc): (u32, u32)) -> (u32, u32) {
    let (ws, wc) = (stable_w * nc.max(1), canary_w * ns.max(1));
    let g = gcd(ws, wc).max(1);
    (ws / g, wc / g)
}

/// Rewrites the upstream servers of a config [`render`]ed earlier to the variant
/// weights `stable/canary` (`down` for 0), keeping everything else. Used on a twin
/// left running by `twin up`, whose spec lives only in its config. A positive weight
/// for a variant without servers is a configuration error.
pub fn reweight(conf: &str, stable: u32, canary: u32) -> Result<String, String> {
    let tagged = |l: &str, v: Variant| {
        let l = l.trim_start();
        l.starts_with("server ") && l.ends_with(&format!("; # {}", v.as_str()))
    };
    let count = |v: Variant| conf.lines().filter(|l| tagged(l, v)).count() as u32;
    let (ns, nc) = (count(Variant::Stable), count(Variant::Canary));
    for (name, w, n) in [("stable", stable, ns), ("canary", canary, nc)] {
        if w > 0 && n == 0 {
            return Err(format!(
                "edge weight {w} for {name}: the twin runs no {name} container"
            ));
        }
    }
    let (ws, wc) = weights_per_server((stable, canary), (ns, nc));
    let mut out = String::with_capacity(conf.len());
    for line in conf.lines() {
        let variant = [Variant::Stable, Variant::Canary]
            .into_iter()
            .find(|v| tagged(line, *v));
        match variant {
            Some(v) => {
                let addr = line.split_whitespace().nth(1).unwrap_or_default();
                let w = if v == Variant::Stable { ws } else { wc };
                let how = if w == 0 {
                    "down".to_string()
                } else {
                    format!("weight={w}")
                };
                let _ = writeln!(out, "        server {addr} {how}; # {}", v.as_str());
            }
            None => {
                out.push_str(line);
                out.push('\n');
            }
        }
    }
    Ok(out)
}

/// Renders `nginx.conf`.
pub fn render(spec: &TwinSpec, layout: &EdgeLayout, upstreams: &[Upstream]) -> String {
    let p = layout.prefix.display();
    let mut c = String::new();
    let _ = writeln!(
        c,
        "# Generated by canary-harness for the local twin. Do not edit."
    );
    let _ = writeln!(c, "load_module {MODSECURITY_MODULE};");
    if layout.as_root {
        let _ = writeln!(c, "user root;");
    }
    let _ = writeln!(c, "daemon off;");
    let _ = writeln!(c, "worker_processes 1;");
    let _ = writeln!(c, "pid {p}/nginx.pid;");
    let _ = writeln!(c, "error_log {p}/logs/error.log warn;");
    let _ = writeln!(c, "events {{ worker_connections 1024; }}");
    let _ = writeln!(c, "http {{");
    // Buffered: one write per 32 KB of lines (or second) instead of one per request.
    let _ = writeln!(
        c,
        "    access_log {p}/logs/access.log combined buffer=32k flush=1s;"
    );
    for t in ["client_body", "proxy", "fastcgi", "uwsgi", "scgi"] {
        let _ = writeln!(c, "    {t}_temp_path {p}/tmp/{t};");
    }
    let _ = writeln!(c, "    server_tokens off;");
    // ALB accepts a request line or header of up to 16 KB; nginx's default (8 KB) would
    // answer 400 before the WAF sees a cookie over AWS's 10,240-byte cookie limit.
    let _ = writeln!(c, "    large_client_header_buffers 4 16k;");
    // Header names nginx calls invalid (e.g. `spring.cloud.function.routing-expression`,
    // the CVE-2022-22963 vector) reach the WAF: AWS documents JavaDeserializationRCE_HEADER
    // as inspecting header keys. app-infra's `drop_invalid_header_fields` drops them on
    // the way to the targets; whether AWS WAF inspects before that drop is not documented,
    // so the twin assumes it does and a run against the real ALB answers the question.
    let _ = writeln!(c, "    ignore_invalid_headers off;");
    let _ = writeln!(c, "    modsecurity on;");
    // nginx's request id names each WAF transaction; left unset, ModSecurity makes its
    // own from a fresh `std::random_device` per request (3 % of the edge's CPU, perf).
    let _ = writeln!(c, "    modsecurity_transaction_id \"$request_id\";");
    let _ = writeln!(
        c,
        "    modsecurity_rules_file {};",
        layout.modsecurity_rules.display()
    );

    if !spec.redirect_keeps_query {
        let _ = writeln!(
            c,
            "    map $request_uri $twin_path_only {{ \"~^(?<p>[^?]*)\" $p; }}"
        );
    }
    let (ws, wc) = server_weights(&spec.stable, &spec.canary);
    let _ = writeln!(c, "    upstream targets {{");
    let _ = writeln!(c, "        random;");
    let mut any = false;
    for u in upstreams {
        let w = match u.variant {
            Variant::Stable => ws,
            Variant::Canary => wc,
        };
        any = true;
        if w == 0 {
            let _ = writeln!(
                c,
                "        server {} down; # {}",
                u.addr,
                u.variant.as_str()
            );
        } else {
            let _ = writeln!(
                c,
                "        server {} weight={w}; # {}",
                u.addr,
                u.variant.as_str()
            );
        }
    }
    if !any {
        // nginx needs at least one server; this one answers 502.
        let _ = writeln!(c, "        server 127.0.0.1:9 down;");
    }
    let _ = writeln!(c, "        keepalive {UPSTREAM_KEEPALIVE};");
    let _ = writeln!(c, "    }}");

    let proxy = "        location / {\n\
            proxy_pass http://targets;\n\
            proxy_http_version 1.1;\n\
            proxy_set_header Connection \"\";\n\
            proxy_set_header Host $host;\n\
            proxy_set_header X-Forwarded-For $remote_addr;\n\
            proxy_set_header X-Forwarded-Proto $scheme;\n\
        }\n";

    let protocols: Vec<&str> = spec.tls_versions.iter().map(|v| v.nginx_name()).collect();
    let ciphers = if spec.legacy_tls() {
        LEGACY_CIPHERS
    } else {
        ALB_TLS12_CIPHERS
    };
    let _ = writeln!(c, "    server {{");
    let _ = writeln!(
        c,
        "        listen {}:{} ssl http2;",
        layout.listen, layout.https_port
    );
    let _ = writeln!(c, "        server_name {};", spec.host);
    let _ = writeln!(c, "        ssl_certificate {};", layout.cert.display());
    let _ = writeln!(c, "        ssl_certificate_key {};", layout.key.display());
    let _ = writeln!(c, "        ssl_protocols {};", protocols.join(" "));
    let _ = writeln!(c, "        ssl_ciphers {ciphers};");
    let _ = writeln!(c, "        ssl_prefer_server_ciphers on;");
    c.push_str(proxy);
    c.push_str(&waf_rate::render_nginx(&layout.waf_rate));
    let _ = writeln!(c, "    }}");

    let _ = writeln!(c, "    server {{");
    let _ = writeln!(c, "        listen {}:{};", layout.listen, layout.http_port);
    let _ = writeln!(c, "        server_name {};", spec.host);
    if spec.redirect {
        // `redirect-drops-query`: the raw path only (no `?…`), still undecoded.
        let target = if spec.redirect_keeps_query {
            "$request_uri"
        } else {
            "$twin_path_only"
        };
        let _ = writeln!(
            c,
            "        location / {{ return {} https://$host:{}{target}; }}",
            layout.redirect_status, layout.https_port
        );
    } else {
        c.push_str(proxy);
    }
    c.push_str(&waf_rate::render_nginx(&layout.waf_rate));
    let _ = writeln!(c, "    }}");
    let _ = writeln!(c, "}}");
    c
}

#[cfg(test)]
#[path = "nginx_tests.rs"]
mod tests;
