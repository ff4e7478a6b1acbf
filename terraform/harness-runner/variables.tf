variable "project" {
  description = "Project name (as app-infra's)."
  type        = string
  default     = "canary-harness"
}

variable "environment" {
  description = "Environment of the deployment the runners verify (as app-infra's)."
  type        = string
  default     = "production"
}

variable "region" {
  description = "Region the runner tasks start in (one apply per vantage region)."
  type        = string
}

variable "app_region" {
  description = "Region of app-infra: the harness reads the listener, services, WebACL and certificate there."
  type        = string
  default     = "eu-west-1"
}

variable "vpc_id" {
  description = "VPC of this region whose public subnets the tasks start in (aws ecs run-task --network-configuration, assignPublicIp=ENABLED: each task samples from its own public IP)."
  type        = string
}

variable "harness_image" {
  description = "The Dockerfile's `harness` target in ECR, pinned by digest (REPOSITORY_URL@sha256:...)."
  type        = string

  validation {
    condition     = can(regex("^[0-9]{12}\\.dkr\\.ecr\\.[a-z0-9-]+\\.amazonaws\\.com/[a-z0-9._/-]+@sha256:[0-9a-f]{64}$", var.harness_image))
    error_message = "harness_image must be an ECR image pinned by digest: ACCOUNT.dkr.ecr.REGION.amazonaws.com/REPO@sha256:<64 hex>."
  }
}

variable "uploader_image" {
  description = "An AWS CLI v2 image pinned by digest (e.g. public.ecr.aws/aws-cli/aws-cli@sha256:...): copies the report folder to S3 after the harness exits."
  type        = string

  validation {
    condition     = can(regex("@sha256:[0-9a-f]{64}$", var.uploader_image))
    error_message = "uploader_image must be pinned by digest (IMAGE@sha256:<64 hex>)."
  }
}

variable "gate_token_parameter_arn" {
  description = "ARN of the SSM SecureString parameter (default aws/ssm key) holding the gate token the WAF's rate-limit-gate rule recognises (app-infra var.gate_token)."
  type        = string
}

variable "reports_bucket" {
  description = "Existing S3 bucket that receives the runs' report folders (versioned, encrypted, with a lifecycle of your choice)."
  type        = string
}

variable "reports_prefix" {
  description = "Key prefix under which runners write (RUN_KEY from run-task is appended); the task role may write nowhere else."
  type        = string
  default     = "harness-runs/"

  validation {
    condition     = can(regex("^[A-Za-z0-9._-]+/$", var.reports_prefix))
    error_message = "reports_prefix must be one path segment ending in /, e.g. harness-runs/."
  }
}

variable "cluster_name" {
  description = "app-infra output cluster_name: the cluster whose services and tasks the harness describes."
  type        = string
}

variable "service_names" {
  description = "app-infra outputs stable_service_name and canary_service_name."
  type        = list(string)
}

variable "alb_arn" {
  description = "app-infra output alb_arn (the WebACL association is read on it)."
  type        = string
}

variable "web_acl_arn" {
  description = "app-infra output web_acl_arn."
  type        = string
}

variable "certificate_arn" {
  description = "ARN of the listener's ACM certificate (the TLS check describes it)."
  type        = string
}

variable "runner_cpu" {
  description = "Fargate CPU units of a runner task (harness and uploader share them)."
  type        = number
  default     = 1024
}

variable "runner_memory" {
  description = "Fargate memory (MiB) of a runner task."
  type        = number
  default     = 2048
}

variable "log_retention_days" {
  description = "Retention of the runner tasks' logs (progress lines; the reports themselves go to S3)."
  type        = number
  default     = 30
}
