//! Tests of the nginx renderer ([`super`]), on the text it renders.

use super::*;
use crate::twin::spec::Weights;
use crate::twin::spec::fault::Fault;

fn layout() -> EdgeLayout {
    EdgeLayout {
        prefix: "/tmp/t/edge/node-1".into(),
        listen: [127, 0, 0, 2].into(),
        cert: "/tmp/t/cert.pem".into(),
        key: "/tmp/t/key.pem".into(),
        modsecurity_rules: "/tmp/t/modsecurity/main.conf".into(),
        https_port: 18443,
        http_port: 18080,
        redirect_status: 301,
        waf_rate: Vec::new(),
        as_root: false,
    }
}

fn ups(ns: u16, nc: u16) -> Vec<Upstream> {
    let mut v = Vec::new();
    for i in 0..ns {
        v.push(Upstream {
            variant: Variant::Stable,
            addr: SocketAddr::from(([127, 0, 0, 1], 20000 + i)),
        });
    }
    for i in 0..nc {
        v.push(Upstream {
            variant: Variant::Canary,
            addr: SocketAddr::from(([127, 0, 0, 1], 21000 + i)),
        });
    }
    v
}

fn spec(w: &str, faults: &[Fault]) -> TwinSpec {
    TwinSpec::with_faults(w.parse::<Weights>().unwrap(), "img:t", faults)
}

#[test]
fn weights_keep_the_variant_ratio_across_replicas() {
    let s = spec("90/10", &[]);
    // 2 stable, 1 canary: each stable server 90, the canary 20 → 180:20 = 90:10.
    assert_eq!(server_weights(&s.stable, &s.canary), (9, 2));
    let conf = render(&s, &layout(), &ups(2, 1));
    assert!(
        conf.contains("server 127.0.0.1:20000 weight=9; # stable"),
        "{conf}"
    );
    assert!(conf.contains("server 127.0.0.1:20001 weight=9; # stable"));
    assert!(conf.contains("server 127.0.0.1:21000 weight=2; # canary"));
    assert!(conf.contains("random;"));
    assert!(conf.contains("keepalive 32;"));
    assert!(conf.contains("modsecurity_transaction_id \"$request_id\";"));
}

#[test]
fn weight_zero_is_down_not_weight_zero() {
    let s = spec("90/10", &[Fault::CanaryNotScaled]);
    let mut s2 = s.clone();
    s2.canary.edge_weight = 0;
    let conf = render(&s2, &layout(), &ups(2, 1));
    assert!(
        conf.contains("server 127.0.0.1:21000 down; # canary"),
        "{conf}"
    );
    assert!(!conf.contains("weight=0"));
}

#[test]
fn tls_policy_mirrors_the_alb() {
    let conf = render(&spec("90/10", &[]), &layout(), &ups(1, 1));
    assert!(conf.contains("ssl_protocols TLSv1.2 TLSv1.3;"), "{conf}");
    assert!(conf.contains(ALB_TLS12_CIPHERS));
    assert!(!conf.contains("SECLEVEL"));
    let legacy = render(&spec("90/10", &[Fault::TlsLegacy]), &layout(), &ups(1, 1));
    assert!(legacy.contains("ssl_protocols TLSv1 TLSv1.1 TLSv1.2 TLSv1.3;"));
    assert!(legacy.contains("@SECLEVEL=0"));
}

#[test]
fn http_redirects_with_path_and_query_unless_faulted() {
    let conf = render(&spec("90/10", &[]), &layout(), &ups(1, 1));
    // The node's own address, the port shared by every node.
    assert!(conf.contains("listen 127.0.0.2:18080;"), "{conf}");
    assert!(conf.contains("listen 127.0.0.2:18443 ssl http2;"));
    assert!(conf.contains("return 301 https://$host:18443$request_uri;"));
    let off = render(&spec("90/10", &[Fault::NoRedirect]), &layout(), &ups(1, 1));
    assert!(!off.contains("return 301"));
    assert_eq!(off.matches("proxy_pass http://targets;").count(), 2);
    let drops = render(
        &spec("90/10", &[Fault::RedirectDropsQuery]),
        &layout(),
        &ups(1, 1),
    );
    assert!(drops.contains("return 301 https://$host:18443$twin_path_only;"));
    assert!(drops.contains(r#"map $request_uri $twin_path_only { "~^(?<p>[^?]*)" $p; }"#));
    assert!(!conf.contains("$twin_path_only"));
}

#[test]
fn everything_lives_under_the_prefix() {
    let conf = render(&spec("50/50", &[]), &layout(), &ups(1, 1));
    assert!(conf.contains("daemon off;"));
    assert!(conf.contains("pid /tmp/t/edge/node-1/nginx.pid;"));
    assert!(conf.contains("error_log /tmp/t/edge/node-1/logs/error.log"));
    assert!(conf.contains("proxy_temp_path /tmp/t/edge/node-1/tmp/proxy;"));
    assert!(!conf.contains("/var/"));
    assert!(conf.contains("modsecurity_rules_file /tmp/t/modsecurity/main.conf;"));
    assert!(!conf.contains("user root;"));
}

#[test]
fn reweight_rewrites_only_the_servers() {
    let conf = render(&spec("90/10", &[]), &layout(), &ups(2, 1));
    let moved = reweight(&conf, 50, 50).unwrap();
    assert_eq!(moved, render(&spec("50/50", &[]), &layout(), &ups(2, 1)));
    let starved = reweight(&conf, 100, 0).unwrap();
    assert!(
        starved.contains("server 127.0.0.1:21000 down; # canary"),
        "{starved}"
    );
    assert!(starved.contains("server 127.0.0.1:20000 weight=1; # stable"));
    assert_eq!(reweight(&starved, 90, 10).unwrap(), conf);
    let no_canary = render(&spec("100/0", &[]), &layout(), &ups(2, 0));
    assert!(
        reweight(&no_canary, 50, 50)
            .unwrap_err()
            .contains("no canary")
    );
}

#[test]
fn no_targets_still_renders_a_valid_upstream() {
    let conf = render(&spec("90/10", &[]), &layout(), &[]);
    assert!(conf.contains("server 127.0.0.1:9 down;"));
}
