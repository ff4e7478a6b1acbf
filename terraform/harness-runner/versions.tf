# Terraform >= 1.10 and AWS provider 6, as the other stacks. One state per region
# (key harness-runner/<region>/terraform.tfstate): a runner task can only be launched
# in the region of its task definition, so each vantage region applies this stack once.
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
      Stack       = "harness-runner"
    }
  }
}
