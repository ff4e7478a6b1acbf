//! The contract between `terraform/`, `.github/workflows/` and `harness verify
//! --tf-outputs`, checked offline (no provider, no AWS): the Terraform is parsed with
//! `hcl-rs`, the workflows with `serde_yaml_ng`.
//!
//! - the variables the deploy workflow passes exist in app-infra, with validation that
//!   really accepts 0–100 weights summing to 100 (evaluated with `hcl::eval`, and
//!   compared with the workflow's own bash validation, run for real);
//! - every tag app-infra's data sources filter on is set by shared-infra;
//! - app-infra's outputs include everything `--tf-outputs` and the workflows read;
//! - the HTTPS listener forwards with `var.stable_weight` / `var.canary_weight`;
//! - the workflows pin actions by SHA, scope permissions per job and never overlap.

use crate::support::infra;
use crate::support::twin_tf;

use infra::*;
use twin_tf::local_number;

#[test]
fn deploy_variables_exist_with_descriptions_and_validation() {
    let app = load_stack("app-infra");
    let (text, _) = load_workflow("deploy-canary.yml");
    let passed: BTreeSet<&str> = text
        .split("-var \"")
        .skip(1)
        .filter_map(|rest| rest.split('=').next())
        .collect();
    let expected: BTreeSet<&str> = DEPLOY_VARIABLES.iter().copied().collect();
    assert_eq!(
        passed, expected,
        "variables passed with -var in deploy-canary.yml"
    );
    for name in DEPLOY_VARIABLES {
        let var = find(&app, "variable", &[name]).unwrap_or_else(|| panic!("variable {name}"));
        assert!(
            attr(var.body(), "description").is_some(),
            "{name}: description"
        );
        assert!(attr(var.body(), "type").is_some(), "{name}: type");
        let conditions: Vec<String> = sub_blocks(var.body(), "validation")
            .map(|v| render(attr(v.body(), "condition").expect("condition")))
            .collect();
        assert!(
            conditions
                .iter()
                .any(|c| c.contains(&format!("var.{name}"))),
            "{name}: no validation condition reads var.{name}: {conditions:?}"
        );
    }
}

#[test]
fn weight_validation_accepts_exactly_integer_pairs_summing_to_100() {
    let app = load_stack("app-infra");
    for stable in -5..=105_i64 {
        for canary in [-1, 0, 1, 10, 50, 90, 99, 100, 101, 100 - stable] {
            let want = (0..=100).contains(&stable)
                && (0..=100).contains(&canary)
                && stable + canary == 100;
            assert_eq!(
                weights_pass_validation(&app, stable, canary),
                want,
                "stable_weight={stable} canary_weight={canary}"
            );
        }
    }
    // The workflow defaults (latest/100/latest/0) are the Terraform defaults.
    assert_eq!(variable_default(&app, "stable_weight"), "100");
    assert_eq!(variable_default(&app, "canary_weight"), "0");
    assert_eq!(variable_default(&app, "stable_image_tag"), "\"latest\"");
    assert_eq!(variable_default(&app, "canary_image_tag"), "\"latest\"");
}

#[test]
fn app_infra_data_sources_find_what_shared_infra_tags() {
    let shared = load_stack("shared-infra");
    let app = load_stack("app-infra");
    let violations = tag_contract_violations(&shared, &app);
    assert!(violations.is_empty(), "{violations:#?}");
    // The VPC lookups really filter on the tier (not a vacuous pass).
    for tier in ["public", "private"] {
        let vpc = find(&app, "data", &["aws_vpc", tier]).unwrap();
        assert_eq!(
            data_source_tag_filters(vpc.body())["Tier"],
            [format!("\"{tier}\"")]
        );
    }
    // Looked up by name: the cluster and the repository.
    let shared_locals = all(&shared, "locals")
        .find(|l| attr(l.body(), "name").is_some())
        .unwrap();
    let cluster_name = render(attr(shared_locals.body(), "name").unwrap());
    let app_locals = all(&app, "locals")
        .find(|l| attr(l.body(), "name").is_some())
        .unwrap();
    assert_eq!(
        cluster_name,
        render(attr(app_locals.body(), "name").unwrap())
    );
    let shared_cluster = find(&shared, "resource", &["aws_ecs_cluster", "main"]).unwrap();
    assert_eq!(
        render(attr(shared_cluster.body(), "name").unwrap()),
        "local.name"
    );
    let app_cluster = find(&app, "data", &["aws_ecs_cluster", "main"]).unwrap();
    assert_eq!(
        render(attr(app_cluster.body(), "cluster_name").unwrap()),
        "local.name"
    );
    let repo = find(&shared, "resource", &["aws_ecr_repository", "app"]).unwrap();
    let repo_lookup = find(&app, "data", &["aws_ecr_repository", "app"]).unwrap();
    assert_eq!(
        render(attr(repo.body(), "name").unwrap()),
        render(attr(repo_lookup.body(), "name").unwrap())
    );
    assert!(all(&app, "data").all(|d| labels(d)[0] != "terraform_remote_state"));
}

#[test]
fn tag_checker_reports_a_filter_nobody_sets() {
    let producer: Vec<Block> = hcl::parse(
        r#"
        provider "aws" {
          default_tags { tags = { Project = var.project } }
        }
        variable "project" { default = "p" }
        resource "aws_vpc" "a" { tags = { Tier = "public" } }
        "#,
    )
    .unwrap()
    .into_blocks()
    .collect();
    let consumer: Vec<Block> = hcl::parse(
        r#"
        variable "project" { default = "other" }
        data "aws_vpc" "a" { tags = { Tier = "public" } }
        data "aws_vpc" "b" { tags = { Tier = "dmz", Project = var.project } }
        data "aws_subnets" "c" {
          filter {
            name   = "tag:Owner"
            values = ["me"]
          }
        }
        "#,
    )
    .unwrap()
    .into_blocks()
    .collect();
    let violations = tag_contract_violations(&producer, &consumer);
    assert_eq!(violations.len(), 3, "{violations:#?}");
    assert!(violations.iter().any(|v| v.contains("Tier = \"dmz\"")));
    assert!(violations.iter().any(|v| v.contains("different defaults")));
    assert!(violations.iter().any(|v| v.contains("Owner")));
}

#[test]
fn https_listener_forwards_with_the_weight_variables() {
    let app = load_stack("app-infra");
    let https = find(&app, "resource", &["aws_lb_listener", "https"]).unwrap();
    let body = https.body();
    assert_eq!(render(attr(body, "port").unwrap()), "443");
    assert_eq!(render(attr(body, "protocol").unwrap()), "\"HTTPS\"");
    assert_eq!(
        render(attr(body, "ssl_policy").unwrap()),
        format!("\"{TLS_POLICY}\"")
    );
    let action = sub_blocks(body, "default_action").next().unwrap();
    assert_eq!(render(attr(action.body(), "type").unwrap()), "\"forward\"");
    let forward = sub_blocks(action.body(), "forward")
        .next()
        .expect("forward block");
    let groups: Vec<(String, String)> = sub_blocks(forward.body(), "target_group")
        .map(|tg| {
            (
                render(attr(tg.body(), "arn").unwrap()),
                render(attr(tg.body(), "weight").unwrap()),
            )
        })
        .collect();
    assert_eq!(groups.len(), 2, "{groups:?}");
    for (variant, (arn, weight)) in ["stable", "canary"].iter().zip(&groups) {
        assert!(
            arn.contains(&format!("[\"{variant}\"]")),
            "{variant}: {arn}"
        );
        assert_eq!(weight, &format!("var.{variant}_weight"));
    }
    // HTTP only redirects, permanently, to HTTPS.
    let http = find(&app, "resource", &["aws_lb_listener", "http"]).unwrap();
    let redirect = sub_blocks(http.body(), "default_action")
        .flat_map(|a| sub_blocks(a.body(), "redirect"))
        .next()
        .expect("redirect");
    assert_eq!(
        render(attr(redirect.body(), "status_code").unwrap()),
        "\"HTTP_301\""
    );
    assert_eq!(
        render(attr(redirect.body(), "protocol").unwrap()),
        "\"HTTPS\""
    );
    // Health checks on 8080 /health for both target groups.
    let tg = find(&app, "resource", &["aws_lb_target_group", "variant"]).unwrap();
    let hc = sub_blocks(tg.body(), "health_check").next().unwrap();
    assert_eq!(render(attr(hc.body(), "port").unwrap()), "\"8080\"");
    assert_eq!(render(attr(hc.body(), "path").unwrap()), "\"/health\"");
}

#[test]
fn canary_desired_count_is_zero_exactly_when_its_weight_is_zero() {
    let app = load_stack("app-infra");
    let locals = all(&app, "locals")
        .find(|l| attr(l.body(), "variants").is_some())
        .unwrap();
    let Some(Expression::Object(variants)) = attr(locals.body(), "variants") else {
        panic!("local.variants is not an object");
    };
    let canary = variants
        .iter()
        .find(|(k, _)| key_name(k) == "canary")
        .map(|(_, v)| v)
        .unwrap();
    let Expression::Object(canary) = canary else {
        panic!("canary variant")
    };
    let desired = canary
        .iter()
        .find(|(k, _)| key_name(k) == "desired_count")
        .map(|(_, v)| v)
        .unwrap();
    for (weight, count, want) in [(0, 3, 0), (1, 3, 3), (100, 2, 2)] {
        let mut ctx = Context::new();
        let mut vars = hcl::Map::new();
        vars.insert("canary_weight".to_owned(), Value::from(weight));
        vars.insert("canary_desired_count".to_owned(), Value::from(count));
        ctx.declare_var("var", Value::Object(vars));
        assert_eq!(
            desired.evaluate(&ctx).unwrap(),
            Value::from(want),
            "weight {weight}"
        );
    }
}

/// ECS sends SIGTERM while the ALB still routes to the target for its deregistration
/// delay: the app must keep serving that long, then drain, and ECS must not SIGKILL it
/// before (stopTimeout > delay + drain, at most ECS's 120 s cap). The app's own default
/// delay must cover the deregistration delay too (a task definition without the
/// variable still shuts down safely).
#[test]
fn task_shutdown_outlasts_deregistration_and_drain() {
    let app = load_stack("app-infra");
    let tg = find(&app, "resource", &["aws_lb_target_group", "variant"]).expect("target group");
    assert_eq!(
        render(attr(tg.body(), "deregistration_delay").expect("deregistration_delay")),
        "local.deregistration_delay_s"
    );
    let dereg = local_number(&app, "deregistration_delay_s");
    let delay = local_number(&app, "app_shutdown_delay_s");
    let drain = local_number(&app, "app_drain_timeout_s");
    let stop = local_number(&app, "task_stop_timeout_s");
    assert!(
        delay >= dereg,
        "shutdown delay {delay} < deregistration delay {dereg}"
    );
    assert!(
        stop > delay + drain,
        "stopTimeout {stop} <= {delay} + {drain}"
    );
    assert!(stop <= app::config::ECS_MAX_STOP_TIMEOUT_SECS as i64);
    assert!(app::config::DEFAULT_SHUTDOWN_DELAY.as_secs() as i64 >= dereg);
    let task = find(&app, "resource", &["aws_ecs_task_definition", "variant"]).expect("task");
    let defs = render(attr(task.body(), "container_definitions").expect("definitions"));
    for needle in [
        "stopTimeout = local.task_stop_timeout_s",
        "SHUTDOWN_DELAY_SECS",
        "tostring(local.app_shutdown_delay_s)",
        "DRAIN_TIMEOUT_SECS",
        "tostring(local.app_drain_timeout_s)",
    ] {
        assert!(
            defs.replace(['\n', ' '], "")
                .contains(&needle.replace(' ', "")),
            "container definition lacks {needle}"
        );
    }
}

/// The rate-based rule whose name is `name`, as (action block body, statement body).
fn waf_rule<'a>(acl: &'a Block, name: &str) -> &'a Block {
    sub_blocks(acl.body(), "rule")
        .find(|r| attr(r.body(), "name").map(render).as_deref() == Some(&format!("\"{name}\"")))
        .unwrap_or_else(|| panic!("WAF rule {name}"))
}

/// The gate must not be blocked by its own WAF, and a rate-limit block must be
/// recognisable: the client rate rule exempts requests carrying the gate's token
/// (scope-down NOT byte-match on x-harness-gate), a second rule counts those by the
/// gate's own limit, both answer 429 with x-waf-rule naming the rule, the token is a
/// sensitive variable redacted from the WAF logs, and the workflows that run the gate
/// pass it to Terraform and to the harness from a secret.
#[test]
fn gate_has_its_own_rate_limit_and_rate_blocks_are_recognisable() {
    let app = load_stack("app-infra");
    let acl = find(&app, "resource", &["aws_wafv2_web_acl", "main"]).expect("web acl");
    for (rule, scope, limit) in [
        ("rate-limit-per-ip", "not_statement", "var.waf_rate_limit"),
        (
            "rate-limit-gate",
            "byte_match_statement",
            "var.waf_gate_rate_limit",
        ),
    ] {
        let r = waf_rule(acl, rule);
        let text = hcl::to_string(r.body())
            .expect("rule renders")
            .replace([' ', '\n'], "");
        assert!(
            text.contains("response_code=429"),
            "{rule}: no 429 custom response"
        );
        assert!(
            text.contains(&format!("value=\"{rule}\"")) && text.contains("\"x-waf-rule\""),
            "{rule}: the custom response must name the rule in x-waf-rule"
        );
        assert!(
            text.contains(&format!("limit={limit}")),
            "{rule}: limit {limit}"
        );
        assert!(
            text.contains(&format!("scope_down_statement{{{scope}{{")),
            "{rule}: scope-down {scope}"
        );
        assert!(
            text.contains("search_string=var.gate_token"),
            "{rule}: token match"
        );
        assert!(text.contains("\"x-harness-gate\""), "{rule}: header name");
    }
    let token = find(&app, "variable", &["gate_token"]).expect("variable gate_token");
    assert_eq!(
        attr(token.body(), "sensitive").map(render).as_deref(),
        Some("true")
    );
    assert!(
        attr(token.body(), "default").is_none(),
        "the token has no default"
    );
    let logging = find(
        &app,
        "resource",
        &["aws_wafv2_web_acl_logging_configuration", "main"],
    )
    .expect("waf logging");
    let redacted = format!("{:?}", logging.body());
    assert!(
        redacted.contains("x-harness-gate"),
        "token not redacted from WAF logs"
    );
    let (deploy, _) = load_workflow("deploy-canary.yml");
    assert!(deploy.contains("TF_VAR_gate_token: ${{ secrets.HARNESS_GATE_TOKEN }}"));
    for wf in ["deploy-canary.yml", "nightly-verify.yml"] {
        let (text, _) = load_workflow(wf);
        assert!(
            text.contains("HARNESS_GATE_TOKEN: ${{ secrets.HARNESS_GATE_TOKEN }}"),
            "{wf}: the harness gets no gate token"
        );
    }
}

/// The twin is built from what Terraform declares and follows a changed copy
/// (`support/twin_tf.rs`).
#[test]
fn the_twin_renders_what_terraform_declares_and_follows_changes() {
    twin_tf::assert_twin_follows_terraform();
}

/// The twin's cluster, services, task families, target groups, load balancer and
/// WebACL are Terraform's names, followed through a renamed copy into moto
/// (`support/twin_tf.rs`).
#[test]
fn the_twin_is_named_as_terraform_names_it() {
    twin_tf::assert_twin_names_follow_terraform();
}

#[test]
fn the_gates_waf_limit_holds_a_gate_run_at_the_defaults() {
    twin_tf::assert_gate_limit_holds_a_gate_run();
}
