# The state reader of .github/workflows/nightly-verify.yml (repository variable
# AWS_APP_STATE_READ_ROLE_ARN). The nightly reads app-infra's outputs (what is
# deployed: tags, weights, the ARNs the gate needs, the gate role) and the state
# object's last modification, then runs `harness gate` under app-infra's own gate role
# (gate_role.tf), exactly as deploy-canary does after its apply. So this role reads the
# one state object and nothing else: no ELB/ECS/WAF/ACM reads (those are the gate
# role's), no writes (`terraform output` takes no lock). Trusted for main only: the
# schedule and manual dispatches of main (a job without a GitHub environment).

locals {
  app_state_key = "app-infra/terraform.tfstate"
}

data "aws_iam_policy_document" "app_state_read_assume" {
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
      values   = ["repo:${var.github_repository}:ref:refs/heads/main"]
    }
  }
}

resource "aws_iam_role" "app_state_read" {
  name                 = "${var.project}-${var.environment}-app-state-read"
  description          = "Reads app-infra's state object only (nightly-verify.yml outputs and last change)"
  assume_role_policy   = data.aws_iam_policy_document.app_state_read_assume.json
  max_session_duration = 3600
}

data "aws_iam_policy_document" "app_state_read" {
  # terraform init lists the bucket for workspaces.
  statement {
    sid       = "ListStateBucket"
    actions   = ["s3:ListBucket"]
    resources = [local.bucket_arn]
  }

  # terraform output and the head-object of LastModified.
  statement {
    sid       = "ReadAppState"
    actions   = ["s3:GetObject"]
    resources = ["${local.bucket_arn}/${local.app_state_key}"]
  }

  dynamic "statement" {
    for_each = var.state_kms_key_arn == "" ? [] : [var.state_kms_key_arn]
    content {
      sid       = "StateKey"
      actions   = ["kms:Decrypt"]
      resources = [statement.value]
    }
  }
}

resource "aws_iam_role_policy" "app_state_read" {
  name   = "app-state-read"
  role   = aws_iam_role.app_state_read.id
  policy = data.aws_iam_policy_document.app_state_read.json
}
