//! The ECS part of the twin's seed: a task definition and a service, with moto's
//! desired/running/pending quirks described in [`crate::twin::control_plane::seed`]. As in app-infra
//! (`aws_ecs_service.variant` has no `load_balancer` block: the registrar Lambda
//! registers task IPs across VPCs), the service names no target group; the harness
//! learns the target groups from Terraform's outputs (`--stable-target-group`, ...).

use aws_sdk_ecs::types::{ContainerDefinition, PortMapping};

use crate::aws::sdk_error;
use crate::error::Result;

/// Memory of the container definition (moto's `run_task` needs a container-level value).
const CONTAINER_MEMORY_MIB: i32 = 512;

/// Registers a task definition of `family` for `image` and creates the service `name`
/// with the given desired count, reaching `running` through moto's update semantics.
/// `ports` are the container ports Terraform's task definition maps (app, health).
#[allow(clippy::too_many_arguments)]
pub async fn service(
    ecs: &aws_sdk_ecs::Client,
    cluster: &str,
    name: &str,
    family: &str,
    image: &str,
    ports: &[u16],
    desired: i32,
    running: i32,
) -> Result<()> {
    let mappings = ports
        .iter()
        .map(|p| PortMapping::builder().container_port(i32::from(*p)).build())
        .collect();
    let td = ecs
        .register_task_definition()
        .family(family)
        .container_definitions(
            ContainerDefinition::builder()
                .name("app")
                .image(image)
                .memory(CONTAINER_MEMORY_MIB)
                .essential(true)
                .set_port_mappings(Some(mappings))
                .build(),
        )
        .send()
        .await
        .map_err(|e| sdk_error("seed: register task definition", e))?
        .task_definition()
        .and_then(|t| t.task_definition_arn())
        .unwrap_or_default()
        .to_owned();
    // See the module doc: running = desired → create at 0, update to desired.
    let create_desired = if running == desired { 0 } else { desired };
    ecs.create_service()
        .cluster(cluster)
        .service_name(name)
        .task_definition(&td)
        .desired_count(create_desired)
        .launch_type(aws_sdk_ecs::types::LaunchType::Fargate)
        .send()
        .await
        .map_err(|e| sdk_error("seed: create ECS service", e))?;
    if running == desired && desired > 0 {
        ecs.update_service()
            .cluster(cluster)
            .service(name)
            .desired_count(desired)
            .send()
            .await
            .map_err(|e| sdk_error("seed: update ECS service", e))?;
    }
    Ok(())
}
