//! ECS reads: desired/running/pending counts, deployments, the load balancers a
//! service is attached to, and the image tag of its task definition.

use aws_sdk_ecs::Client;

use super::sdk_error;
use crate::error::{Error, Result};

/// One deployment of a service.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DeploymentInfo {
    /// PRIMARY / ACTIVE / INACTIVE.
    pub status: String,
    /// COMPLETED / IN_PROGRESS / FAILED, when reported.
    pub rollout_state: Option<String>,
    /// Desired count of this deployment.
    pub desired: i64,
    /// Running count.
    pub running: i64,
    /// Pending count.
    pub pending: i64,
    /// Task definition ARN.
    pub task_definition: String,
}

/// What ECS says about one service.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ServiceTruth {
    /// Service name.
    pub name: String,
    /// Service ARN.
    pub arn: String,
    /// desiredCount.
    pub desired: i64,
    /// runningCount.
    pub running: i64,
    /// pendingCount.
    pub pending: i64,
    /// Deployments, primary first as ECS lists them.
    pub deployments: Vec<DeploymentInfo>,
    /// Task definition ARN of the service.
    pub task_definition: String,
    /// Image tag of the task definition's first container (the release it should
    /// report in `x-release`), when it has one.
    pub image_tag: Option<String>,
    /// Target groups of the service's `loadBalancers`.
    pub target_group_arns: Vec<String>,
}

/// Describes `names` in `cluster`; a missing service is a configuration error.
pub async fn describe_services(
    client: &Client,
    cluster: &str,
    names: &[&str],
) -> Result<Vec<ServiceTruth>> {
    let out = client
        .describe_services()
        .cluster(cluster)
        .set_services(Some(names.iter().map(|s| s.to_string()).collect()))
        .send()
        .await
        .map_err(|e| sdk_error(&format!("ECS services in cluster {cluster}"), e))?;
    if let Some(f) = out.failures().first() {
        return Err(Error::Config(format!(
            "ECS service {} in cluster {cluster}: {}",
            f.arn().unwrap_or("?"),
            f.reason().unwrap_or("not found")
        )));
    }
    let mut result = Vec::new();
    for name in names {
        let svc = out
            .services()
            .iter()
            .find(|s| s.service_name() == Some(name) || s.service_arn() == Some(name))
            .ok_or_else(|| {
                Error::Config(format!("ECS service {name} not found in cluster {cluster}"))
            })?;
        if svc.status() == Some("INACTIVE") {
            return Err(Error::Config(format!(
                "ECS service {name} in cluster {cluster} is INACTIVE (deleted)"
            )));
        }
        let task_definition = svc.task_definition().unwrap_or_default().to_owned();
        let image_tag = if task_definition.is_empty() {
            None
        } else {
            task_image_tag(client, &task_definition).await?
        };
        result.push(ServiceTruth {
            name: svc.service_name().unwrap_or(name).to_owned(),
            arn: svc.service_arn().unwrap_or_default().to_owned(),
            desired: i64::from(svc.desired_count()),
            running: i64::from(svc.running_count()),
            pending: i64::from(svc.pending_count()),
            deployments: svc.deployments().iter().map(deployment_info).collect(),
            task_definition,
            image_tag,
            target_group_arns: svc
                .load_balancers()
                .iter()
                .filter_map(|lb| lb.target_group_arn().map(str::to_owned))
                .collect(),
        });
    }
    Ok(result)
}

/// One SDK deployment as the harness sees it.
pub fn deployment_info(d: &aws_sdk_ecs::types::Deployment) -> DeploymentInfo {
    DeploymentInfo {
        status: d.status().unwrap_or_default().to_owned(),
        rollout_state: d.rollout_state().map(|r| r.as_str().to_owned()),
        desired: i64::from(d.desired_count()),
        running: i64::from(d.running_count()),
        pending: i64::from(d.pending_count()),
        task_definition: d.task_definition().unwrap_or_default().to_owned(),
    }
}

/// The image tag of a task definition's first container (DescribeTaskDefinition).
pub async fn task_image_tag(client: &Client, task_definition: &str) -> Result<Option<String>> {
    let out = client
        .describe_task_definition()
        .task_definition(task_definition)
        .send()
        .await
        .map_err(|e| sdk_error(&format!("task definition {task_definition}"), e))?;
    Ok(out
        .task_definition()
        .and_then(|td| td.container_definitions().first())
        .and_then(|c| c.image())
        .and_then(image_tag))
}

/// The tag of an image reference (`repo/name:tag` → `tag`); `None` for an untagged
/// or digest-pinned image.
pub fn image_tag(image: &str) -> Option<String> {
    if image.contains('@') {
        return None;
    }
    let last = image.rsplit('/').next().unwrap_or(image);
    last.split_once(':')
        .map(|(_, tag)| tag.to_owned())
        .filter(|t| !t.is_empty())
}

#[cfg(test)]
mod tests {
    use super::image_tag;

    #[test]
    fn reads_image_tags() {
        assert_eq!(image_tag("poem:v2").as_deref(), Some("v2"));
        assert_eq!(
            image_tag("123.dkr.ecr.eu-west-1.amazonaws.com/poem:1.4.0").as_deref(),
            Some("1.4.0")
        );
        assert_eq!(image_tag("localhost:5000/poem"), None);
        assert_eq!(image_tag("localhost:5000/poem:v1").as_deref(), Some("v1"));
        assert_eq!(image_tag("poem@sha256:abcd"), None);
        assert_eq!(image_tag("poem"), None);
    }
}
