# Terraform >= 1.10: 1.9 added cross-variable validation (app-infra's weight sum, this
# stack's zone/region check) and 1.10 the S3 backend's native lock file
# (`use_lockfile`, no DynamoDB table). Both stacks pin the same range.
terraform {
  required_version = ">= 1.10.0, < 2.0.0"

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
