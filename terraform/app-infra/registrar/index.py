"""Keeps the ALB target groups of the peered public VPC equal to the RUNNING ECS tasks.

ECS cannot register targets into a target group of another VPC
(aws/containers-roadmap#1107); the ELB API can, with AvailabilityZone "all".

Two triggers (registrar.tf):

- EventBridge "ECS Task State Change" of the two services. A task is deregistered on
  the first event that says it is going away (desiredStatus STOPPED, or lastStatus
  DEACTIVATING / STOPPING / DEPROVISIONING / STOPPED). ECS sets desiredStatus STOPPED
  before it sends SIGTERM, and the app keeps serving through the target group's
  deregistration delay after SIGTERM, so in-flight and new requests routed before the
  deregistration takes effect are still answered. A task is registered when it is
  RUNNING with desiredStatus RUNNING, after DescribeTasks confirms that it still is
  (a RUNNING event delivered after the task began stopping must not re-register it).
- An EventBridge schedule: reconcile every target group to exactly the IPs of its
  service's RUNNING tasks (register missing, deregister stale), so a lost or
  out-of-order event cannot leave a dead IP registered or a live task unregistered
  for longer than one period.

The decisions are pure functions (`event_action`, `plan`, `running_ips`), tested
offline by test_index.py with `python3 -m unittest`; boto3 is only imported by
`clients()` at run time (the Lambda runtime ships it).
"""

import json
import os

# lastStatus values of a task on its way out (ECS task lifecycle).
STOPPING_STATUSES = frozenset({"DEACTIVATING", "STOPPING", "DEPROVISIONING", "STOPPED"})
# Target health states that already mean "leaving": not counted as registered.
LEAVING_TARGET_STATES = frozenset({"draining"})

_CLIENTS = {}


def clients():
    """(ecs, elbv2) boto3 clients, created once per Lambda container."""
    if not _CLIENTS:
        import boto3  # pylint: disable=import-outside-toplevel

        _CLIENTS["ecs"] = boto3.client("ecs")
        _CLIENTS["elbv2"] = boto3.client("elbv2")
    return _CLIENTS["ecs"], _CLIENTS["elbv2"]


def config():
    """{"service:<name>": "<target group arn>"}, the cluster ARN and the target port."""
    return (
        json.loads(os.environ["TARGET_GROUPS"]),
        os.environ["CLUSTER_ARN"],
        int(os.environ.get("TARGET_PORT", "80")),
    )


def task_ip(task):
    """Private IPv4 of a task (event detail or DescribeTasks item), or None."""
    for attachment in task.get("attachments", []):
        # "eni" in EventBridge events, "ElasticNetworkInterface" in DescribeTasks.
        if attachment.get("type") not in ("eni", "ElasticNetworkInterface"):
            continue
        for item in attachment.get("details", []):
            if item.get("name") == "privateIPv4Address":
                return item.get("value")
    return None


def is_leaving(task):
    return task.get("desiredStatus") == "STOPPED" or task.get("lastStatus") in STOPPING_STATUSES


def is_running(task):
    return task.get("lastStatus") == "RUNNING" and task.get("desiredStatus") == "RUNNING"


def event_action(detail):
    """"deregister", "register" or None for an ECS Task State Change detail."""
    if is_leaving(detail):
        return "deregister"
    if is_running(detail):
        return "register"
    return None


def running_ips(tasks):
    """IPs of the tasks that are RUNNING and meant to stay RUNNING."""
    return {ip for ip in (task_ip(t) for t in tasks if is_running(t)) if ip}


def plan(desired, registered):
    """(to_register, to_deregister), sorted: what makes `registered` equal `desired`."""
    desired, registered = set(desired), set(registered)
    return sorted(desired - registered), sorted(registered - desired)


def targets(ips, port):
    return [{"Id": ip, "Port": port, "AvailabilityZone": "all"} for ip in ips]


def describe_tasks(ecs, cluster, arns):
    tasks = []
    for i in range(0, len(arns), 100):
        tasks.extend(ecs.describe_tasks(cluster=cluster, tasks=arns[i : i + 100])["tasks"])
    return tasks


def service_tasks(ecs, cluster, service):
    arns = []
    for page in ecs.get_paginator("list_tasks").paginate(
        cluster=cluster, serviceName=service, desiredStatus="RUNNING"
    ):
        arns.extend(page["taskArns"])
    return describe_tasks(ecs, cluster, arns) if arns else []


def registered_ips(elbv2, target_group):
    found = elbv2.describe_target_health(TargetGroupArn=target_group)
    return {
        d["Target"]["Id"]
        for d in found["TargetHealthDescriptions"]
        if d.get("TargetHealth", {}).get("State") not in LEAVING_TARGET_STATES
    }


def reconcile(ecs, elbv2, groups, cluster, port):
    """Make every target group hold exactly its service's RUNNING task IPs."""
    changes = {}
    for group, target_group in sorted(groups.items()):
        service = group.split(":", 1)[1]
        desired = running_ips(service_tasks(ecs, cluster, service))
        add, remove = plan(desired, registered_ips(elbv2, target_group))
        if remove:
            elbv2.deregister_targets(TargetGroupArn=target_group, Targets=targets(remove, port))
        if add:
            elbv2.register_targets(TargetGroupArn=target_group, Targets=targets(add, port))
        changes[service] = {"registered": add, "deregistered": remove}
    return changes


def on_task_change(ecs, elbv2, detail, groups, cluster, port):
    target_group = groups.get(detail.get("group", ""))
    ip = task_ip(detail)
    action = event_action(detail)
    if target_group is None or ip is None or action is None:
        return {"action": "ignored"}
    if action == "deregister":
        elbv2.deregister_targets(TargetGroupArn=target_group, Targets=targets([ip], port))
        return {"action": "deregistered", "ip": ip}
    # Events can arrive out of order: register only what ECS says is still running.
    current = describe_tasks(ecs, cluster, [detail["taskArn"]]) if detail.get("taskArn") else []
    if not any(is_running(t) and task_ip(t) == ip for t in current):
        return {"action": "ignored", "ip": ip, "reason": "no longer running"}
    elbv2.register_targets(TargetGroupArn=target_group, Targets=targets([ip], port))
    return {"action": "registered", "ip": ip}


def handler(event, _context):
    groups, cluster, port = config()
    ecs, elbv2 = clients()
    if event.get("detail-type") == "Scheduled Event":
        return {"action": "reconciled", "changes": reconcile(ecs, elbv2, groups, cluster, port)}
    return on_task_change(ecs, elbv2, event.get("detail", {}), groups, cluster, port)
