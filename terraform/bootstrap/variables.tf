variable "project" {
  description = "Project name (same as shared-infra and app-infra)."
  type        = string
  default     = "canary-harness"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{2,27}[a-z0-9]$", var.project))
    error_message = "project must be 4-29 characters of lower-case letters, digits and dashes, starting with a letter."
  }
}

variable "environment" {
  description = "Deployment environment (same as shared-infra and app-infra)."
  type        = string
  default     = "production"

  validation {
    condition     = contains(["production", "staging", "dev"], var.environment)
    error_message = "environment must be one of production, staging, dev."
  }
}

variable "region" {
  description = "AWS region of the stacks."
  type        = string
  default     = "eu-west-1"

  validation {
    condition     = can(regex("^[a-z]{2}(-gov)?-[a-z]+-[0-9]$", var.region))
    error_message = "region must look like eu-west-1."
  }
}

variable "github_repository" {
  description = "GitHub repository (owner/name) whose workflows assume these roles."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$", var.github_repository))
    error_message = "github_repository must be owner/name."
  }
}

variable "state_bucket" {
  description = "S3 bucket holding the Terraform states (repository variable TF_STATE_BUCKET)."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.state_bucket))
    error_message = "state_bucket must be an S3 bucket name."
  }
}

variable "state_kms_key_arn" {
  description = "KMS key of the state bucket's default encryption, when it is SSE-KMS (empty for SSE-S3)."
  type        = string
  default     = ""
}
