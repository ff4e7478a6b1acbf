//! The addresses of a service's RUNNING tasks, for the target-group verification of
//! [`super::targets`]: ListTasks (by service, desired RUNNING) then DescribeTasks, each
//! task's awsvpc ENI attachment `privateIPv4Address` (what Fargate reports and the
//! registrar registers), else its containers' network interfaces.
//!
//! moto 5.2.5 (checked in `ecs/models.py`): `run_task` with FARGATE and an awsvpc
//! network configuration reports an ENI attachment with `privateIPv4Address`, but the
//! address is moto's `random_private_ip()` (`10.x.y.z`, ec2/utils.py), which the caller
//! cannot choose, and services launch no tasks at all. The twin's containers run at
//! Docker's addresses, so no task moto reports can carry a container's real address:
//! on the twin the gate compares by count (the endpoint reports no task addresses for
//! the services), and the address path is tested here against moto's own
//! `run_task`/`DescribeTasks` responses.

use crate::aws;
use crate::error::Result;

/// ECS groups a service's tasks as `service:NAME`.
const SERVICE_GROUP_PREFIX: &str = "service:";

/// Private IPv4 addresses of the RUNNING tasks of `service` (ListTasks with
/// `serviceName` and `desiredStatus` RUNNING, then DescribeTasks): the awsvpc ENI
/// attachment's `privateIPv4Address`, else the containers' network interfaces. Tasks are
/// kept only when their `lastStatus` is RUNNING and their group is the service's (moto
/// ignores `serviceName` and lists every task of the cluster).
pub async fn running_task_ips(
    ecs: &aws_sdk_ecs::Client,
    cluster: &str,
    service: &str,
) -> Result<Vec<String>> {
    let arns: Vec<String> = ecs
        .list_tasks()
        .cluster(cluster)
        .service_name(service)
        .desired_status(aws_sdk_ecs::types::DesiredStatus::Running)
        .into_paginator()
        .items()
        .send()
        .collect::<std::result::Result<Vec<_>, _>>()
        .await
        .map_err(|e| aws::sdk_error(&format!("running tasks of ECS service {service}"), e))?;
    let group = format!("{SERVICE_GROUP_PREFIX}{service}");
    let mut ips = Vec::new();
    // DescribeTasks takes at most 100 tasks per call.
    for chunk in arns.chunks(100) {
        let out = ecs
            .describe_tasks()
            .cluster(cluster)
            .set_tasks(Some(chunk.to_vec()))
            .send()
            .await
            .map_err(|e| aws::sdk_error(&format!("tasks of ECS service {service}"), e))?;
        for t in out.tasks() {
            if t.group() != Some(group.as_str()) || t.last_status() != Some("RUNNING") {
                continue;
            }
            ips.extend(task_ips(t));
        }
    }
    ips.sort();
    ips.dedup();
    Ok(ips)
}

/// Addresses of one task: ENI attachments first, containers' interfaces otherwise.
pub fn task_ips(t: &aws_sdk_ecs::types::Task) -> Vec<String> {
    let from_eni: Vec<String> = t
        .attachments()
        .iter()
        .flat_map(|a| a.details())
        .filter(|kv| kv.name() == Some("privateIPv4Address"))
        .filter_map(|kv| kv.value().map(str::to_owned))
        .collect();
    if !from_eni.is_empty() {
        return from_eni;
    }
    t.containers()
        .iter()
        .flat_map(|c| c.network_interfaces())
        .filter_map(|n| n.private_ipv4_address().map(str::to_owned))
        .collect()
}

#[cfg(test)]
mod tests {
    use aws_sdk_ecs::types::{
        Attachment, AwsVpcConfiguration, Container, ContainerDefinition, KeyValuePair, LaunchType,
        NetworkConfiguration, NetworkInterface, NetworkMode, Task,
    };

    use super::*;
    use crate::gate::rollout::VariantRollout;
    use crate::gate::targets::compare;

    fn kv(name: &str, value: &str) -> KeyValuePair {
        KeyValuePair::builder().name(name).value(value).build()
    }

    /// A Fargate task as DescribeTasks reports it (the ENI attachment's details in the
    /// order of the ECS API reference's example: subnetId, networkInterfaceId,
    /// macAddress, privateDnsName, privateIPv4Address).
    fn fargate_task(ip: &str) -> Task {
        Task::builder()
            .group("service:app-canary")
            .last_status("RUNNING")
            .attachments(
                Attachment::builder()
                    .id("8f5b8c35-7f3a-4c2e-9c1b-1f1d2b3c4d5e")
                    .r#type("ElasticNetworkInterface")
                    .status("ATTACHED")
                    .details(kv("subnetId", "subnet-0123456789abcdef0"))
                    .details(kv("networkInterfaceId", "eni-0123456789abcdef0"))
                    .details(kv("macAddress", "0a:1b:2c:3d:4e:5f"))
                    .details(kv("privateDnsName", "ip-10-0-1-23.ec2.internal"))
                    .details(kv("privateIPv4Address", ip))
                    .build(),
            )
            .containers(
                Container::builder()
                    .name("app")
                    .network_interfaces(
                        NetworkInterface::builder()
                            .attachment_id("8f5b8c35-7f3a-4c2e-9c1b-1f1d2b3c4d5e")
                            .private_ipv4_address(ip)
                            .build(),
                    )
                    .build(),
            )
            .build()
    }

    #[test]
    fn reads_the_eni_address_else_the_containers() {
        assert_eq!(task_ips(&fargate_task("10.0.1.23")), ["10.0.1.23"]);
        let container_only = Task::builder()
            .containers(
                Container::builder()
                    .network_interfaces(
                        NetworkInterface::builder()
                            .private_ipv4_address("10.0.2.7")
                            .build(),
                    )
                    .build(),
            )
            .build();
        assert_eq!(task_ips(&container_only), ["10.0.2.7"]);
        assert!(task_ips(&Task::builder().build()).is_empty());
    }

    /// The address path against moto's own ECS: tasks run with FARGATE and awsvpc in
    /// the service's group report their ENI address through ListTasks/DescribeTasks;
    /// a task of another group and a stopped task are left out; targets equal to the
    /// addresses match, a registered address no task has is a stale target, named.
    #[tokio::test]
    async fn compares_by_address_with_what_moto_reports_for_run_tasks() {
        let moto = crate::twin::moto::MotoServer::start().await.unwrap();
        let dir = tempfile::tempdir().unwrap();
        let creds = dir.path().join("credentials");
        std::fs::write(
            &creds,
            "[moto]\naws_access_key_id = testing\naws_secret_access_key = testing\n",
        )
        .unwrap();
        let sdk = aws::load(&aws::AwsOptions {
            endpoint_url: Some(moto.endpoint_url.clone()),
            region: Some("us-east-1".into()),
            profile: Some("moto".into()),
            credentials_file: Some(creds),
        })
        .await
        .unwrap();
        // moto's tasks leave RUNNING on every read unless their progression is manual.
        let r = reqwest::Client::new()
            .post(format!("{}/moto-api/state-manager/set-transition", moto.endpoint_url))
            .body(r#"{"model_name":"ecs::task","transition":{"progression":"manual","times":1000000}}"#)
            .send()
            .await
            .unwrap();
        assert!(r.status().is_success(), "{r:?}");
        let ec2 = aws::ec2_query::Ec2Query::new(&sdk).await.unwrap();
        let vpc = ec2.create_vpc("10.0.0.0/16", "t").await.unwrap();
        // Without DNS host names moto's awsvpc run_task fails (500: its ENI has no
        // private_dns_name).
        ec2.call(
            "ModifyVpcAttribute",
            &[
                ("VpcId".into(), vpc.clone()),
                ("EnableDnsHostnames.Value".into(), "true".into()),
            ],
        )
        .await
        .unwrap();
        let subnet = ec2
            .create_subnet(&vpc, "10.0.1.0/24", "us-east-1a", "t")
            .await
            .unwrap();
        let sg = ec2.create_security_group("t", "t", &vpc).await.unwrap();
        let ecs = aws_sdk_ecs::Client::new(&sdk);
        ecs.create_cluster().cluster_name("c").send().await.unwrap();
        let td = ecs
            .register_task_definition()
            .family("app-canary")
            .network_mode(NetworkMode::Awsvpc)
            .container_definitions(
                ContainerDefinition::builder()
                    .name("app")
                    .image("app:v2")
                    .memory(512)
                    .build(),
            )
            .send()
            .await
            .unwrap();
        let td = td.task_definition().unwrap().task_definition_arn().unwrap();
        let net = NetworkConfiguration::builder()
            .awsvpc_configuration(
                AwsVpcConfiguration::builder()
                    .subnets(&subnet)
                    .security_groups(&sg)
                    .build()
                    .unwrap(),
            )
            .build();
        let run = |group: &'static str, count: i32| {
            ecs.run_task()
                .cluster("c")
                .task_definition(td)
                .launch_type(LaunchType::Fargate)
                .network_configuration(net.clone())
                .group(group)
                .count(count)
                .send()
        };
        let ours = run("service:app-canary", 3).await.unwrap();
        run("service:other", 1).await.unwrap();
        let mut reported: Vec<String> = ours.tasks().iter().flat_map(task_ips).collect();
        assert_eq!(reported.len(), 3, "moto reports no ENI address: {ours:?}");
        let stopped = ours.tasks()[2].task_arn().unwrap();
        ecs.stop_task()
            .cluster("c")
            .task(stopped)
            .send()
            .await
            .unwrap();
        let gone = task_ips(&ours.tasks()[2]);
        reported.retain(|ip| !gone.contains(ip));
        reported.sort();

        let read = running_task_ips(&ecs, "c", "app-canary").await.unwrap();
        assert_eq!(read, reported);

        let registered = |ips: &[&str]| VariantRollout {
            service: "app-canary".into(),
            targets: ips
                .iter()
                .map(|ip| aws::RegisteredTarget {
                    id: (*ip).into(),
                    port: Some(80),
                    state: "healthy".into(),
                })
                .collect(),
            task_ips: read.clone(),
            running: 2,
            ..VariantRollout::default()
        };
        let exact: Vec<&str> = read.iter().map(String::as_str).collect();
        let f = compare("canary", &registered(&exact));
        assert!(
            f.fail.is_empty() && f.missing.is_empty() && f.notes.is_empty(),
            "{f:?}"
        );
        let mut with_stale = exact.clone();
        with_stale.push("10.255.255.1");
        let f = compare("canary", &registered(&with_stale));
        assert_eq!(f.fail.len(), 1, "{f:?}");
        assert!(f.fail[0].contains("stale target 10.255.255.1"), "{f:?}");
        let f = compare("canary", &registered(&exact[..1]));
        assert_eq!(f.missing.len(), 1, "{f:?}");
        assert!(f.missing[0].contains(exact[1]), "{f:?}");
    }
}
