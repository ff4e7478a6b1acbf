//! Reading the repository's app-infra stack, and the errors a broken one gives.

use super::*;

#[test]
fn reads_the_repository_stack() {
    let d = Declared::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../terraform/app-infra"))
        .unwrap();
    assert_eq!((d.app_port, d.health_port), (80, 8080));
    assert_eq!(d.health_path, "/health");
    assert_eq!(d.health_check_port, 8080);
    assert_eq!(d.deregistration_delay_s, 30);
    assert_eq!(
        (d.https_port, d.http_port, d.redirect_status),
        (443, 80, 301)
    );
    assert_eq!(d.ssl_policy, "ELBSecurityPolicy-TLS13-1-2-2021-06");
    let ip = d.rate_rule("rate-limit-per-ip").unwrap();
    assert_eq!((ip.limit, ip.window_s, ip.response_code), (2000, 300, 429));
    assert_eq!(ip.scope, GateScope::ExceptGate);
    assert_eq!(
        ip.header,
        Some(("x-waf-rule".into(), "rate-limit-per-ip".into()))
    );
    assert_eq!(
        d.rate_rule("rate-limit-gate").unwrap().scope,
        GateScope::OnlyGate
    );
    assert_eq!(d.gate_header, "x-harness-gate");
    let groups: Vec<(u64, &str)> = d
        .managed_groups
        .iter()
        .map(|g| (g.priority, g.name.as_str()))
        .collect();
    assert_eq!(
        groups,
        [
            (10, "AWSManagedRulesAmazonIpReputationList"),
            (20, "AWSManagedRulesCommonRuleSet"),
            (30, "AWSManagedRulesKnownBadInputsRuleSet"),
            (40, "AWSManagedRulesSQLiRuleSet"),
        ]
    );
    assert_eq!((ip.priority, d.rate_rules[1].priority), (1, 2));
    let n = &d.names;
    assert_eq!(n.cluster, "canary-harness-production");
    assert_eq!(
        (n.stable_service.as_str(), n.canary_service.as_str()),
        (
            "canary-harness-production-stable",
            "canary-harness-production-canary"
        )
    );
    assert_eq!(n.stable_family, n.stable_service);
    assert_eq!(n.canary_target_group, "canary-harness-production-canary");
    assert_eq!(n.load_balancer, "canary-harness-production");
    assert_eq!(n.web_acl, "canary-harness-production");
    assert_eq!(n.image_repository, "canary-harness/app");
    assert_eq!(n.alb_security_group, "canary-harness-production-alb");
    // shared-infra beside it: az_count defaults to 2, no zones listed.
    assert_eq!(zones::edge_nodes(&d.dir).unwrap(), 2);
}

/// The zone count is the override's length when it lists zones, else `az_count`.
#[test]
fn availability_zones_follow_the_override_else_the_count() {
    let tmp = tempfile::tempdir().unwrap();
    let vars = |zones: &str, count: u32| {
        format!(
            "variable \"az_count\" {{\n  type = number\n  default = {count}\n}}\n\
             variable \"availability_zones\" {{\n  type = list(string)\n  default = {zones}\n}}\n"
        )
    };
    let file = tmp.path().join("variables.tf");
    for (zones, count, want) in [
        ("[]", 3, 3),
        ("[]", 2, 2),
        ("[\"us-east-1a\", \"us-east-1b\", \"us-east-1c\"]", 2, 3),
    ] {
        std::fs::write(&file, vars(zones, count)).unwrap();
        assert_eq!(
            zones::availability_zone_count(tmp.path()).unwrap(),
            want,
            "{zones} {count}"
        );
    }
    std::fs::write(&file, vars("[]", 0)).unwrap();
    let e = zones::availability_zone_count(tmp.path()).unwrap_err();
    assert!(matches!(e, Error::Config(_)), "{e}");
    std::fs::write(&file, "variable \"az_count\" {\n  default = 2\n}\n").unwrap();
    let e = zones::availability_zone_count(tmp.path()).unwrap_err();
    assert!(e.to_string().contains("availability_zones"), "{e}");
}

#[test]
fn a_missing_folder_or_attribute_is_a_config_error_naming_it() {
    let e = Declared::load(Path::new("/nonexistent/app-infra")).unwrap_err();
    assert!(matches!(e, Error::Config(_)), "{e}");
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(
        tmp.path().join("ecs.tf"),
        "resource \"aws_ecs_task_definition\" \"variant\" {\n  container_definitions = jsonencode([{ portMappings = [{ containerPort = var.nope, name = \"http\" }] }])\n}\n",
    )
    .unwrap();
    let e = Declared::load(tmp.path()).unwrap_err().to_string();
    assert!(e.contains("ecs.tf") && e.contains("portMappings"), "{e}");
}
