"""Registers ECS task IPs into the ALB target groups of the peered public VPC.

ECS cannot register targets into a target group of another VPC
(aws/containers-roadmap#1107); the ELB API can, with AvailabilityZone "all".
Triggered by EventBridge "ECS Task State Change" events of the two services.
"""

import json
import os

import boto3

ELB = boto3.client("elbv2")
# {"service:<name>": "<target group arn>"}
TARGET_GROUPS = json.loads(os.environ["TARGET_GROUPS"])
PORT = int(os.environ.get("TARGET_PORT", "80"))


def task_ip(detail):
    for attachment in detail.get("attachments", []):
        if attachment.get("type") != "eni":
            continue
        for item in attachment.get("details", []):
            if item.get("name") == "privateIPv4Address":
                return item.get("value")
    return None


def handler(event, _context):
    detail = event.get("detail", {})
    target_group = TARGET_GROUPS.get(detail.get("group", ""))
    ip = task_ip(detail)
    if target_group is None or ip is None:
        return {"action": "ignored"}
    target = [{"Id": ip, "Port": PORT, "AvailabilityZone": "all"}]
    if detail.get("desiredStatus") == "STOPPED":
        ELB.deregister_targets(TargetGroupArn=target_group, Targets=target)
        return {"action": "deregistered", "ip": ip}
    if detail.get("lastStatus") == "RUNNING":
        ELB.register_targets(TargetGroupArn=target_group, Targets=target)
        return {"action": "registered", "ip": ip}
    return {"action": "ignored"}
