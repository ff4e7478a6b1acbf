# Read by `harness verify --tf-outputs` (the engine's contract; checked by
# harness/tests/terraform_contract.rs) and by .github/workflows/deploy-canary.yml.

output "url" {
  description = "HTTPS URL of the service host name."
  value       = "https://${var.domain_name}"
}

output "alb_arn" {
  description = "ARN of the application load balancer."
  value       = aws_lb.main.arn
}

output "alb_dns_name" {
  description = "DNS name of the load balancer (the alias record's target)."
  value       = aws_lb.main.dns_name
}

output "listener_arn" {
  description = "ARN of the HTTPS:443 listener whose forward action holds the weights."
  value       = aws_lb_listener.https.arn
}

output "http_listener_arn" {
  description = "ARN of the HTTP:80 listener (301 to HTTPS)."
  value       = aws_lb_listener.http.arn
}

output "cluster_name" {
  description = "ECS cluster name."
  value       = data.aws_ecs_cluster.main.cluster_name
}

output "cluster" {
  description = "Alias of cluster_name (the name `harness verify --cluster` takes)."
  value       = data.aws_ecs_cluster.main.cluster_name
}

output "stable_service_name" {
  description = "ECS service name of the stable variant."
  value       = aws_ecs_service.variant["stable"].name
}

output "canary_service_name" {
  description = "ECS service name of the canary variant."
  value       = aws_ecs_service.variant["canary"].name
}

output "stable_target_group_arn" {
  description = "Target group of the stable variant."
  value       = aws_lb_target_group.variant["stable"].arn
}

output "canary_target_group_arn" {
  description = "Target group of the canary variant."
  value       = aws_lb_target_group.variant["canary"].arn
}

output "web_acl_arn" {
  description = "WAFv2 WebACL associated with the load balancer."
  value       = aws_wafv2_web_acl.main.arn
}

output "waf_managed_rule_groups" {
  description = "AWS managed rule groups the WebACL deploys: harness gate FAILs when one is missing from the associated WebACL or in Count mode."
  value = flatten([
    for r in aws_wafv2_web_acl.main.rule : [
      for s in r.statement : [
        for m in s.managed_rule_group_statement : m.name
      ]
    ]
  ])
}

output "stable_weight" {
  description = "Configured stable weight (percent)."
  value       = var.stable_weight
}

output "canary_weight" {
  description = "Configured canary weight (percent)."
  value       = var.canary_weight
}

output "deployment_alerts_topic_arn" {
  description = "SNS topic receiving ECS deployment rollback events."
  value       = aws_sns_topic.deployment_alerts.arn
}

output "log_archive_bucket" {
  description = "S3 bucket holding the Firehose log archive."
  value       = aws_s3_bucket.log_archive.id
}

output "stable_image_tag" {
  description = "Image tag the stable service runs (deploy-canary.yml rolls back to it)."
  value       = var.stable_image_tag
}

output "canary_image_tag" {
  description = "Image tag the canary service runs."
  value       = var.canary_image_tag
}

output "gate_role_arn" {
  description = "Read-only role deploy-canary.yml and nightly-verify.yml assume for the gate (harness gate)."
  value       = aws_iam_role.gate.arn
}
