//! What the twin renders from Terraform (`harness::twin::terraform::Declared`), for
//! `tests/terraform_contract.rs`: the twin must follow the stack, not its own constants.

#![allow(dead_code)]

use crate::infra::*;

/// The value of `local.NAME` in a stack, evaluated (locals may refer to each other).
pub fn local_number(blocks: &[Block], name: &str) -> i64 {
    let mut ctx = hcl::eval::Context::new();
    let mut locals = hcl::Map::new();
    // Evaluate repeatedly so locals that refer to other locals resolve (a few rounds
    // suffice for the short chains in app-infra).
    for _ in 0..4 {
        ctx.declare_var("local", hcl::Value::Object(locals.clone()));
        for block in all(blocks, "locals") {
            for a in block.body().attributes() {
                if let Ok(v) = a.expr().evaluate(&ctx) {
                    locals.insert(a.key().to_string(), v);
                }
            }
        }
    }
    locals
        .get(name)
        .and_then(|v| v.as_i64())
        .unwrap_or_else(|| panic!("local.{name} is not a number in the stack"))
}

/// A temporary copy of a stack with `from` replaced by `to` in `file` (which must
/// contain it).
pub fn copy_stack_with(stack: &str, file: &str, from: &str, to: &str) -> tempfile::TempDir {
    let src = repo_root().join("terraform").join(stack);
    let dst = tempfile::tempdir().unwrap();
    for entry in std::fs::read_dir(&src).unwrap() {
        let p = entry.unwrap().path();
        if p.extension().is_some_and(|e| e == "tf") {
            let mut text = std::fs::read_to_string(&p).unwrap();
            if p.file_name().unwrap() == file {
                assert!(text.contains(from), "{file} lacks {from}");
                text = text.replace(from, to);
            }
            std::fs::write(dst.path().join(p.file_name().unwrap()), text).unwrap();
        }
    }
    dst
}

/// What the twin renders from `d`: the seed plan's ports and health check, the nginx
/// config of the edge and its ModSecurity rate rules, as one text to search.
pub fn twin_render(d: &harness::twin::terraform::Declared) -> String {
    use harness::twin::waf_rate::{RateLimits, RateOverrides, render_modsec, render_nginx};
    let limits = RateLimits::new(d, RateOverrides::default(), "t".into());
    let layout = harness::twin::EdgeLayout {
        prefix: "/p".into(),
        cert: "/c".into(),
        key: "/k".into(),
        modsecurity_rules: "/m".into(),
        https_port: 1,
        http_port: 2,
        redirect_status: d.redirect_status,
        waf_rate: limits.rules.clone(),
        as_root: false,
    };
    let spec = harness::twin::TwinSpec::healthy("90/10".parse().unwrap(), "img:t");
    format!(
        "app={} health={}:{} matcher={} policy={}\n{}\n{}\n{}",
        d.app_port,
        d.health_path,
        d.health_check_port,
        d.health_matcher,
        d.ssl_policy,
        harness::twin::render_nginx(&spec, &layout, &[]),
        render_modsec(&limits),
        render_nginx(&limits.rules),
    )
}

/// The twin renders what Terraform declares (ports, health check, TLS policy, redirect,
/// the WAF rate rule), and a changed copy of the stack changes what it renders.
pub fn assert_twin_follows_terraform() {
    let d =
        harness::twin::terraform::Declared::load(&repo_root().join("terraform/app-infra")).unwrap();
    assert_eq!(
        (d.app_port, d.health_port, d.health_check_port),
        (80, 8080, 8080)
    );
    assert_eq!(
        (d.https_port, d.http_port, d.redirect_status),
        (443, 80, 301)
    );
    assert_eq!(d.ssl_policy, TLS_POLICY);
    assert_eq!(
        d.deregistration_delay_s,
        local_number(&load_stack("app-infra"), "deregistration_delay_s") as u64
    );
    let r = twin_render(&d);
    for needle in [
        "return 301 https://",
        "add_header x-waf-rule rate-limit-per-ip always; return 429;",
        "@gt 2000",
        "REQUEST_HEADERS:x-harness-gate",
        "health=/health:8080 matcher=200",
        "app=80",
    ] {
        assert!(r.contains(needle), "twin lacks {needle}:\n{r}");
    }
    let copy = copy_stack_with(
        "app-infra",
        "alb.tf",
        "path                = \"/health\"",
        "path                = \"/ready\"",
    );
    let changed = harness::twin::terraform::Declared::load(copy.path()).unwrap();
    assert_eq!(changed.health_path, "/ready");
    assert!(twin_render(&changed).contains("health=/ready:8080"));
    let broken = copy_stack_with(
        "app-infra",
        "alb.tf",
        "ssl_policy        = \"ELBSecurityPolicy-TLS13-1-2-2021-06\"",
        "ssl_policy        = var.nope",
    );
    let e = harness::twin::terraform::Declared::load(broken.path())
        .unwrap_err()
        .to_string();
    assert!(e.contains("alb.tf") && e.contains("ssl_policy"), "{e}");
}
