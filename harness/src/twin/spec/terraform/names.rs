//! The names app-infra gives its resources, read so that the twin's control plane is
//! named as production is: the ECS cluster (`data.aws_ecs_cluster.main`, created by
//! shared-infra), the two services and task definition families
//! (`aws_ecs_service.variant` / `aws_ecs_task_definition.variant`, `for_each` over
//! stable and canary), the target groups, the load balancer and its security group, the
//! WebACL and the image repository. Each is the evaluated expression (`"${local.name}-${each.key}"` with
//! `each.key` bound to the variant), never a copy.

use std::path::Path;

use hcl::Value;

use super::{Stack, attr, bad};
use crate::error::{Error, Result};

/// The `for_each` keys of app-infra's per-variant resources (`local.variants`).
pub const VARIANT_KEYS: [&str; 2] = ["stable", "canary"];

/// Resource names Terraform declares.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Names {
    /// ECS cluster (`data.aws_ecs_cluster.main.cluster_name`).
    pub cluster: String,
    /// Stable ECS service.
    pub stable_service: String,
    /// Canary ECS service.
    pub canary_service: String,
    /// Stable task definition family.
    pub stable_family: String,
    /// Canary task definition family.
    pub canary_family: String,
    /// Stable target group.
    pub stable_target_group: String,
    /// Canary target group.
    pub canary_target_group: String,
    /// Application load balancer.
    pub load_balancer: String,
    /// WebACL.
    pub web_acl: String,
    /// ECR repository of the app image (`data.aws_ecr_repository.app.name`).
    pub image_repository: String,
    /// Security group of the load balancer (`aws_security_group.alb`).
    pub alb_security_group: String,
}

impl Stack {
    /// A `data` block's body.
    fn data(&self, kind: &str, name: &str) -> Result<(&Path, &hcl::Body)> {
        self.blocks
            .iter()
            .find(|(_, b)| {
                b.identifier() == "data" && b.labels().iter().map(|l| l.as_str()).eq([kind, name])
            })
            .map(|(f, b)| (f.as_path(), b.body()))
            .ok_or_else(|| Error::Config(format!("Terraform: no data {kind}.{name} declared")))
    }

    /// `attribute` of `resource kind.name`, evaluated with `each.key = key`.
    fn each_string(&self, kind: &str, name: &str, attribute: &str, key: &str) -> Result<String> {
        let (f, body) = self.resource(kind, name)?;
        let what = format!("{kind}.{name}[{key:?}].{attribute}");
        let expr = attr(body, attribute).ok_or_else(|| bad(f, &what, "not declared"))?;
        let mut ctx = self.ctx.clone();
        let mut each = hcl::Map::new();
        each.insert("key".to_owned(), Value::String(key.to_owned()));
        ctx.declare_var("each", Value::Object(each));
        match hcl::eval::Evaluate::evaluate(expr, &ctx) {
            Ok(Value::String(s)) => Ok(s),
            Ok(other) => Err(bad(f, &what, format!("{other} is not a string"))),
            Err(e) => Err(bad(f, &what, format!("cannot evaluate ({e})"))),
        }
    }

    fn plain_string(&self, kind: &str, name: &str, attribute: &str) -> Result<String> {
        let (f, body) = self.resource(kind, name)?;
        self.string(
            f,
            &format!("{kind}.{name}.{attribute}"),
            attr(body, attribute),
        )
    }
}

/// Reads [`Names`] from the loaded stack.
pub(super) fn names(s: &Stack) -> Result<Names> {
    let (f, cluster) = s.data("aws_ecs_cluster", "main")?;
    let cluster = s.string(
        f,
        "data.aws_ecs_cluster.main.cluster_name",
        attr(cluster, "cluster_name"),
    )?;
    let (f, repo) = s.data("aws_ecr_repository", "app")?;
    let image_repository = s.string(f, "data.aws_ecr_repository.app.name", attr(repo, "name"))?;
    let [stable, canary] = VARIANT_KEYS;
    let each = |kind, name, a, key| s.each_string(kind, name, a, key);
    Ok(Names {
        cluster,
        stable_service: each("aws_ecs_service", "variant", "name", stable)?,
        canary_service: each("aws_ecs_service", "variant", "name", canary)?,
        stable_family: each("aws_ecs_task_definition", "variant", "family", stable)?,
        canary_family: each("aws_ecs_task_definition", "variant", "family", canary)?,
        stable_target_group: each("aws_lb_target_group", "variant", "name", stable)?,
        canary_target_group: each("aws_lb_target_group", "variant", "name", canary)?,
        load_balancer: s.plain_string("aws_lb", "main", "name")?,
        web_acl: s.plain_string("aws_wafv2_web_acl", "main", "name")?,
        image_repository,
        alb_security_group: s.plain_string("aws_security_group", "alb", "name")?,
    })
}

/// The name shared-infra gives its ECS cluster (`aws_ecs_cluster.main.name` in `dir`),
/// which app-infra finds by name.
pub fn shared_cluster_name(dir: &Path) -> Result<String> {
    Stack::load(dir)?.plain_string("aws_ecs_cluster", "main", "name")
}
