locals {
  name = "${var.project}-${var.environment}"
  # The override when given, else the first az_count zones of the region (by name).
  azs = length(var.availability_zones) > 0 ? var.availability_zones : slice(sort(data.aws_availability_zones.available.names), 0, min(var.az_count, length(data.aws_availability_zones.available.names)))
}

# Zones of var.region that are available and need no opt-in (no Local/Wavelength Zones).
data "aws_availability_zones" "available" {
  #checkov:skip=CKV_AWS_394:The set may grow, the selection does not: local.azs takes the first az_count names in sorted order, and AWS appends new zones with later letters.
  state = "available"

  filter {
    name   = "opt-in-status"
    values = ["opt-in-not-required"]
  }
}

# Fails the plan when an override names a zone that is not available in the region,
# or the region has fewer available zones than az_count.
resource "terraform_data" "availability_zones" {
  input = local.azs

  lifecycle {
    precondition {
      condition     = alltrue([for az in local.azs : contains(data.aws_availability_zones.available.names, az)])
      error_message = "every availability zone must be available in var.region: ${join(", ", data.aws_availability_zones.available.names)}."
    }
    precondition {
      condition     = length(local.azs) >= 2
      error_message = "the region offers fewer than 2 available zones without opt-in; an ALB needs two."
    }
  }
}

data "aws_caller_identity" "current" {}

data "aws_partition" "current" {}

# One customer-managed key for this stack's logs and the ECR repository.
resource "aws_kms_key" "shared" {
  description             = "${local.name} shared-infra: flow logs and ECR"
  enable_key_rotation     = true
  deletion_window_in_days = 30
  policy                  = data.aws_iam_policy_document.kms.json
}

resource "aws_kms_alias" "shared" {
  name          = "alias/${local.name}-shared"
  target_key_id = aws_kms_key.shared.key_id
}

data "aws_iam_policy_document" "kms" {
  #checkov:skip=CKV_AWS_109:Key policies must name the key as "*"; access is limited to this account and the logs service.
  #checkov:skip=CKV_AWS_111:Key policies must name the key as "*"; access is limited to this account and the logs service.
  #checkov:skip=CKV_AWS_356:Key policies must name the key as "*"; "*" means this key only.
  statement {
    sid       = "AccountAdministration"
    actions   = ["kms:*"]
    resources = ["*"]
    principals {
      type        = "AWS"
      identifiers = ["arn:${data.aws_partition.current.partition}:iam::${data.aws_caller_identity.current.account_id}:root"]
    }
  }

  statement {
    sid       = "CloudWatchLogs"
    actions   = ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"]
    resources = ["*"]
    principals {
      type        = "Service"
      identifiers = ["logs.${var.region}.amazonaws.com"]
    }
    condition {
      test     = "ArnLike"
      variable = "kms:EncryptionContext:aws:logs:arn"
      values   = ["arn:${data.aws_partition.current.partition}:logs:${var.region}:${data.aws_caller_identity.current.account_id}:log-group:*"]
    }
  }
}
