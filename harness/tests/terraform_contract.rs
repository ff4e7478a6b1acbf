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

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use hcl::eval::{Context, Evaluate, FuncArgs, FuncDef, ParamType};
use hcl::{Block, Body, Expression, ObjectKey, Value};
use serde_yaml_ng::Value as Yaml;

/// Outputs `harness verify --tf-outputs` reads (the engine's contract, issue 4).
const TF_OUTPUTS_CONTRACT: &[&str] = &[
    "url",
    "alb_arn",
    "listener_arn",
    "http_listener_arn",
    "cluster_name",
    "stable_service_name",
    "canary_service_name",
    "stable_target_group_arn",
    "canary_target_group_arn",
    "web_acl_arn",
];

/// Variables the deploy workflow passes to `terraform apply -var`.
const DEPLOY_VARIABLES: &[&str] = &[
    "stable_image_tag",
    "stable_weight",
    "canary_image_tag",
    "canary_weight",
];

/// TLS policy the issue requires on the HTTPS listener.
const TLS_POLICY: &str = "ELBSecurityPolicy-TLS13-1-2-2021-06";

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// All top-level blocks of every `.tf` file of one stack (Terraform merges the files).
fn load_stack(name: &str) -> Vec<Block> {
    let dir = repo_root().join("terraform").join(name);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "tf"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no .tf files in {}", dir.display());
    files
        .iter()
        .flat_map(|path| {
            let text = std::fs::read_to_string(path).unwrap();
            let body = hcl::parse(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            body.into_blocks().collect::<Vec<_>>()
        })
        .collect()
}

fn load_workflow(name: &str) -> (String, Yaml) {
    let path = repo_root().join(".github/workflows").join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let yaml = serde_yaml_ng::from_str(&text).unwrap_or_else(|e| panic!("{name}: {e}"));
    (text, yaml)
}

fn labels(block: &Block) -> Vec<&str> {
    block.labels().iter().map(|l| l.as_str()).collect()
}

fn find<'a>(blocks: &'a [Block], ident: &str, wanted: &[&str]) -> Option<&'a Block> {
    blocks
        .iter()
        .find(|b| b.identifier() == ident && labels(b) == wanted)
}

fn all<'a>(blocks: &'a [Block], ident: &'a str) -> impl Iterator<Item = &'a Block> + 'a {
    blocks.iter().filter(move |b| b.identifier() == ident)
}

fn attr<'a>(body: &'a Body, key: &str) -> Option<&'a Expression> {
    body.attributes().find(|a| a.key() == key).map(|a| a.expr())
}

fn sub_blocks<'a>(body: &'a Body, ident: &'a str) -> impl Iterator<Item = &'a Block> + 'a {
    body.blocks().filter(move |b| b.identifier() == ident)
}

/// Canonical HCL text of an expression: `var.x`, `"literal"`, `"${var.a}-${var.b}"`.
fn render(expr: &Expression) -> String {
    hcl::format::to_string(expr).unwrap()
}

fn key_name(key: &ObjectKey) -> String {
    match key {
        ObjectKey::Identifier(id) => id.to_string(),
        ObjectKey::Expression(Expression::String(s)) => s.clone(),
        ObjectKey::Expression(e) => render(e),
        _ => panic!("unsupported object key"),
    }
}

/// Tags of a `tags = { ... }` attribute as rendered key -> rendered value.
fn tags_of(body: &Body, key: &str) -> BTreeMap<String, String> {
    match attr(body, key) {
        Some(Expression::Object(obj)) => {
            obj.iter().map(|(k, v)| (key_name(k), render(v))).collect()
        }
        Some(other) => panic!("{key} is not an object literal: {}", render(other)),
        None => BTreeMap::new(),
    }
}

/// Tag filters of a data source: its `tags` map and `filter { name = "tag:K" }` blocks.
fn data_source_tag_filters(body: &Body) -> BTreeMap<String, Vec<String>> {
    let mut filters: BTreeMap<String, Vec<String>> = tags_of(body, "tags")
        .into_iter()
        .map(|(k, v)| (k, vec![v]))
        .collect();
    for filter in sub_blocks(body, "filter") {
        let name = attr(filter.body(), "name").map(render).unwrap_or_default();
        if let Some(tag) = name.trim_matches('"').strip_prefix("tag:") {
            let values = match attr(filter.body(), "values") {
                Some(Expression::Array(items)) => items.iter().map(render).collect(),
                other => panic!("tag filter {tag}: values must be a list, got {other:?}"),
            };
            filters.insert(tag.to_owned(), values);
        }
    }
    filters
}

/// The tags a stack sets: provider `default_tags` (on every resource) and per-resource
/// literal tags, as key -> set of rendered values.
fn tags_set_by(blocks: &[Block]) -> (BTreeMap<String, String>, BTreeMap<String, BTreeSet<String>>) {
    let provider = find(blocks, "provider", &["aws"]).expect("provider \"aws\"");
    let default_tags = sub_blocks(provider.body(), "default_tags")
        .next()
        .map(|b| tags_of(b.body(), "tags"))
        .unwrap_or_default();
    let mut resource_tags: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for resource in all(blocks, "resource") {
        for (k, v) in tags_of(resource.body(), "tags") {
            resource_tags.entry(k).or_default().insert(v);
        }
    }
    (default_tags, resource_tags)
}

fn variable_default(blocks: &[Block], name: &str) -> String {
    let var = find(blocks, "variable", &[name]).unwrap_or_else(|| panic!("variable {name}"));
    attr(var.body(), "default").map(render).unwrap_or_default()
}

/// Mismatches between the tag filters of `consumer`'s data sources and the tags
/// `producer` sets. A filter value `var.x` must be a default tag of the producer with
/// the same expression and the same variable default in both stacks; a literal must be
/// set on some producer resource.
fn tag_contract_violations(producer: &[Block], consumer: &[Block]) -> Vec<String> {
    let (default_tags, resource_tags) = tags_set_by(producer);
    let mut violations = Vec::new();
    for data in all(consumer, "data") {
        let name = labels(data).join(".");
        for (key, values) in data_source_tag_filters(data.body()) {
            for value in values {
                if let Some(var) = value.strip_prefix("var.") {
                    if default_tags.get(&key) != Some(&value) {
                        violations.push(format!(
                            "data.{name}: tag {key} = {value} is not a default tag of the producer"
                        ));
                    } else if variable_default(producer, var) != variable_default(consumer, var) {
                        violations.push(format!(
                            "data.{name}: variable {var} has different defaults in the two stacks"
                        ));
                    }
                } else if !resource_tags
                    .get(&key)
                    .is_some_and(|set| set.contains(&value))
                {
                    violations.push(format!(
                        "data.{name}: no producer resource sets tag {key} = {value}"
                    ));
                }
            }
        }
    }
    violations
}

fn floor(args: FuncArgs) -> Result<Value, String> {
    let x = args[0].as_f64().ok_or("floor: not a number")?;
    let f = x.floor();
    // Integral results as integers, so `floor(x) == x` compares like Terraform does.
    Ok(if f.abs() < 9.0e15 {
        Value::from(f as i64)
    } else {
        Value::from(f)
    })
}

/// Does every validation block of the weight variables accept this pair?
fn weights_pass_validation(blocks: &[Block], stable: i64, canary: i64) -> bool {
    let mut ctx = Context::new();
    ctx.declare_func("floor", FuncDef::new(floor, [ParamType::Number]));
    let mut vars = hcl::Map::new();
    vars.insert("stable_weight".to_owned(), Value::from(stable));
    vars.insert("canary_weight".to_owned(), Value::from(canary));
    ctx.declare_var("var", Value::Object(vars));
    ["stable_weight", "canary_weight"].iter().all(|name| {
        let var = find(blocks, "variable", &[name]).unwrap();
        sub_blocks(var.body(), "validation").all(|validation| {
            let condition = attr(validation.body(), "condition").expect("condition");
            match condition.evaluate(&ctx) {
                Ok(Value::Bool(ok)) => ok,
                other => panic!("{name}: condition {} gave {other:?}", render(condition)),
            }
        })
    })
}

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

/// The deploy workflow validates inputs in bash before touching anything; it must agree
/// with the Terraform validation. The step's script is extracted from the YAML and run.
#[test]
fn workflow_input_validation_agrees_with_terraform() {
    let app = load_stack("app-infra");
    let (_, wf) = load_workflow("deploy-canary.yml");
    let steps = wf["jobs"]["validate"]["steps"]
        .as_sequence()
        .expect("validate steps");
    let script = steps
        .iter()
        .find(|s| s["id"].as_str() == Some("check"))
        .and_then(|s| s["run"].as_str())
        .expect("step id: check with a run script");
    let dir = tempfile::tempdir().unwrap();
    let run = |stable: &str, canary: &str, (stable_tag, canary_tag): (&str, &str)| -> bool {
        Command::new("bash")
            .arg("-c")
            .arg(script)
            .env("STABLE_TAG", stable_tag)
            .env("CANARY_TAG", canary_tag)
            .env("STABLE_WEIGHT", stable)
            .env("CANARY_WEIGHT", canary)
            .env("GITHUB_OUTPUT", dir.path().join("out"))
            .env("GITHUB_STEP_SUMMARY", dir.path().join("summary"))
            .output()
            .unwrap()
            .status
            .success()
    };
    let pairs = [
        (100, 0),
        (0, 100),
        (99, 1),
        (50, 50),
        (60, 30),
        (0, 0),
        (60, 50),
        (100, 100),
        (101, -1),
        (-10, 110),
        (1000, -900),
    ];
    for (stable, canary) in pairs {
        assert_eq!(
            run(
                &stable.to_string(),
                &canary.to_string(),
                ("latest", "latest")
            ),
            weights_pass_validation(&app, stable, canary),
            "bash and Terraform disagree on stable={stable} canary={canary}"
        );
    }
    for (stable, canary) in [("abc", "0"), ("50.5", "49.5"), ("", "100"), ("1e2", "0")] {
        assert!(
            !run(stable, canary, ("latest", "latest")),
            "bash accepted {stable:?}/{canary:?}"
        );
    }
    for tags in [
        ("bad tag;rm", "latest"),
        ("latest", "$(id)"),
        ("-x", "latest"),
        ("latest", ""),
    ] {
        assert!(
            !run("100", "0", tags),
            "bash accepted the image tags {tags:?}"
        );
    }
    assert!(
        run("100", "0", ("3f2a9c1", "v1.2.3_rc")),
        "bash rejected valid tags"
    );
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
    let shared_locals = all(&shared, "locals").next().unwrap();
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
fn outputs_cover_the_tf_outputs_contract_and_the_workflows() {
    let app = load_stack("app-infra");
    let outputs: BTreeSet<String> = all(&app, "output")
        .inspect(|o| {
            assert!(
                attr(o.body(), "description").is_some(),
                "output {:?}: description",
                labels(o)
            );
            assert!(
                attr(o.body(), "value").is_some(),
                "output {:?}: value",
                labels(o)
            );
        })
        .map(|o| labels(o)[0].to_owned())
        .collect();
    for name in TF_OUTPUTS_CONTRACT {
        assert!(outputs.contains(*name), "missing output {name}");
    }
    let url = find(&app, "output", &["url"]).unwrap();
    assert!(render(attr(url.body(), "value").unwrap()).starts_with("\"https://"));
    // Everything the workflows read back from `terraform output`.
    for wf in ["deploy-canary.yml", "nightly-verify.yml"] {
        let (text, _) = load_workflow(wf);
        let raw = text.split("terraform output -raw ").skip(1);
        let jq = text.split("jq -r '.").skip(1);
        for name in raw.chain(jq).map(|rest| {
            rest.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .next()
                .unwrap()
        }) {
            assert!(
                outputs.contains(name),
                "{wf} reads output {name}, which app-infra lacks"
            );
        }
    }
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

fn is_pinned(uses: &str) -> bool {
    uses.starts_with("./")
        || uses
            .split_once('@')
            .is_some_and(|(_, r)| r.len() == 40 && r.bytes().all(|b| b.is_ascii_hexdigit()))
}

#[test]
fn workflows_pin_actions_scope_permissions_and_never_overlap_deploys() {
    let dir = repo_root().join(".github/workflows");
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".yml"))
        .collect();
    names.sort();
    assert!(names.len() >= 4, "{names:?}");
    let mut groups = BTreeMap::new();
    for name in &names {
        let (_, wf) = load_workflow(name);
        assert_eq!(
            wf["permissions"],
            Yaml::Mapping(Default::default()),
            "{name}: top-level permissions must be {{}}"
        );
        groups.insert(
            name.clone(),
            wf["concurrency"]["group"].as_str().map(str::to_owned),
        );
        for (job_name, job) in wf["jobs"].as_mapping().unwrap() {
            let job_name = job_name.as_str().unwrap();
            assert!(
                job["permissions"].is_mapping(),
                "{name}/{job_name}: job permissions"
            );
            for step in job["steps"].as_sequence().unwrap() {
                if let Some(uses) = step["uses"].as_str() {
                    assert!(
                        is_pinned(uses),
                        "{name}/{job_name}: {uses} is not pinned by SHA"
                    );
                }
                if step["uses"]
                    .as_str()
                    .is_some_and(|u| u.starts_with("actions/checkout@"))
                {
                    assert_eq!(step["with"]["persist-credentials"], Yaml::Bool(false));
                }
                if let Some(uses) = step["uses"]
                    .as_str()
                    .filter(|u| u.contains("configure-aws-credentials"))
                {
                    assert!(
                        step["with"]["role-to-assume"].is_string(),
                        "{uses}: OIDC role"
                    );
                    assert!(
                        step["with"].get("aws-access-key-id").is_none(),
                        "long-lived key"
                    );
                    assert_eq!(job["permissions"]["id-token"].as_str(), Some("write"));
                }
            }
        }
    }
    // Deploys and the nightly verification share one non-cancelling group.
    assert_eq!(groups["deploy-canary.yml"], groups["nightly-verify.yml"]);
    assert!(groups.values().all(Option::is_some), "{groups:?}");

    let (_, deploy) = load_workflow("deploy-canary.yml");
    assert_eq!(
        deploy["concurrency"]["cancel-in-progress"],
        Yaml::Bool(false)
    );
    let inputs = &deploy["on"]["workflow_dispatch"]["inputs"];
    for (name, default) in [
        ("stable_image_tag", "latest"),
        ("stable_weight", "100"),
        ("canary_image_tag", "latest"),
        ("canary_weight", "0"),
    ] {
        let value = &inputs[name]["default"];
        let text = value
            .as_str()
            .map(str::to_owned)
            .or_else(|| value.as_u64().map(|n| n.to_string()));
        assert_eq!(text.as_deref(), Some(default), "input {name} default");
    }
    let job = &deploy["jobs"]["deploy"];
    assert_eq!(
        job["needs"].as_str(),
        Some("validate"),
        "validation runs first"
    );
    assert_eq!(job["environment"].as_str(), Some("production"));
    let steps = job["steps"].as_sequence().unwrap();
    let position = |pred: &dyn Fn(&Yaml) -> bool| steps.iter().position(pred).unwrap();
    let run_has = |needle: &'static str| {
        move |s: &Yaml| s["run"].as_str().is_some_and(|r| r.contains(needle))
    };
    let wait = position(&run_has("aws ecs wait services-stable"));
    let gate = position(&run_has("harness verify --tf-outputs"));
    let rollback = position(&|s: &Yaml| s["id"].as_str() == Some("rollback"));
    let upload = position(&|s: &Yaml| {
        s["uses"]
            .as_str()
            .is_some_and(|u| u.starts_with("actions/upload-artifact@"))
    });
    assert!(
        wait < gate && gate < rollback && rollback < upload,
        "step order"
    );
    assert!(
        steps[rollback]["run"]
            .as_str()
            .unwrap()
            .contains("canary_weight=0")
    );
    assert!(steps[upload]["if"].as_str().unwrap().contains("always()"));
}
