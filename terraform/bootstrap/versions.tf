# CI roles an administrator applies by hand, once per account, with their own state
# (`terraform init -backend-config=bucket=... -backend-config=key=bootstrap/terraform.tfstate`):
# no workflow can apply this stack, so no workflow can widen its own access.
terraform {
  required_version = ">= 1.10.0, < 2.0.0"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 6.0"
    }
  }

  backend "s3" {}
}

provider "aws" {
  region = var.region

  default_tags {
    tags = {
      Project     = var.project
      Environment = var.environment
      ManagedBy   = "terraform"
      Stack       = "bootstrap"
    }
  }
}
