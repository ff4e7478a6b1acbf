# ECS deployment failures (the circuit breaker rolling a deployment back) -> SNS -> e-mail.

resource "aws_sns_topic" "deployment_alerts" {
  name              = "${local.name}-deployment-alerts"
  kms_master_key_id = aws_kms_key.app.arn
}

resource "aws_sns_topic_subscription" "email" {
  topic_arn = aws_sns_topic.deployment_alerts.arn
  protocol  = "email"
  endpoint  = var.alert_email
}

resource "aws_cloudwatch_event_rule" "deployment_rollback" {
  name        = "${local.name}-deployment-rollback"
  description = "ECS deployment failed (circuit breaker rollback) on the stable or canary service"

  event_pattern = jsonencode({
    source        = ["aws.ecs"]
    "detail-type" = ["ECS Deployment State Change"]
    resources     = [for s in aws_ecs_service.variant : s.id]
    detail = {
      eventName = ["SERVICE_DEPLOYMENT_FAILED"]
    }
  })
}

resource "aws_cloudwatch_event_target" "deployment_rollback_sns" {
  rule      = aws_cloudwatch_event_rule.deployment_rollback.name
  target_id = "sns"
  arn       = aws_sns_topic.deployment_alerts.arn
}

data "aws_iam_policy_document" "deployment_alerts" {
  statement {
    sid       = "EventBridgePublish"
    actions   = ["sns:Publish"]
    resources = [aws_sns_topic.deployment_alerts.arn]
    principals {
      type        = "Service"
      identifiers = ["events.amazonaws.com"]
    }
    condition {
      test     = "ArnEquals"
      variable = "aws:SourceArn"
      values   = [aws_cloudwatch_event_rule.deployment_rollback.arn]
    }
  }
}

resource "aws_sns_topic_policy" "deployment_alerts" {
  arn    = aws_sns_topic.deployment_alerts.arn
  policy = data.aws_iam_policy_document.deployment_alerts.json
}
