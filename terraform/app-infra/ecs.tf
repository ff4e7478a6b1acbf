# Two Fargate services of the same image repository: stable and canary. The canary
# scales to zero when it gets no traffic.

locals {
  variants = {
    stable = {
      image_tag     = var.stable_image_tag
      desired_count = var.stable_desired_count
    }
    canary = {
      image_tag     = var.canary_image_tag
      desired_count = var.canary_weight == 0 ? 0 : var.canary_desired_count
    }
  }
}

resource "aws_security_group" "tasks" {
  name        = "${local.name}-tasks"
  description = "ALB (public VPC, via peering) to the app and health ports; tasks to VPC endpoints"
  vpc_id      = data.aws_vpc.private.id

  ingress {
    description = "App traffic from the ALB subnets in the public VPC"
    from_port   = 80
    to_port     = 80
    protocol    = "tcp"
    cidr_blocks = [data.aws_vpc.public.cidr_block]
  }

  ingress {
    description = "Health checks from the ALB subnets in the public VPC"
    from_port   = 8080
    to_port     = 8080
    protocol    = "tcp"
    cidr_blocks = [data.aws_vpc.public.cidr_block]
  }

  egress {
    description = "HTTPS to the interface endpoints (ECR, CloudWatch Logs) in this VPC"
    from_port   = 443
    to_port     = 443
    protocol    = "tcp"
    cidr_blocks = [data.aws_vpc.private.cidr_block]
  }

  egress {
    description     = "HTTPS to S3 (ECR image layers) through the gateway endpoint"
    from_port       = 443
    to_port         = 443
    protocol        = "tcp"
    prefix_list_ids = [data.aws_prefix_list.s3.id]
  }
}

data "aws_prefix_list" "s3" {
  name = "com.amazonaws.${var.region}.s3"
}

resource "aws_cloudwatch_log_group" "app" {
  #checkov:skip=CKV_AWS_338:The issue fixes CloudWatch retention at 30 days; the 365-day copy lives in S3 through Firehose (logging.tf).
  name              = "/ecs/${local.name}"
  retention_in_days = var.app_log_retention_days
  kms_key_id        = aws_kms_key.app.arn
}

# Task shutdown. ECS sends SIGTERM while the ALB is still deregistering the task's
# target, and the ALB keeps routing to it until the deregistration delay ends. The app
# therefore keeps serving for app_shutdown_delay_s after SIGTERM (its /health answers
# 503), then drains for at most app_drain_timeout_s. stopTimeout (ECS cap: 120 s) must
# outlast both or SIGKILL cuts the drain. Checked by harness/tests/terraform_contract.rs.
locals {
  deregistration_delay_s = 30
  app_shutdown_delay_s   = local.deregistration_delay_s
  app_drain_timeout_s    = 10
  task_stop_timeout_s    = local.app_shutdown_delay_s + local.app_drain_timeout_s + 10
}

resource "aws_ecs_task_definition" "variant" {
  for_each                 = local.variants
  family                   = "${local.name}-${each.key}"
  requires_compatibilities = ["FARGATE"]
  network_mode             = "awsvpc"
  cpu                      = var.task_cpu
  memory                   = var.task_memory
  execution_role_arn       = aws_iam_role.task_execution.arn
  task_role_arn            = aws_iam_role.task.arn

  runtime_platform {
    operating_system_family = "LINUX"
    cpu_architecture        = "X86_64"
  }

  container_definitions = jsonencode([
    {
      name                   = "app"
      image                  = "${data.aws_ecr_repository.app.repository_url}:${each.value.image_tag}"
      essential              = true
      readonlyRootFilesystem = true
      privileged             = false
      # The image runs as 65532 and binds port 80: allow unprivileged ports in the
      # task's network namespace (see the Dockerfile header).
      systemControls = [
        { namespace = "net.ipv4.ip_unprivileged_port_start", value = "0" },
      ]
      portMappings = [
        { containerPort = 80, protocol = "tcp", name = "http" },
        { containerPort = 8080, protocol = "tcp", name = "health" },
      ]
      environment = [
        { name = "VARIANT", value = each.key },
        { name = "RELEASE", value = each.value.image_tag },
        { name = "SHUTDOWN_DELAY_SECS", value = tostring(local.app_shutdown_delay_s) },
        { name = "DRAIN_TIMEOUT_SECS", value = tostring(local.app_drain_timeout_s) },
      ]
      stopTimeout = local.task_stop_timeout_s
      healthCheck = {
        command     = var.container_health_command
        interval    = 10
        timeout     = 5
        retries     = 3
        startPeriod = 10
      }
      logConfiguration = {
        logDriver = "awslogs"
        options = {
          awslogs-group         = aws_cloudwatch_log_group.app.name
          awslogs-region        = var.region
          awslogs-stream-prefix = each.key
        }
      }
    }
  ])
}

# Target registration: ECS cannot register task IPs into a target group of another
# VPC (aws/containers-roadmap#1107), so the services carry no load_balancer block and
# registrar.tf registers each task's IP with AvailabilityZone "all".
resource "aws_ecs_service" "variant" {
  for_each                = local.variants
  name                    = "${local.name}-${each.key}"
  cluster                 = data.aws_ecs_cluster.main.arn
  task_definition         = aws_ecs_task_definition.variant[each.key].arn
  desired_count           = each.value.desired_count
  launch_type             = "FARGATE"
  platform_version        = "LATEST"
  propagate_tags          = "SERVICE"
  enable_ecs_managed_tags = true
  enable_execute_command  = false

  deployment_minimum_healthy_percent = 100
  deployment_maximum_percent         = 200

  deployment_circuit_breaker {
    enable   = true
    rollback = true
  }

  network_configuration {
    subnets          = data.aws_subnets.private.ids
    security_groups  = [aws_security_group.tasks.id]
    assign_public_ip = false
  }

  depends_on = [aws_lambda_permission.registrar]
}
