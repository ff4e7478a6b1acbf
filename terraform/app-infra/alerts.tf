# ECS deployment failures (the circuit breaker rolling a deployment back) and the
# CloudWatch alarms below -> SNS -> e-mail.

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
    sid       = "CloudWatchAlarmsPublish"
    actions   = ["sns:Publish"]
    resources = [aws_sns_topic.deployment_alerts.arn]
    principals {
      type        = "Service"
      identifiers = ["cloudwatch.amazonaws.com"]
    }
    condition {
      test     = "ArnLike"
      variable = "aws:SourceArn"
      values   = ["arn:${local.partition}:cloudwatch:${var.region}:${local.account_id}:alarm:${local.name}-*"]
    }
  }

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

# Alarms on the deploy path. Every alarm notifies the topic when it fires and when it
# recovers; missing data (no traffic, no deliveries) is not an alarm.
locals {
  alb_dimension = { LoadBalancer = aws_lb.main.arn_suffix }
  target_group_dimensions = {
    for k, tg in aws_lb_target_group.variant : k => {
      LoadBalancer = aws_lb.main.arn_suffix
      TargetGroup  = tg.arn_suffix
    }
  }
  alarms = merge(
    {
      alb-elb-5xx = {
        description = "The load balancer itself answered 5xx (no healthy target, target connection errors)"
        namespace   = "AWS/ApplicationELB"
        metric      = "HTTPCode_ELB_5XX_Count"
        statistic   = "Sum"
        dimensions  = local.alb_dimension
        comparison  = "GreaterThanThreshold"
        threshold   = 10
        period      = 60
        evaluate    = 5
        breaching   = 3
      }
      registrar-dlq = {
        description = "Target registrar invocations failed into the DLQ: a task IP may be missing from or stale in its target group until the next reconcile"
        namespace   = "AWS/SQS"
        metric      = "ApproximateNumberOfMessagesVisible"
        statistic   = "Maximum"
        dimensions  = { QueueName = aws_sqs_queue.registrar_dlq.name }
        comparison  = "GreaterThanThreshold"
        threshold   = 0
        period      = 300
        evaluate    = 1
        breaching   = 1
      }
      firehose-delivery-failed = {
        description = "Firehose failed to deliver application logs to S3 (ratio of successful deliveries below 1)"
        namespace   = "AWS/Firehose"
        metric      = "DeliveryToS3.Success"
        statistic   = "Minimum"
        dimensions  = { DeliveryStreamName = aws_kinesis_firehose_delivery_stream.app_logs.name }
        comparison  = "LessThanThreshold"
        threshold   = 1
        period      = 300
        evaluate    = 2
        breaching   = 2
      }
      firehose-delivery-stale = {
        description = "Application logs older than 15 minutes wait in Firehose (deliveries to S3 are stuck)"
        namespace   = "AWS/Firehose"
        metric      = "DeliveryToS3.DataFreshness"
        statistic   = "Maximum"
        dimensions  = { DeliveryStreamName = aws_kinesis_firehose_delivery_stream.app_logs.name }
        comparison  = "GreaterThanThreshold"
        threshold   = 900
        period      = 300
        evaluate    = 2
        breaching   = 2
      }
    },
    {
      for k, dims in local.target_group_dimensions : "${k}-target-5xx" => {
        description = "The ${k} tasks answered 5xx"
        namespace   = "AWS/ApplicationELB"
        metric      = "HTTPCode_Target_5XX_Count"
        statistic   = "Sum"
        dimensions  = dims
        comparison  = "GreaterThanThreshold"
        threshold   = 10
        period      = 60
        evaluate    = 5
        breaching   = 3
      }
    },
    {
      for k, dims in local.target_group_dimensions : "${k}-unhealthy-hosts" => {
        description = "The ${k} target group has unhealthy targets (failed health checks or a dead IP left registered)"
        namespace   = "AWS/ApplicationELB"
        metric      = "UnHealthyHostCount"
        statistic   = "Maximum"
        dimensions  = dims
        comparison  = "GreaterThanThreshold"
        threshold   = 0
        period      = 60
        evaluate    = 5
        breaching   = 3
      }
    },
  )
}

resource "aws_cloudwatch_metric_alarm" "deploy_path" {
  for_each            = local.alarms
  alarm_name          = "${local.name}-${each.key}"
  alarm_description   = each.value.description
  namespace           = each.value.namespace
  metric_name         = each.value.metric
  statistic           = each.value.statistic
  dimensions          = each.value.dimensions
  comparison_operator = each.value.comparison
  threshold           = each.value.threshold
  period              = each.value.period
  evaluation_periods  = each.value.evaluate
  datapoints_to_alarm = each.value.breaching
  treat_missing_data  = "notBreaching"
  alarm_actions       = [aws_sns_topic.deployment_alerts.arn]
  ok_actions          = [aws_sns_topic.deployment_alerts.arn]
}
