# One-off ECS tasks that run one shard of a matrix verification from this region:
# `harness gate --shard I/N --report-dir /reports` (container `harness`), then the AWS
# CLI copies /reports to s3://reports_bucket/reports_prefix/RUN_KEY/ (container
# `upload`, started when the harness has exited, whatever its code). The workflow
# launches it with `aws ecs run-task` per region and reads the reports back from S3
# (README "Several runners"). Nothing here runs by itself.
#
# Least privilege: the task role holds exactly the reads of app-infra's gate role
# (gate_role.tf; harness/tests/integration/infra/runner.rs compares the two action
# lists) plus PutObject under the reports prefix; the execution role pulls the one
# harness repository, writes this log group and reads the one token parameter.

locals {
  name       = "${var.project}-${var.environment}-harness-runner"
  account_id = data.aws_caller_identity.current.account_id
  partition  = data.aws_partition.current.partition
  # The harness repository's ARN, from the digest-pinned image reference.
  harness_repository = regex("^([0-9]{12})\\.dkr\\.ecr\\.([a-z0-9-]+)\\.amazonaws\\.com/([^@]+)@", var.harness_image)
  harness_repository_arn = format(
    "arn:%s:ecr:%s:%s:repository/%s",
    local.partition, local.harness_repository[1], local.harness_repository[0], local.harness_repository[2]
  )
  app_arn_prefix = "arn:${local.partition}:ecs:${var.app_region}:${local.account_id}"
}

data "aws_caller_identity" "current" {}

data "aws_partition" "current" {}

# A cluster of this region for the one-off tasks (no service, no capacity to pay for:
# Fargate bills the tasks while they run).
resource "aws_ecs_cluster" "runner" {
  name = local.name

  setting {
    name  = "containerInsights"
    value = "enabled"
  }
}

resource "aws_kms_key" "logs" {
  description             = "${local.name}: runner task logs"
  enable_key_rotation     = true
  deletion_window_in_days = 30
  policy                  = data.aws_iam_policy_document.kms.json
}

data "aws_iam_policy_document" "kms" {
  #checkov:skip=CKV_AWS_109:Key policies must name the key as "*"; access is limited to this account and CloudWatch Logs of this region.
  #checkov:skip=CKV_AWS_111:Key policies must name the key as "*"; access is limited to this account and CloudWatch Logs of this region.
  #checkov:skip=CKV_AWS_356:Key policies must name the key as "*"; "*" means this key only.
  statement {
    sid       = "AccountAdministration"
    actions   = ["kms:*"]
    resources = ["*"]
    principals {
      type        = "AWS"
      identifiers = ["arn:${local.partition}:iam::${local.account_id}:root"]
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
      test     = "ArnEquals"
      variable = "kms:EncryptionContext:aws:logs:arn"
      values   = ["arn:${local.partition}:logs:${var.region}:${local.account_id}:log-group:/ecs/${local.name}"]
    }
  }
}

resource "aws_cloudwatch_log_group" "runner" {
  #checkov:skip=CKV_AWS_338:Runner logs are progress lines of one-off runs; the reports, the evidence, are kept in S3.
  name              = "/ecs/${local.name}"
  retention_in_days = var.log_retention_days
  kms_key_id        = aws_kms_key.logs.arn
}

# Outbound only: HTTPS to the target and the AWS APIs, HTTP for the redirect probe.
resource "aws_security_group" "runner" {
  #checkov:skip=CKV2_AWS_5:Attached at launch by aws ecs run-task --network-configuration (one-off tasks, no service).
  name        = local.name
  description = "Harness runner tasks: outbound HTTPS and HTTP only, nothing inbound"
  vpc_id      = var.vpc_id

  egress {
    description = "HTTPS to the verified load balancer, the AWS APIs, ECR and S3"
    from_port   = 443
    to_port     = 443
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }

  egress {
    description = "HTTP to the load balancer's port 80 (the HTTPS-redirect probe)"
    from_port   = 80
    to_port     = 80
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }
}

data "aws_iam_policy_document" "ecs_tasks_assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["ecs-tasks.amazonaws.com"]
    }
    condition {
      test     = "ArnLike"
      variable = "aws:SourceArn"
      values   = ["arn:${local.partition}:ecs:${var.region}:${local.account_id}:*"]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }
  }
}

resource "aws_iam_role" "execution" {
  name               = "${local.name}-exec-${var.region}"
  description        = "Starts harness runner tasks in ${var.region}: image pull, logs, the gate token"
  assume_role_policy = data.aws_iam_policy_document.ecs_tasks_assume.json
}

data "aws_iam_policy_document" "execution" {
  #checkov:skip=CKV_AWS_356:ecr:GetAuthorizationToken supports no resource-level permission; every other statement names its resource.
  statement {
    sid       = "RegistryLogin"
    actions   = ["ecr:GetAuthorizationToken"]
    resources = ["*"]
  }

  statement {
    sid       = "PullTheHarness"
    actions   = ["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"]
    resources = [local.harness_repository_arn]
  }

  statement {
    sid       = "Logs"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${aws_cloudwatch_log_group.runner.arn}:*"]
  }

  statement {
    sid       = "GateToken"
    actions   = ["ssm:GetParameters"]
    resources = [var.gate_token_parameter_arn]
  }
}

resource "aws_iam_role_policy" "execution" {
  name   = "start-runner"
  role   = aws_iam_role.execution.id
  policy = data.aws_iam_policy_document.execution.json
}

resource "aws_iam_role" "task" {
  name               = "${local.name}-task-${var.region}"
  description        = "Harness runner task: the gate's reads of the deployment, report upload"
  assume_role_policy = data.aws_iam_policy_document.ecs_tasks_assume.json
}

# The statements of app-infra's gate role, on the resources named by its outputs.
data "aws_iam_policy_document" "task" {
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
    resources = [for s in var.service_names : "${local.app_arn_prefix}:service/${var.cluster_name}/${s}"]
  }

  statement {
    sid       = "ListServiceTasks"
    actions   = ["ecs:ListTasks"]
    resources = ["*"]
    condition {
      test     = "ArnEquals"
      variable = "ecs:cluster"
      values   = ["${local.app_arn_prefix}:cluster/${var.cluster_name}"]
    }
  }

  statement {
    sid       = "DescribeServiceTasks"
    actions   = ["ecs:DescribeTasks"]
    resources = ["${local.app_arn_prefix}:task/${var.cluster_name}/*"]
  }

  statement {
    sid       = "TaskDefinitions"
    actions   = ["ecs:DescribeTaskDefinition"]
    resources = ["*"]
  }

  statement {
    sid       = "WebAclOfTheLoadBalancer"
    actions   = ["wafv2:GetWebACLForResource"]
    resources = [var.web_acl_arn, var.alb_arn]
  }

  statement {
    sid       = "WebAcl"
    actions   = ["wafv2:GetWebACL"]
    resources = [var.web_acl_arn]
  }

  statement {
    sid       = "Certificate"
    actions   = ["acm:DescribeCertificate", "acm:GetCertificate"]
    resources = [var.certificate_arn]
  }

  statement {
    sid       = "Reports"
    actions   = ["s3:PutObject"]
    resources = ["arn:${local.partition}:s3:::${var.reports_bucket}/${var.reports_prefix}*"]
  }
}

resource "aws_iam_role_policy" "task" {
  name   = "gate-reads-and-reports"
  role   = aws_iam_role.task.id
  policy = data.aws_iam_policy_document.task.json
}

resource "aws_ecs_task_definition" "runner" {
  family                   = local.name
  requires_compatibilities = ["FARGATE"]
  network_mode             = "awsvpc"
  cpu                      = var.runner_cpu
  memory                   = var.runner_memory
  execution_role_arn       = aws_iam_role.execution.arn
  task_role_arn            = aws_iam_role.task.arn

  runtime_platform {
    operating_system_family = "LINUX"
    cpu_architecture        = "X86_64"
  }

  # Task storage shared by the two containers; the image's VOLUME /reports, owned by
  # the harness user, gives the bind mount its owner.
  volume {
    name = "reports"
  }

  container_definitions = jsonencode([
    {
      name                   = "harness"
      image                  = var.harness_image
      essential              = false
      readonlyRootFilesystem = true
      privileged             = false
      user                   = "65532:65532"
      # Replaced per launch (run-task --overrides): the gate flags, --shard I/N, --rps.
      command     = ["gate", "--quiet", "--report-dir", "/reports"]
      environment = [{ name = "AWS_REGION", value = var.app_region }]
      secrets     = [{ name = "HARNESS_GATE_TOKEN", valueFrom = var.gate_token_parameter_arn }]
      mountPoints = [{ sourceVolume = "reports", containerPath = "/reports", readOnly = false }]
      logConfiguration = {
        logDriver = "awslogs"
        options = {
          awslogs-group         = aws_cloudwatch_log_group.runner.name
          awslogs-region        = var.region
          awslogs-stream-prefix = "harness"
        }
      }
    },
    {
      name                   = "upload"
      image                  = var.uploader_image
      essential              = true
      readonlyRootFilesystem = true
      privileged             = false
      dependsOn              = [{ containerName = "harness", condition = "COMPLETE" }]
      # RUN_KEY (run-task --overrides, e.g. <run id>/<region>/shard-I) names the folder.
      entryPoint = ["/bin/sh", "-c"]
      command    = ["test -n \"$RUN_KEY\" && aws s3 cp --recursive --only-show-errors /reports \"s3://$REPORTS_BUCKET/$REPORTS_PREFIX$RUN_KEY/\""]
      environment = [
        { name = "REPORTS_BUCKET", value = var.reports_bucket },
        { name = "REPORTS_PREFIX", value = var.reports_prefix },
        { name = "RUN_KEY", value = "" },
      ]
      mountPoints = [{ sourceVolume = "reports", containerPath = "/reports", readOnly = true }]
      logConfiguration = {
        logDriver = "awslogs"
        options = {
          awslogs-group         = aws_cloudwatch_log_group.runner.name
          awslogs-region        = var.region
          awslogs-stream-prefix = "upload"
        }
      }
    },
  ])
}
