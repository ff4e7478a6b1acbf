output "plan_role_arn" {
  description = "Set as the repository variable AWS_PLAN_ROLE_ARN (shared-infra.yml plan job)."
  value       = aws_iam_role.plan.arn
}

output "app_state_read_role_arn" {
  description = "Set as the repository variable AWS_APP_STATE_READ_ROLE_ARN (nightly-verify.yml reads app-infra's outputs with it, then runs the gate under app-infra's gate_role_arn)."
  value       = aws_iam_role.app_state_read.arn
}
