//! What the twin renders from Terraform (`harness::twin::terraform::Declared`), for
//! `infra::terraform`: the twin must follow the stack, not its own constants.

#![allow(dead_code)]

use super::infra::*;

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
        listen: std::net::Ipv4Addr::LOCALHOST.into(),
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

/// The twin's control plane is named as Terraform names it. The repository's stack
/// names the cluster as shared-infra creates it; a copy of app-infra with `local.name`
/// changed renames every resource the twin reads (services, task families, target
/// groups, load balancer, WebACL), and seeding moto from that copy creates exactly
/// those names: a name copied into the twin instead of read would not follow. The
/// seeded WebACL holds Terraform's rules (managed groups and rate rules) and priorities.
pub fn assert_twin_names_follow_terraform() {
    use harness::twin::terraform::{Declared, shared_cluster_name};
    let d = Declared::load(&repo_root().join("terraform/app-infra")).unwrap();
    assert_eq!(
        d.names.cluster,
        shared_cluster_name(&repo_root().join("terraform/shared-infra")).unwrap(),
        "app-infra looks up a cluster shared-infra does not create"
    );
    let copy = copy_stack_with(
        "app-infra",
        "data.tf",
        "name       = \"${var.project}-${var.environment}\"",
        "name       = \"renamed-${var.environment}\"",
    );
    let changed = Declared::load(copy.path()).unwrap();
    let n = &changed.names;
    assert_eq!(n.cluster, "renamed-production");
    for (got, want) in [
        (&n.stable_service, "renamed-production-stable"),
        (&n.canary_service, "renamed-production-canary"),
        (&n.stable_family, "renamed-production-stable"),
        (&n.canary_family, "renamed-production-canary"),
        (&n.stable_target_group, "renamed-production-stable"),
        (&n.canary_target_group, "renamed-production-canary"),
        (&n.load_balancer, "renamed-production"),
        (&n.web_acl, "renamed-production"),
        (&n.alb_security_group, "renamed-production-alb"),
    ] {
        assert_eq!(got, want);
    }
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(assert_seeded_names(changed));
}

async fn assert_seeded_names(d: harness::twin::terraform::Declared) {
    use harness::twin::moto::MotoServer;
    use harness::twin::seed::{SeedPlan, seed};
    let moto = MotoServer::start().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let creds = dir.path().join("credentials");
    std::fs::write(
        &creds,
        "[moto]\naws_access_key_id = testing\naws_secret_access_key = testing\n",
    )
    .unwrap();
    let sdk = harness::aws::load(&harness::aws::AwsOptions {
        endpoint_url: Some(moto.endpoint_url.clone()),
        region: Some("us-east-1".into()),
        profile: Some("moto".into()),
        credentials_file: Some(creds),
    })
    .await
    .unwrap();
    let plan = SeedPlan {
        name: "poem".into(),
        host: "hello.example.com".into(),
        stable_weight: 100,
        canary_weight: 0,
        stable_tag: "v1".into(),
        canary_tag: "v2".into(),
        stable_desired: 1,
        stable_running: 1,
        stable_targets: vec![("127.0.0.1".into(), d.app_port)],
        ssl_policy: d.ssl_policy.clone(),
        redirect_http: true,
        waf: true,
        declared: Some(d.clone()),
        ..SeedPlan::default()
    };
    let seeded = seed(&sdk, &plan).await.unwrap();
    let n = &d.names;
    assert_eq!(
        (
            &seeded.cluster,
            &seeded.stable_service,
            &seeded.canary_service
        ),
        (&n.cluster, &n.stable_service, &n.canary_service)
    );
    let ecs = aws_sdk_ecs::Client::new(&sdk);
    let svcs = ecs
        .describe_services()
        .cluster(&n.cluster)
        .services(&n.stable_service)
        .services(&n.canary_service)
        .send()
        .await
        .unwrap();
    let names: Vec<&str> = svcs
        .services()
        .iter()
        .filter_map(|s| s.service_name())
        .collect();
    assert_eq!(
        names,
        [n.stable_service.as_str(), n.canary_service.as_str()]
    );
    for s in svcs.services() {
        let td = ecs
            .describe_task_definition()
            .task_definition(s.task_definition().unwrap())
            .send()
            .await
            .unwrap();
        let td = td.task_definition().unwrap();
        assert!(
            [&n.stable_family, &n.canary_family].contains(&&td.family().unwrap().to_owned()),
            "{:?}",
            td.family()
        );
        let image = td.container_definitions()[0].image().unwrap();
        assert!(
            image.starts_with(&format!("{}:", n.image_repository)),
            "{image}"
        );
    }
    let elb = aws_sdk_elasticloadbalancingv2::Client::new(&sdk);
    let lbs = elb.describe_load_balancers().send().await.unwrap();
    let lb_names: Vec<&str> = lbs
        .load_balancers()
        .iter()
        .filter_map(|l| l.load_balancer_name())
        .collect();
    assert_eq!(lb_names, [n.load_balancer.as_str()]);
    let groups = lbs.load_balancers()[0].security_groups();
    let described = harness::aws::ec2_query::Ec2Query::new(&sdk)
        .await
        .unwrap()
        .call(
            "DescribeSecurityGroups",
            &[("GroupId.1".to_string(), groups[0].clone())],
        )
        .await
        .unwrap();
    assert!(
        described.contains(&format!("<groupName>{}</groupName>", n.alb_security_group)),
        "{described}"
    );
    let tgs = elb.describe_target_groups().send().await.unwrap();
    let mut tg_names: Vec<&str> = tgs
        .target_groups()
        .iter()
        .filter_map(|t| t.target_group_name())
        .collect();
    tg_names.sort();
    assert_eq!(
        tg_names,
        [
            n.canary_target_group.as_str(),
            n.stable_target_group.as_str()
        ]
    );
    let waf = aws_sdk_wafv2::Client::new(&sdk);
    let acls = waf
        .list_web_acls()
        .scope(aws_sdk_wafv2::types::Scope::Regional)
        .send()
        .await
        .unwrap();
    let acl_names: Vec<&str> = acls.web_acls().iter().filter_map(|a| a.name()).collect();
    assert_eq!(acl_names, [n.web_acl.as_str()]);
    // The WebACL's rules are Terraform's, with its priorities.
    let summary = &acls.web_acls()[0];
    let acl = waf
        .get_web_acl()
        .name(&n.web_acl)
        .scope(aws_sdk_wafv2::types::Scope::Regional)
        .id(summary.id().unwrap())
        .send()
        .await
        .unwrap();
    let mut seeded: Vec<(i64, String)> = acl
        .web_acl()
        .unwrap()
        .rules()
        .iter()
        .map(|r| (i64::from(r.priority()), r.name().to_owned()))
        .collect();
    seeded.sort();
    let mut declared: Vec<(i64, String)> = d
        .managed_groups
        .iter()
        .map(|g| (g.priority as i64, g.rule.clone()))
        .chain(
            d.rate_rules
                .iter()
                .map(|r| (r.priority as i64, r.name.clone())),
        )
        .collect();
    declared.sort();
    assert_eq!(seeded, declared);
    assert_eq!(declared.len(), 6, "{declared:?}");
}

/// The gate's own WAF limit holds everything one gate can send in a window: at its
/// default rate cap (`DEFAULT_RPS` × the rule's window: 200 × 300 = 60,000) and at
/// verify's default budget (20,000), both ≤ `var.waf_gate_rate_limit` (100,000); the
/// client limit (`var.waf_rate_limit`, 2,000) is below the budget, which is why the
/// gate needs its own rule. Read from Terraform as the twin reads it.
pub fn assert_gate_limit_holds_a_gate_run() {
    let d =
        harness::twin::terraform::Declared::load(&repo_root().join("terraform/app-infra")).unwrap();
    let gate = d.rate_rule("rate-limit-gate").expect("gate rule");
    let client = d.rate_rule("rate-limit-per-ip").expect("client rule");
    let budget = harness::checks::split::DEFAULT_MAX_REQUESTS;
    let per_window = (harness::config::DEFAULT_RPS * gate.window_s as f64).ceil() as u64;
    assert!(
        budget <= gate.limit && per_window <= gate.limit,
        "waf_gate_rate_limit {} < a gate run (budget {budget}, {per_window} per window at the default rate)",
        gate.limit
    );
    assert!(client.limit < budget, "client limit {}", client.limit);
}
