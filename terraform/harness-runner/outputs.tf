output "cluster_name" {
  description = "aws ecs run-task --cluster (this region)."
  value       = aws_ecs_cluster.runner.name
}

output "task_definition_arn" {
  description = "aws ecs run-task --task-definition (this region)."
  value       = aws_ecs_task_definition.runner.arn
}

output "security_group_id" {
  description = "aws ecs run-task --network-configuration securityGroups (this region)."
  value       = aws_security_group.runner.id
}

output "log_group_name" {
  description = "CloudWatch log group of the runner tasks (streams harness/... and upload/...)."
  value       = aws_cloudwatch_log_group.runner.name
}

output "task_role_arn" {
  description = "Role the runner tasks act as (the gate's reads, PutObject under reports_prefix)."
  value       = aws_iam_role.task.arn
}
