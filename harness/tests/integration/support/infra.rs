//! Shared by `infra::terraform`, `infra::workflow` and `infra::deploy_path`: loading
//! the Terraform stacks (hcl-rs) and the workflows (serde_yaml_ng), and the helpers
//! that read blocks, attributes, tags and the weight validation.

#![allow(dead_code)]

pub use std::collections::{BTreeMap, BTreeSet};
pub use std::path::{Path, PathBuf};

pub use hcl::eval::{Context, Evaluate, FuncArgs, FuncDef, ParamType};
pub use hcl::{Block, Body, Expression, ObjectKey, Value};
pub use serde_yaml_ng::Value as Yaml;

/// Outputs `harness verify --tf-outputs` reads (the engine's contract, issue 4).
pub const TF_OUTPUTS_CONTRACT: &[&str] = &[
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
    "waf_managed_rule_groups",
];

/// Variables the deploy workflow passes to `terraform apply -var`.
pub const DEPLOY_VARIABLES: &[&str] = &[
    "stable_image_tag",
    "stable_weight",
    "canary_image_tag",
    "canary_weight",
];

/// TLS policy the issue requires on the HTTPS listener.
pub const TLS_POLICY: &str = "ELBSecurityPolicy-TLS13-1-2-2021-06";

pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// All top-level blocks of every `.tf` file of one stack (Terraform merges the files).
pub fn load_stack(name: &str) -> Vec<Block> {
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

pub fn load_workflow(name: &str) -> (String, Yaml) {
    let path = repo_root().join(".github/workflows").join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let yaml = serde_yaml_ng::from_str(&text).unwrap_or_else(|e| panic!("{name}: {e}"));
    (text, yaml)
}

pub fn labels(block: &Block) -> Vec<&str> {
    block.labels().iter().map(|l| l.as_str()).collect()
}

pub fn find<'a>(blocks: &'a [Block], ident: &str, wanted: &[&str]) -> Option<&'a Block> {
    blocks
        .iter()
        .find(|b| b.identifier() == ident && labels(b) == wanted)
}

pub fn all<'a>(blocks: &'a [Block], ident: &'a str) -> impl Iterator<Item = &'a Block> + 'a {
    blocks.iter().filter(move |b| b.identifier() == ident)
}

pub fn attr<'a>(body: &'a Body, key: &str) -> Option<&'a Expression> {
    body.attributes().find(|a| a.key() == key).map(|a| a.expr())
}

pub fn sub_blocks<'a>(body: &'a Body, ident: &'a str) -> impl Iterator<Item = &'a Block> + 'a {
    body.blocks().filter(move |b| b.identifier() == ident)
}

/// Canonical HCL text of an expression: `var.x`, `"literal"`, `"${var.a}-${var.b}"`.
pub fn render(expr: &Expression) -> String {
    hcl::format::to_string(expr).unwrap()
}

pub fn key_name(key: &ObjectKey) -> String {
    match key {
        ObjectKey::Identifier(id) => id.to_string(),
        ObjectKey::Expression(Expression::String(s)) => s.clone(),
        ObjectKey::Expression(e) => render(e),
        _ => panic!("unsupported object key"),
    }
}

/// Tags of a `tags = { ... }` attribute as rendered key -> rendered value.
pub fn tags_of(body: &Body, key: &str) -> BTreeMap<String, String> {
    match attr(body, key) {
        Some(Expression::Object(obj)) => {
            obj.iter().map(|(k, v)| (key_name(k), render(v))).collect()
        }
        Some(other) => panic!("{key} is not an object literal: {}", render(other)),
        None => BTreeMap::new(),
    }
}

/// Tag filters of a data source: its `tags` map and `filter { name = "tag:K" }` blocks.
pub fn data_source_tag_filters(body: &Body) -> BTreeMap<String, Vec<String>> {
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
pub fn tags_set_by(
    blocks: &[Block],
) -> (BTreeMap<String, String>, BTreeMap<String, BTreeSet<String>>) {
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

pub fn variable_default(blocks: &[Block], name: &str) -> String {
    let var = find(blocks, "variable", &[name]).unwrap_or_else(|| panic!("variable {name}"));
    attr(var.body(), "default").map(render).unwrap_or_default()
}

/// Mismatches between the tag filters of `consumer`'s data sources and the tags
/// `producer` sets. A filter value `var.x` must be a default tag of the producer with
/// the same expression and the same variable default in both stacks; a literal must be
/// set on some producer resource.
pub fn tag_contract_violations(producer: &[Block], consumer: &[Block]) -> Vec<String> {
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

pub fn floor(args: FuncArgs) -> Result<Value, String> {
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
pub fn weights_pass_validation(blocks: &[Block], stable: i64, canary: i64) -> bool {
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

/// The Terraform functions the deploy-path locals use, for `hcl::eval`.
pub fn tf_context() -> Context<'static> {
    fn list(v: &Value) -> Result<Vec<Value>, String> {
        v.as_array()
            .cloned()
            .ok_or_else(|| format!("not a list: {v:?}"))
    }
    fn length(args: FuncArgs) -> Result<Value, String> {
        Ok(match &args[0] {
            Value::Array(a) => Value::from(a.len() as i64),
            Value::Object(o) => Value::from(o.len() as i64),
            Value::String(s) => Value::from(s.chars().count() as i64),
            other => return Err(format!("length of {other:?}")),
        })
    }
    fn slice(args: FuncArgs) -> Result<Value, String> {
        let items = list(&args[0])?;
        let (from, to) = (
            args[1].as_u64().unwrap() as usize,
            args[2].as_u64().unwrap() as usize,
        );
        items
            .get(from..to)
            .map(|s| Value::Array(s.to_vec()))
            .ok_or_else(|| format!("slice {from}..{to} of {} items", items.len()))
    }
    fn sort(args: FuncArgs) -> Result<Value, String> {
        let mut items: Vec<String> = list(&args[0])?
            .iter()
            .map(|v| v.as_str().map(str::to_owned).ok_or("sort: not a string"))
            .collect::<Result<_, _>>()?;
        items.sort();
        Ok(Value::Array(items.into_iter().map(Value::from).collect()))
    }
    fn min(args: FuncArgs) -> Result<Value, String> {
        let n = args
            .iter()
            .filter_map(Value::as_i64)
            .min()
            .ok_or("min: no numbers")?;
        Ok(Value::from(n))
    }
    fn merge(args: FuncArgs) -> Result<Value, String> {
        let mut out = hcl::Map::new();
        for a in args.iter() {
            out.extend(a.as_object().ok_or("merge: not an object")?.clone());
        }
        Ok(Value::Object(out))
    }
    let mut ctx = Context::new();
    ctx.declare_func("floor", FuncDef::new(floor, [ParamType::Number]));
    ctx.declare_func("length", FuncDef::new(length, [ParamType::Any]));
    ctx.declare_func(
        "slice",
        FuncDef::new(
            slice,
            [ParamType::Any, ParamType::Number, ParamType::Number],
        ),
    );
    ctx.declare_func("sort", FuncDef::new(sort, [ParamType::Any]));
    let variadic = |f| FuncDef::builder().variadic_param(ParamType::Any).build(f);
    ctx.declare_func("min", variadic(min));
    ctx.declare_func("merge", variadic(merge));
    ctx
}

/// Every local of a stack that evaluates in `ctx` (locals may refer to each other; a
/// few rounds resolve the short chains used here). Locals needing unknown values
/// (resources, data sources not declared in `ctx`) are left out.
pub fn eval_locals(blocks: &[Block], ctx: &mut Context) -> hcl::Map<String, Value> {
    let mut locals = hcl::Map::new();
    for _ in 0..4 {
        ctx.declare_var("local", Value::Object(locals.clone()));
        for block in all(blocks, "locals") {
            for a in block.body().attributes() {
                if let Ok(v) = a.expr().evaluate(ctx) {
                    locals.insert(a.key().to_string(), v);
                }
            }
        }
    }
    locals
}

/// Rendered HCL on one line: `[\n  a,\n  b\n]` becomes `[a,b]`.
pub fn flat(expr: &Expression) -> String {
    render(expr).split('\n').map(str::trim).collect()
}

/// Strings of a list attribute: literals and templates unquoted, anything else
/// rendered on one line.
pub fn strings(expr: Option<&Expression>) -> Vec<String> {
    let one = |e: &Expression| match e {
        Expression::String(s) => s.clone(),
        other => {
            let text = flat(other);
            match text.strip_prefix('"').and_then(|t| t.strip_suffix('"')) {
                Some(inner) if !inner.contains('"') => inner.to_owned(),
                _ => text,
            }
        }
    };
    match expr {
        Some(Expression::Array(items)) => items.iter().map(one).collect(),
        Some(other) => vec![flat(other)],
        None => Vec::new(),
    }
}

/// One `statement` of a `data "aws_iam_policy_document"`.
#[derive(Debug)]
pub struct Statement {
    pub sid: String,
    pub actions: Vec<String>,
    pub resources: Vec<String>,
    /// `test variable = values` of each condition, rendered.
    pub conditions: Vec<String>,
    pub principals: Vec<String>,
}

pub fn policy_statements(blocks: &[Block], name: &str) -> Vec<Statement> {
    let doc = find(blocks, "data", &["aws_iam_policy_document", name])
        .unwrap_or_else(|| panic!("data.aws_iam_policy_document.{name}"));
    sub_blocks(doc.body(), "statement")
        .map(|s| Statement {
            sid: attr(s.body(), "sid").map(render).unwrap_or_default(),
            actions: strings(attr(s.body(), "actions")),
            resources: strings(attr(s.body(), "resources")),
            conditions: sub_blocks(s.body(), "condition")
                .map(|c| {
                    let get = |k| attr(c.body(), k).map(flat).unwrap_or_default();
                    format!("{} {} = {}", get("test"), get("variable"), get("values"))
                })
                .collect(),
            principals: sub_blocks(s.body(), "principals")
                .flat_map(|p| strings(attr(p.body(), "identifiers")))
                .collect(),
        })
        .collect()
}

/// A `run:` script of a workflow or action step, run with bash in `dir` with `env`.
pub fn run_script(script: &str, dir: &Path, env: &[(&str, &str)]) -> std::process::Output {
    let mut cmd = std::process::Command::new("bash");
    cmd.arg("-c").arg(script).current_dir(dir);
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("bash runs")
}

/// `value[key]` of an evaluated HCL object (panics with the key when absent).
pub fn field<'a>(value: &'a Value, key: &str) -> &'a Value {
    value
        .as_object()
        .and_then(|o| o.get(key))
        .unwrap_or_else(|| panic!("no {key} in {value:?}"))
}
