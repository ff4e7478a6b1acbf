# Terraform >= 1.9: the weight validation in variables.tf references another variable
# (canary_weight's condition reads var.stable_weight), which older versions reject.
terraform {
  required_version = ">= 1.9.0, < 2.0.0"

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
