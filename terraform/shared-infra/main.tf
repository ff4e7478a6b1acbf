locals {
  name = "${var.project}-${var.environment}"
  azs  = data.aws_availability_zones.selected.names
}

# Resolves the listed zones and fails the plan if one is unknown or unavailable.
data "aws_availability_zones" "selected" {
  state = "available"

  filter {
    name   = "zone-name"
    values = var.availability_zones
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
