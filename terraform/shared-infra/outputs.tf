output "public_vpc_id" {
  description = "ID of the public VPC (load balancer)."
  value       = aws_vpc.public.id
}

output "private_vpc_id" {
  description = "ID of the private VPC (ECS tasks)."
  value       = aws_vpc.private.id
}

output "public_subnet_ids" {
  description = "Public subnets, one per availability zone."
  value       = aws_subnet.public[*].id
}

output "private_subnet_ids" {
  description = "Private subnets, one per availability zone."
  value       = aws_subnet.private[*].id
}

output "vpc_peering_connection_id" {
  description = "Peering connection between the two VPCs."
  value       = aws_vpc_peering_connection.public_private.id
}

output "ecs_cluster_name" {
  description = "ECS cluster name (app-infra looks it up by this name)."
  value       = aws_ecs_cluster.main.name
}

output "ecr_repository_url" {
  description = "ECR repository the app image is pushed to."
  value       = aws_ecr_repository.app.repository_url
}
