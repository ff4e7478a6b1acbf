# Terraform >= 1.9 is required by app-infra (cross-variable validation); both stacks pin
# the same range so one CLI version serves both.
terraform {
  required_version = ">= 1.9.0, < 2.0.0"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 6.0"
    }
  }

  # Partial configuration: bucket, key, region and lock table come from
  # `terraform init -backend-config=...` in .github/workflows/shared-infra.yml.
  backend "s3" {}
}

provider "aws" {
  region = var.region

  # Every resource carries these; app-infra's data sources find the VPCs and subnets
  # by Project + Environment + Tier (see terraform/README.md, "Contract").
  default_tags {
    tags = {
      Project     = var.project
      Environment = var.environment
      ManagedBy   = "terraform"
      Stack       = "shared-infra"
    }
  }
}
