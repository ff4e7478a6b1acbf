variable "project" {
  description = "Project name; must equal shared-infra's, since the data sources filter on its Project tag."
  type        = string
  default     = "canary-harness"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{2,27}[a-z0-9]$", var.project))
    error_message = "project must be 4-29 characters of lower-case letters, digits and dashes, starting with a letter."
  }
}

variable "environment" {
  description = "Deployment environment; must equal shared-infra's (Environment tag, cluster name)."
  type        = string
  default     = "production"

  validation {
    condition     = contains(["production", "staging", "dev"], var.environment)
    error_message = "environment must be one of production, staging, dev."
  }
}

variable "region" {
  description = "AWS region (same as shared-infra)."
  type        = string
  default     = "eu-west-1"

  validation {
    condition     = can(regex("^[a-z]{2}(-gov)?-[a-z]+-[0-9]$", var.region))
    error_message = "region must look like eu-west-1."
  }
}

variable "domain_name" {
  description = "Public host name of the service (alias record and certificate subject), e.g. hello.example.com."
  type        = string
  default     = "hello.example.com"

  validation {
    condition     = can(regex("^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\\.)+[a-z]{2,63}$", var.domain_name))
    error_message = "domain_name must be a lower-case DNS name."
  }
}

variable "hosted_zone_name" {
  description = "Route53 public hosted zone that holds domain_name (found by name, not created here)."
  type        = string
  default     = "example.com"

  validation {
    condition     = can(regex("^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\\.)+[a-z]{2,63}$", var.hosted_zone_name))
    error_message = "hosted_zone_name must be a lower-case DNS name without the trailing dot."
  }
}

variable "stable_image_tag" {
  description = "ECR image tag (git sha or latest) run by the stable service."
  type        = string
  default     = "latest"

  validation {
    condition     = can(regex("^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$", var.stable_image_tag))
    error_message = "stable_image_tag must be a valid image tag: [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}."
  }
}

variable "canary_image_tag" {
  description = "ECR image tag (git sha or latest) run by the canary service."
  type        = string
  default     = "latest"

  validation {
    condition     = can(regex("^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$", var.canary_image_tag))
    error_message = "canary_image_tag must be a valid image tag: [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}."
  }
}

variable "stable_weight" {
  description = "Share of HTTPS traffic (percent) the listener forwards to the stable target group."
  type        = number
  default     = 100

  validation {
    condition     = var.stable_weight >= 0 && var.stable_weight <= 100 && floor(var.stable_weight) == var.stable_weight
    error_message = "stable_weight must be an integer between 0 and 100."
  }
}

variable "canary_weight" {
  description = "Share of HTTPS traffic (percent) the listener forwards to the canary target group; 0 scales the canary service to zero."
  type        = number
  default     = 0

  validation {
    condition     = var.canary_weight >= 0 && var.canary_weight <= 100 && floor(var.canary_weight) == var.canary_weight
    error_message = "canary_weight must be an integer between 0 and 100."
  }

  # Cross-variable validation: Terraform >= 1.9 (versions.tf pins it).
  validation {
    condition     = var.stable_weight + var.canary_weight == 100
    error_message = "stable_weight + canary_weight must equal 100."
  }
}

variable "stable_desired_count" {
  description = "Number of stable tasks."
  type        = number
  default     = 2

  validation {
    condition     = var.stable_desired_count >= 1 && var.stable_desired_count <= 20
    error_message = "stable_desired_count must be between 1 and 20."
  }
}

variable "canary_desired_count" {
  description = "Number of canary tasks while canary_weight > 0 (forced to 0 when the weight is 0)."
  type        = number
  default     = 1

  validation {
    condition     = var.canary_desired_count >= 1 && var.canary_desired_count <= 20
    error_message = "canary_desired_count must be between 1 and 20."
  }
}

variable "task_cpu" {
  description = "Fargate task CPU units."
  type        = number
  default     = 256

  validation {
    condition     = contains([256, 512, 1024, 2048, 4096], var.task_cpu)
    error_message = "task_cpu must be a Fargate CPU size: 256, 512, 1024, 2048 or 4096."
  }
}

variable "task_memory" {
  description = "Fargate task memory (MiB)."
  type        = number
  default     = 512

  validation {
    condition     = var.task_memory >= 512 && var.task_memory <= 30720
    error_message = "task_memory must be between 512 and 30720 MiB."
  }
}

variable "container_health_command" {
  description = "ECS container health check command; `/app healthcheck` (the image's own HEALTHCHECK) probes GET /health on 8080 and exits 0 only on a 200."
  type        = list(string)
  default     = ["CMD", "/app", "healthcheck"]

  validation {
    condition     = length(var.container_health_command) >= 2 && contains(["CMD", "CMD-SHELL"], var.container_health_command[0])
    error_message = "container_health_command must start with CMD or CMD-SHELL followed by the command."
  }
}

variable "alb_deletion_protection" {
  description = "Deletion protection of the load balancer (turn off only to destroy the stack)."
  type        = bool
  default     = true
}

variable "waf_rate_limit" {
  description = "Requests per 5 minutes per client IP before the WAF rate-based rule blocks it."
  type        = number
  default     = 2000

  validation {
    condition     = var.waf_rate_limit >= 100 && var.waf_rate_limit <= 2000000000
    error_message = "waf_rate_limit must be between 100 and 2000000000 (AWS limits)."
  }
}

variable "waf_gate_rate_limit" {
  description = "Requests per 5 minutes per IP for requests carrying the gate's x-harness-gate token (the post-deploy gate sends up to 20,000 at 200 rps)."
  type        = number
  default     = 100000

  validation {
    condition     = var.waf_gate_rate_limit >= 100 && var.waf_gate_rate_limit <= 2000000000
    error_message = "waf_gate_rate_limit must be between 100 and 2000000000 (AWS limits)."
  }
}

variable "gate_token" {
  description = "Secret the post-deploy gate sends in x-harness-gate so the WAF counts it by waf_gate_rate_limit instead of the client limit (CI secret HARNESS_GATE_TOKEN, passed as TF_VAR_gate_token)."
  type        = string
  sensitive   = true

  validation {
    condition     = length(var.gate_token) >= 32 && length(var.gate_token) <= 200 && can(regex("^[A-Za-z0-9_-]+$", var.gate_token))
    error_message = "gate_token must be 32-200 characters of A-Z, a-z, 0-9, _ or - (e.g. openssl rand -hex 32)."
  }
}

variable "alert_email" {
  description = "E-mail address subscribed to the deployment-rollback SNS topic (confirmation required)."
  type        = string
  default     = "ops@example.com"

  validation {
    condition     = can(regex("^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$", var.alert_email))
    error_message = "alert_email must be an e-mail address."
  }
}

variable "app_log_retention_days" {
  description = "Retention of the application log group in CloudWatch (the S3 archive keeps 365 days)."
  type        = number
  default     = 30

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365], var.app_log_retention_days)
    error_message = "app_log_retention_days must be a CloudWatch retention value up to 365."
  }
}

variable "archive_expiry_days" {
  description = "Days after which archived logs (S3, via Firehose) and ALB access logs expire."
  type        = number
  default     = 365

  validation {
    condition     = var.archive_expiry_days >= 30 && var.archive_expiry_days <= 3653
    error_message = "archive_expiry_days must be between 30 and 3653."
  }
}

variable "github_repository" {
  description = "GitHub repository (owner/name) whose `production` environment and main branch may assume the gate's read-only role (deploy-canary.yml passes github.repository)."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$", var.github_repository))
    error_message = "github_repository must be owner/name."
  }
}
