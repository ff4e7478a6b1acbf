# Shared resources are found by tags and names that shared-infra sets; there is no
# terraform_remote_state. harness/tests/terraform_contract.rs checks that every tag
# filtered on here is set there.

locals {
  name       = "${var.project}-${var.environment}"
  account_id = data.aws_caller_identity.current.account_id
  partition  = data.aws_partition.current.partition
}

data "aws_caller_identity" "current" {}

data "aws_partition" "current" {}

data "aws_vpc" "public" {
  tags = {
    Project     = var.project
    Environment = var.environment
    Tier        = "public"
  }
}

data "aws_vpc" "private" {
  tags = {
    Project     = var.project
    Environment = var.environment
    Tier        = "private"
  }
}

data "aws_subnets" "public" {
  filter {
    name   = "vpc-id"
    values = [data.aws_vpc.public.id]
  }

  tags = {
    Tier = "public"
  }
}

data "aws_subnets" "private" {
  filter {
    name   = "vpc-id"
    values = [data.aws_vpc.private.id]
  }

  tags = {
    Tier = "private"
  }
}

data "aws_ecs_cluster" "main" {
  cluster_name = local.name
}

data "aws_ecr_repository" "app" {
  name = "${var.project}/app"
}

data "aws_route53_zone" "public" {
  name         = var.hosted_zone_name
  private_zone = false
}

data "aws_elb_service_account" "current" {}
