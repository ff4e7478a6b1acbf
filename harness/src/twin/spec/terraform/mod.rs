//! What app-infra's Terraform declares, read at run time so that the twin is built from
//! it instead of from constants of its own: the container's app and health ports (the
//! task definition's `portMappings`), the target group's health check and
//! deregistration delay, the listeners (HTTPS port and `ssl_policy`, HTTP port and its
//! redirect), the WAF's rate-based rules (limit, window, custom response, the gate
//! header that exempts or selects requests) and the resource names ([`Names`]).
//!
//! The files are parsed with hcl-rs and the needed expressions evaluated with
//! `hcl::eval` in a context holding `var.*` (variable defaults) and `local.*` (the
//! locals that evaluate from those; locals needing resources or data sources are left
//! out). An attribute that is missing or does not evaluate is a configuration error
//! naming the file and the attribute: the twin never falls back to a guess.

use std::path::{Path, PathBuf};

use hcl::eval::{Context, Evaluate};
use hcl::{Block, Body, Expression, ObjectKey, Value};

use crate::error::{Error, Result};

mod names;
mod waf;
pub mod zones;

pub use names::{Names, VARIANT_KEYS, shared_cluster_name};
use waf::waf_rules;
pub use waf::{GateScope, ManagedGroup, RateRule};

/// Environment variable naming another app-infra folder (default: the repository's).
pub const TERRAFORM_DIR_ENV: &str = "HARNESS_TERRAFORM_DIR";
/// Window of a WAFv2 rate-based rule without `evaluation_window_sec` (AWS default).
pub const DEFAULT_WAF_WINDOW_S: u64 = 300;

/// The repository's `terraform/app-infra`, or [`TERRAFORM_DIR_ENV`] when set.
pub fn app_infra_dir() -> PathBuf {
    match std::env::var_os(TERRAFORM_DIR_ENV) {
        Some(d) if !d.is_empty() => PathBuf::from(d),
        _ => Path::new(env!("CARGO_MANIFEST_DIR")).join("../terraform/app-infra"),
    }
}

/// What the twin takes from Terraform.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Declared {
    /// Folder read.
    pub dir: PathBuf,
    /// Container port of the app (`portMappings` named `http`).
    pub app_port: u16,
    /// Container port of the health endpoint (`portMappings` named `health`).
    pub health_port: u16,
    /// Target group health check path.
    pub health_path: String,
    /// Target group health check port.
    pub health_check_port: u16,
    /// Target group health check matcher (`200`).
    pub health_matcher: String,
    /// Target group deregistration delay in seconds.
    pub deregistration_delay_s: u64,
    /// HTTPS listener port.
    pub https_port: u16,
    /// HTTPS listener TLS policy.
    pub ssl_policy: String,
    /// HTTP listener port.
    pub http_port: u16,
    /// Status of the HTTP listener's redirect (301).
    pub redirect_status: u16,
    /// Port the redirect points at.
    pub redirect_port: u16,
    /// WAF rate-based rules, in priority order.
    pub rate_rules: Vec<RateRule>,
    /// WAF managed rule groups, in priority order.
    pub managed_groups: Vec<ManagedGroup>,
    /// Header carrying the gate token (`x-harness-gate`).
    pub gate_header: String,
    /// Names of the cluster, services, target groups, load balancer and WebACL.
    pub names: Names,
}

pub(super) struct Stack {
    blocks: Vec<(PathBuf, Block)>,
    ctx: Context<'static>,
}

pub(super) fn bad(file: &Path, what: &str, why: impl std::fmt::Display) -> Error {
    let name = file.file_name().map(Path::new).unwrap_or(file);
    Error::Config(format!("Terraform {}: {what}: {why}", name.display()))
}

impl Stack {
    fn load(dir: &Path) -> Result<Stack> {
        let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
            .map_err(|e| Error::Config(format!("Terraform folder {}: {e}", dir.display())))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "tf"))
            .collect();
        files.sort();
        if files.is_empty() {
            return Err(Error::Config(format!(
                "Terraform folder {}: no .tf files",
                dir.display()
            )));
        }
        let mut blocks = Vec::new();
        for f in files {
            let text = std::fs::read_to_string(&f).map_err(|e| bad(&f, "reading", e))?;
            let body = hcl::parse(&text).map_err(|e| bad(&f, "parsing", e))?;
            blocks.extend(body.into_blocks().map(|b| (f.clone(), b)));
        }
        let mut ctx = Context::new();
        let mut vars = hcl::Map::new();
        for (_, b) in blocks.iter().filter(|(_, b)| b.identifier() == "variable") {
            if let (Some(name), Some(d)) = (b.labels().first(), attr(b.body(), "default"))
                && let Ok(v) = d.evaluate(&ctx)
            {
                vars.insert(name.as_str().to_owned(), v);
            }
        }
        ctx.declare_var("var", Value::Object(vars));
        let mut locals = hcl::Map::new();
        // Locals refer to each other: a few rounds resolve the chains.
        for _ in 0..4 {
            ctx.declare_var("local", Value::Object(locals.clone()));
            for (_, b) in blocks.iter().filter(|(_, b)| b.identifier() == "locals") {
                for a in b.body().attributes() {
                    if let Ok(v) = a.expr().evaluate(&ctx) {
                        locals.insert(a.key().to_string(), v);
                    }
                }
            }
        }
        ctx.declare_var("local", Value::Object(locals));
        Ok(Stack { blocks, ctx })
    }

    pub(super) fn resource(&self, kind: &str, name: &str) -> Result<(&Path, &Body)> {
        self.blocks
            .iter()
            .find(|(_, b)| {
                b.identifier() == "resource"
                    && b.labels().iter().map(|l| l.as_str()).eq([kind, name])
            })
            .map(|(f, b)| (f.as_path(), b.body()))
            .ok_or_else(|| Error::Config(format!("Terraform: no resource {kind}.{name} declared")))
    }

    pub(super) fn value(
        &self,
        file: &Path,
        what: &str,
        expr: Option<&Expression>,
    ) -> Result<Value> {
        let expr = expr.ok_or_else(|| bad(file, what, "not declared"))?;
        expr.evaluate(&self.ctx)
            .map_err(|e| bad(file, what, format!("cannot evaluate ({e})")))
    }

    pub(super) fn number(&self, file: &Path, what: &str, expr: Option<&Expression>) -> Result<u64> {
        match self.value(file, what, expr)? {
            Value::Number(n) if n.as_u64().is_some() => Ok(n.as_u64().unwrap_or_default()),
            Value::String(s) => s
                .parse()
                .map_err(|_| bad(file, what, format!("{s:?} is not a number"))),
            other => Err(bad(file, what, format!("{other} is not a number"))),
        }
    }

    pub(super) fn string(
        &self,
        file: &Path,
        what: &str,
        expr: Option<&Expression>,
    ) -> Result<String> {
        match self.value(file, what, expr)? {
            Value::String(s) => Ok(s),
            Value::Number(n) => Ok(n.to_string()),
            other => Err(bad(file, what, format!("{other} is not a string"))),
        }
    }
}

pub(super) fn attr<'a>(body: &'a Body, key: &str) -> Option<&'a Expression> {
    body.attributes().find(|a| a.key() == key).map(|a| a.expr())
}

pub(super) fn block<'a>(body: &'a Body, ident: &str) -> Option<&'a Body> {
    body.blocks()
        .find(|b| b.identifier() == ident)
        .map(|b| b.body())
}

pub(super) fn path<'a>(body: &'a Body, idents: &[&str]) -> Option<&'a Body> {
    idents.iter().try_fold(body, |b, i| block(b, i))
}

fn port(n: u64, file: &Path, what: &str) -> Result<u16> {
    u16::try_from(n).map_err(|_| bad(file, what, format!("{n} is not a port")))
}

impl Declared {
    /// Reads [`app_infra_dir`].
    pub fn load_default() -> Result<Declared> {
        Declared::load(&app_infra_dir())
    }

    /// Reads the app-infra stack in `dir`.
    pub fn load(dir: &Path) -> Result<Declared> {
        let s = Stack::load(dir)?;
        let (app_port, health_port) = port_mappings(&s)?;

        let (f, tg) = s.resource("aws_lb_target_group", "variant")?;
        let hc = block(tg, "health_check");
        let hc_attr = |k| hc.and_then(|b| attr(b, k));
        let health_path = s.string(f, "health_check.path", hc_attr("path"))?;
        let hc_port = s.number(f, "health_check.port", hc_attr("port"))?;
        let health_check_port = port(hc_port, f, "health_check.port")?;
        let health_matcher = s.string(f, "health_check.matcher", hc_attr("matcher"))?;
        let deregistration_delay_s =
            s.number(f, "deregistration_delay", attr(tg, "deregistration_delay"))?;

        let (f, https) = s.resource("aws_lb_listener", "https")?;
        let https_port = port(s.number(f, "https.port", attr(https, "port"))?, f, "port")?;
        let ssl_policy = s.string(f, "https.ssl_policy", attr(https, "ssl_policy"))?;

        let (f, http) = s.resource("aws_lb_listener", "http")?;
        let http_port = port(s.number(f, "http.port", attr(http, "port"))?, f, "port")?;
        let redirect = path(http, &["default_action", "redirect"]);
        let r = |k| redirect.and_then(|b| attr(b, k));
        let code = s.string(
            f,
            "http.default_action.redirect.status_code",
            r("status_code"),
        )?;
        let redirect_status = code
            .strip_prefix("HTTP_")
            .and_then(|c| c.parse().ok())
            .ok_or_else(|| {
                bad(
                    f,
                    "redirect.status_code",
                    format!("{code:?} is not HTTP_3xx"),
                )
            })?;
        let redirect_port = port(
            s.number(f, "http.default_action.redirect.port", r("port"))?,
            f,
            "redirect.port",
        )?;

        if ![app_port, health_port].contains(&health_check_port) {
            return Err(bad(
                f,
                "health_check.port",
                format!("{health_check_port} is not a port the task definition maps"),
            ));
        }
        let (managed_groups, rate_rules, gate_header) = waf_rules(&s)?;
        let names = names::names(&s)?;
        Ok(Declared {
            dir: dir.to_path_buf(),
            app_port,
            health_port,
            health_path,
            health_check_port,
            health_matcher,
            deregistration_delay_s,
            https_port,
            ssl_policy,
            http_port,
            redirect_status,
            redirect_port,
            rate_rules,
            managed_groups,
            gate_header,
            names,
        })
    }

    /// The rate rule named `name`.
    pub fn rate_rule(&self, name: &str) -> Option<&RateRule> {
        self.rate_rules.iter().find(|r| r.name == name)
    }
}

/// `(app, health)` container ports from the task definition's `portMappings`, found in
/// the `jsonencode([...])` argument without evaluating the rest of the definition
/// (which refers to resources).
fn port_mappings(s: &Stack) -> Result<(u16, u16)> {
    let (f, td) = s.resource("aws_ecs_task_definition", "variant")?;
    let what = "container_definitions[0].portMappings";
    let defs = match attr(td, "container_definitions") {
        Some(Expression::FuncCall(call)) => call.args.first(),
        other => other,
    };
    let mappings = match defs {
        Some(Expression::Array(items)) => items.iter().find_map(|d| match d {
            Expression::Object(o) => o.iter().find_map(|(k, v)| match k {
                ObjectKey::Identifier(i) if i.as_str() == "portMappings" => Some(v),
                ObjectKey::Expression(Expression::String(i)) if i == "portMappings" => Some(v),
                _ => None,
            }),
            _ => None,
        }),
        _ => None,
    };
    let list = s.value(f, what, mappings)?;
    let find = |name: &str| -> Result<u16> {
        let entry = list
            .as_array()
            .into_iter()
            .flatten()
            .find(|m| field(m, "name").and_then(Value::as_str) == Some(name))
            .ok_or_else(|| bad(f, what, format!("no mapping named {name:?}")))?;
        let p = field(entry, "containerPort")
            .and_then(Value::as_u64)
            .ok_or_else(|| bad(f, what, format!("{name}: no numeric containerPort")))?;
        port(p, f, what)
    };
    Ok((find("http")?, find("health")?))
}

fn field<'a>(v: &'a Value, key: &str) -> Option<&'a Value> {
    v.as_object().and_then(|o| o.get(key))
}

#[cfg(test)]
mod tests;
