# The post-deploy gate's own role: `harness gate` / `harness verify` only read the
# listener, rules, target groups and their health, the two ECS services and their
# tasks, the WebACL association and the certificate. deploy-canary.yml assumes it for
# the gate step (OIDC, GitHub environment `production`), and nightly-verify.yml for its
# gate run (a job of main without an environment: subject `ref:refs/heads/main`; it
# reads this role's ARN from the outputs with bootstrap's app-state-read role), so a
# gate bug or a compromised harness build can read the deployment but change nothing.
#
# Resource scoping follows the Service Authorization Reference: ELBv2 Describe* and
# ecs:DescribeTaskDefinition support no resource-level permissions ("*" is the only
# valid Resource); ecs:ListTasks authorizes on container instances, so it is "*"
# narrowed by the ecs:cluster condition; everything else names the app's resources.
# harness/tests/terraform_contract.rs holds the action list to exactly these reads.

data "aws_iam_openid_connect_provider" "github" {
  url = "https://token.actions.githubusercontent.com"
}

data "aws_iam_policy_document" "gate_assume" {
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
        "repo:${var.github_repository}:environment:production",
        "repo:${var.github_repository}:ref:refs/heads/main",
      ]
    }
  }
}

resource "aws_iam_role" "gate" {
  name                 = "${local.name}-gate"
  description          = "Read-only role of the post-deploy gate (harness gate) in deploy-canary.yml and nightly-verify.yml"
  assume_role_policy   = data.aws_iam_policy_document.gate_assume.json
  max_session_duration = 3600
}

data "aws_iam_policy_document" "gate" {
  #checkov:skip=CKV_AWS_356:Only the ELBv2 Describe* calls, ecs:DescribeTaskDefinition and ecs:ListTasks (narrowed to the cluster by ecs:cluster) use "*"; none of them supports resource-level permissions.
  statement {
    sid = "LoadBalancerReads"
    actions = [
      "elasticloadbalancing:DescribeListeners",
      "elasticloadbalancing:DescribeRules",
      "elasticloadbalancing:DescribeTargetGroups",
      "elasticloadbalancing:DescribeTargetHealth",
      "elasticloadbalancing:DescribeTargetGroupAttributes",
      "elasticloadbalancing:DescribeLoadBalancers",
    ]
    resources = ["*"]
  }

  statement {
    sid       = "Services"
    actions   = ["ecs:DescribeServices"]
    resources = [for s in aws_ecs_service.variant : s.id]
  }

  statement {
    sid       = "ListServiceTasks"
    actions   = ["ecs:ListTasks"]
    resources = ["*"]
    condition {
      test     = "ArnEquals"
      variable = "ecs:cluster"
      values   = [data.aws_ecs_cluster.main.arn]
    }
  }

  statement {
    sid       = "DescribeServiceTasks"
    actions   = ["ecs:DescribeTasks"]
    resources = ["arn:${local.partition}:ecs:${var.region}:${local.account_id}:task/${local.name}/*"]
  }

  statement {
    sid       = "TaskDefinitions"
    actions   = ["ecs:DescribeTaskDefinition"]
    resources = ["*"]
  }

  statement {
    sid       = "WebAclOfTheLoadBalancer"
    actions   = ["wafv2:GetWebACLForResource"]
    resources = [aws_wafv2_web_acl.main.arn, aws_lb.main.arn]
  }

  statement {
    sid       = "WebAcl"
    actions   = ["wafv2:GetWebACL"]
    resources = [aws_wafv2_web_acl.main.arn]
  }

  statement {
    sid       = "Certificate"
    actions   = ["acm:DescribeCertificate"]
    resources = [aws_acm_certificate.main.arn]
  }
}

resource "aws_iam_role_policy" "gate" {
  name   = "gate-reads"
  role   = aws_iam_role.gate.id
  policy = data.aws_iam_policy_document.gate.json
}
