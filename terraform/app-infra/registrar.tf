# Target registrar: EventBridge "ECS Task State Change" of the two services -> Lambda
# -> elbv2 RegisterTargets/DeregisterTargets with AvailabilityZone "all" (required for
# IP targets outside the target group's VPC). A task is deregistered as soon as it is
# marked to stop (before SIGTERM), and a schedule reconciles each target group to
# exactly its service's RUNNING task IPs, so lost or out-of-order events heal within
# one period. See registrar/index.py (tests: registrar/test_index.py) and the README.

locals {
  registrar_reconcile_schedule = "rate(5 minutes)"
}

data "archive_file" "registrar" {
  type        = "zip"
  source_file = "${path.module}/registrar/index.py"
  output_path = "${path.module}/.build/registrar.zip"
}

resource "aws_cloudwatch_log_group" "registrar" {
  name              = "/aws/lambda/${local.name}-target-registrar"
  retention_in_days = 365
  kms_key_id        = aws_kms_key.app.arn
}

resource "aws_sqs_queue" "registrar_dlq" {
  name                      = "${local.name}-target-registrar-dlq"
  message_retention_seconds = 1209600
  kms_master_key_id         = aws_kms_key.app.arn
}

resource "aws_lambda_function" "registrar" {
  #checkov:skip=CKV_AWS_117:Calls only the ELB API; the private VPC has no ELB endpoint and no internet route on purpose.
  #checkov:skip=CKV_AWS_272:Twenty lines of Python built from this repository by archive_file; code signing adds a signer profile for no gain here.
  function_name                  = "${local.name}-target-registrar"
  role                           = aws_iam_role.registrar.arn
  runtime                        = "python3.13"
  handler                        = "index.handler"
  filename                       = data.archive_file.registrar.output_path
  source_code_hash               = data.archive_file.registrar.output_base64sha256
  timeout                        = 60
  reserved_concurrent_executions = 5
  kms_key_arn                    = aws_kms_key.app.arn

  environment {
    variables = {
      TARGET_GROUPS = jsonencode({
        for k, _ in local.variants : "service:${local.name}-${k}" => aws_lb_target_group.variant[k].arn
      })
      CLUSTER_ARN = data.aws_ecs_cluster.main.arn
      TARGET_PORT = "80"
    }
  }

  dead_letter_config {
    target_arn = aws_sqs_queue.registrar_dlq.arn
  }

  tracing_config {
    mode = "Active"
  }

  depends_on = [aws_cloudwatch_log_group.registrar]
}

resource "aws_cloudwatch_event_rule" "task_state" {
  name        = "${local.name}-task-state"
  description = "Task state changes of the stable and canary services (target registration)"

  event_pattern = jsonencode({
    source        = ["aws.ecs"]
    "detail-type" = ["ECS Task State Change"]
    detail = {
      clusterArn = [data.aws_ecs_cluster.main.arn]
      group      = [for k, _ in local.variants : "service:${local.name}-${k}"]
    }
  })
}

resource "aws_cloudwatch_event_target" "task_state_registrar" {
  rule      = aws_cloudwatch_event_rule.task_state.name
  target_id = "registrar"
  arn       = aws_lambda_function.registrar.arn

  retry_policy {
    maximum_retry_attempts       = 10
    maximum_event_age_in_seconds = 3600
  }
}

resource "aws_lambda_permission" "registrar" {
  statement_id  = "AllowEventBridge"
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.registrar.function_name
  principal     = "events.amazonaws.com"
  source_arn    = aws_cloudwatch_event_rule.task_state.arn
}

# Periodic reconcile: registered targets = RUNNING task IPs, per target group.
resource "aws_cloudwatch_event_rule" "registrar_reconcile" {
  name                = "${local.name}-registrar-reconcile"
  description         = "Reconcile the stable and canary target groups with the services' RUNNING tasks"
  schedule_expression = local.registrar_reconcile_schedule
}

resource "aws_cloudwatch_event_target" "registrar_reconcile" {
  rule      = aws_cloudwatch_event_rule.registrar_reconcile.name
  target_id = "registrar-reconcile"
  arn       = aws_lambda_function.registrar.arn

  retry_policy {
    maximum_retry_attempts       = 2
    maximum_event_age_in_seconds = 240
  }
}

resource "aws_lambda_permission" "registrar_reconcile" {
  statement_id  = "AllowEventBridgeSchedule"
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.registrar.function_name
  principal     = "events.amazonaws.com"
  source_arn    = aws_cloudwatch_event_rule.registrar_reconcile.arn
}

data "aws_iam_policy_document" "lambda_assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["lambda.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "registrar" {
  name               = "${local.name}-target-registrar"
  assume_role_policy = data.aws_iam_policy_document.lambda_assume.json
}

data "aws_iam_policy_document" "registrar" {
  statement {
    sid       = "RegisterTaskIps"
    actions   = ["elasticloadbalancing:RegisterTargets", "elasticloadbalancing:DeregisterTargets"]
    resources = [for tg in aws_lb_target_group.variant : tg.arn]
  }

  # DescribeTargetHealth has no resource-level permissions (Resource must be "*").
  statement {
    sid       = "ReadTargetHealth"
    actions   = ["elasticloadbalancing:DescribeTargetHealth"]
    resources = ["*"]
  }

  # ListTasks authorizes on container instances: "*" narrowed to the cluster.
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
    sid       = "Logs"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${aws_cloudwatch_log_group.registrar.arn}:*"]
  }

  statement {
    sid       = "DeadLetters"
    actions   = ["sqs:SendMessage"]
    resources = [aws_sqs_queue.registrar_dlq.arn]
  }

  statement {
    sid       = "EncryptedEnvAndQueue"
    actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
    resources = [aws_kms_key.app.arn]
  }
}

resource "aws_iam_role_policy" "registrar" {
  name   = "register-targets"
  role   = aws_iam_role.registrar.id
  policy = data.aws_iam_policy_document.registrar.json
}

resource "aws_iam_role_policy_attachment" "registrar_xray" {
  role       = aws_iam_role.registrar.name
  policy_arn = "arn:${local.partition}:iam::aws:policy/AWSXRayDaemonWriteAccess"
}
