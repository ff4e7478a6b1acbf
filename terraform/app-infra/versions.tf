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
    archive = {
      source  = "hashicorp/archive"
      version = "~> 2.7"
    }
  }

  # Partial configuration, completed by `terraform init -backend-config=...` in the
  # deploy workflow. app-infra never reads shared-infra's state: it finds the shared
  # resources through tagged data sources (data.tf).
  backend "s3" {}
}

provider "aws" {
  region = var.region

  default_tags {
    tags = {
      Project     = var.project
      Environment = var.environment
      ManagedBy   = "terraform"
      Stack       = "app-infra"
    }
  }
}
