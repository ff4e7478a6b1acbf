# The read-only plan role of .github/workflows/shared-infra.yml (repository variable
# AWS_PLAN_ROLE_ARN). `terraform plan` with the S3 backend's `use_lockfile = true`
# writes and deletes `<state key>.tflock` next to the state, so the role may put and
# delete that one object and nothing else in the bucket; everything else is read-only.
# Trusted for pull requests and for pushes to main (the plan job of main runs before
# the apply job, which uses the deploy role behind the `production` environment).

locals {
  plan_state_key = "shared-infra/terraform.tfstate"
  bucket_arn     = "arn:${data.aws_partition.current.partition}:s3:::${var.state_bucket}"
}

data "aws_partition" "current" {}

data "aws_iam_openid_connect_provider" "github" {
  url = "https://token.actions.githubusercontent.com"
}

data "aws_iam_policy_document" "plan_assume" {
  statement {
    actions = ["sts:AssumeRoleWithWebIdentity"]
    principals {
      type        = "Federated"
      identifiers = [data.aws_iam_openid_connect_provider.github.arn]
    }
    condition {
      test     = "StringEquals"
      variable = "token.actions.githubusercontent.com:aud"
      values   = ["sts.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "token.actions.githubusercontent.com:sub"
      values = [
        "repo:${var.github_repository}:pull_request",
        "repo:${var.github_repository}:ref:refs/heads/main",
      ]
    }
  }
}

resource "aws_iam_role" "plan" {
  name                 = "${var.project}-${var.environment}-shared-infra-plan"
  description          = "Read-only terraform plan of shared-infra (state lock file only writable object)"
  assume_role_policy   = data.aws_iam_policy_document.plan_assume.json
  max_session_duration = 3600
}

resource "aws_iam_role_policy_attachment" "plan_read_only" {
  role       = aws_iam_role.plan.name
  policy_arn = "arn:${data.aws_partition.current.partition}:iam::aws:policy/ReadOnlyAccess"
}

data "aws_iam_policy_document" "plan_state" {
  statement {
    sid       = "ListStateBucket"
    actions   = ["s3:ListBucket"]
    resources = [local.bucket_arn]
  }

  statement {
    sid       = "ReadState"
    actions   = ["s3:GetObject"]
    resources = ["${local.bucket_arn}/${local.plan_state_key}"]
  }

  # use_lockfile: the lock is an object `<key>.tflock`, created then deleted by plan.
  statement {
    sid       = "StateLockFile"
    actions   = ["s3:PutObject", "s3:DeleteObject"]
    resources = ["${local.bucket_arn}/${local.plan_state_key}.tflock"]
  }

  dynamic "statement" {
    for_each = var.state_kms_key_arn == "" ? [] : [var.state_kms_key_arn]
    content {
      sid       = "StateKey"
      actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
      resources = [statement.value]
    }
  }
}

resource "aws_iam_role_policy" "plan_state" {
  name   = "state-read-and-lock"
  role   = aws_iam_role.plan.id
  policy = data.aws_iam_policy_document.plan_state.json
}
