output "plan_role_arn" {
  description = "Set as the repository variable AWS_PLAN_ROLE_ARN (shared-infra.yml plan job)."
  value       = aws_iam_role.plan.arn
}
