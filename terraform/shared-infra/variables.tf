variable "project" {
  description = "Project name; prefix of every resource name and the Project tag app-infra filters on."
  type        = string
  default     = "canary-harness"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{2,27}[a-z0-9]$", var.project))
    error_message = "project must be 4-29 characters of lower-case letters, digits and dashes, starting with a letter."
  }
}

variable "environment" {
  description = "Deployment environment; part of resource names and the Environment tag."
  type        = string
  default     = "production"

  validation {
    condition     = contains(["production", "staging", "dev"], var.environment)
    error_message = "environment must be one of production, staging, dev."
  }
}

variable "region" {
  description = "AWS region of both VPCs, the ECS cluster and the ECR repository."
  type        = string
  default     = "eu-west-1"

  validation {
    condition     = can(regex("^[a-z]{2}(-gov)?-[a-z]+-[0-9]$", var.region))
    error_message = "region must look like eu-west-1."
  }
}

variable "public_vpc_cidr" {
  description = "CIDR of the public VPC (load balancer only)."
  type        = string
  default     = "10.10.0.0/16"

  validation {
    condition     = can(cidrhost(var.public_vpc_cidr, 0)) && tonumber(split("/", var.public_vpc_cidr)[1]) <= 24
    error_message = "public_vpc_cidr must be a valid IPv4 CIDR of /24 or larger."
  }
}

variable "private_vpc_cidr" {
  description = "CIDR of the private VPC (ECS tasks, VPC endpoints). Must not overlap public_vpc_cidr (peering)."
  type        = string
  default     = "10.20.0.0/16"

  validation {
    condition     = can(cidrhost(var.private_vpc_cidr, 0)) && tonumber(split("/", var.private_vpc_cidr)[1]) <= 24
    error_message = "private_vpc_cidr must be a valid IPv4 CIDR of /24 or larger."
  }
}

variable "az_count" {
  description = "How many availability zones to spread subnets over (an ALB needs at least two): the first az_count available zones of var.region, by name."
  type        = number
  default     = 2

  validation {
    condition     = var.az_count >= 2 && var.az_count <= 3 && floor(var.az_count) == var.az_count
    error_message = "az_count must be 2 or 3."
  }
}

variable "availability_zones" {
  description = "Optional override: availability zones by name (2 or 3, all in var.region). Empty (the default) derives them from the region with az_count."
  type        = list(string)
  default     = []

  validation {
    condition     = length(var.availability_zones) == 0 || (length(var.availability_zones) >= 2 && length(var.availability_zones) <= 3 && length(distinct(var.availability_zones)) == length(var.availability_zones))
    error_message = "availability_zones must be empty or list 2 or 3 distinct zones."
  }

  # Cross-variable reference: needs Terraform >= 1.9 (pinned in versions.tf).
  validation {
    condition     = alltrue([for az in var.availability_zones : startswith(az, var.region)])
    error_message = "every availability zone must belong to var.region."
  }
}

variable "ecr_keep_tagged_images" {
  description = "How many git-sha tagged images the ECR lifecycle policy keeps."
  type        = number
  default     = 50

  validation {
    condition     = var.ecr_keep_tagged_images >= 5 && var.ecr_keep_tagged_images <= 1000
    error_message = "ecr_keep_tagged_images must be between 5 and 1000."
  }
}

variable "flow_log_retention_days" {
  description = "Retention of the VPC flow log groups, in days."
  type        = number
  default     = 365

  validation {
    condition     = contains([365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.flow_log_retention_days)
    error_message = "flow_log_retention_days must be a CloudWatch retention value of at least 365 days."
  }
}
