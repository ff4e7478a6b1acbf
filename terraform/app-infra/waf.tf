# WAFv2 WebACL on the ALB: four AWS managed rule groups plus a per-IP rate limit.
# Rule order: the rate limit runs first (cheapest, stops floods before inspection).

resource "aws_wafv2_web_acl" "main" {
  name        = local.name
  description = "Edge protection of ${var.domain_name}"
  scope       = "REGIONAL"

  default_action {
    allow {}
  }

  # Rate limits. The post-deploy gate samples up to 20,000 requests from one runner
  # IP, far above what a client may send, so it would be blocked by the client limit
  # and the run would end INCONCLUSIVE (and roll back). Gate requests carry the secret
  # header x-harness-gate (var.gate_token, a CI secret; redacted from the WAF logs) and
  # are counted by their own limit (rule 2) instead of the client limit (rule 1): a
  # leaked token buys a bounded rate, not an unlimited one, and gate traffic still
  # passes every managed rule group. Both rules answer 429 with x-waf-rule naming the
  # rule, so the harness tells a rate-limit block from an attack block (403) and from
  # a canary error. harness/tests/terraform_contract.rs holds this.
  rule {
    name     = "rate-limit-per-ip"
    priority = 1

    action {
      block {
        custom_response {
          response_code = 429
          response_header {
            name  = "x-waf-rule"
            value = "rate-limit-per-ip"
          }
        }
      }
    }

    statement {
      rate_based_statement {
        limit              = var.waf_rate_limit
        aggregate_key_type = "IP"

        scope_down_statement {
          not_statement {
            statement {
              byte_match_statement {
                search_string         = var.gate_token
                positional_constraint = "EXACTLY"
                field_to_match {
                  single_header {
                    name = "x-harness-gate"
                  }
                }
                text_transformation {
                  priority = 0
                  type     = "NONE"
                }
              }
            }
          }
        }
      }
    }

    visibility_config {
      cloudwatch_metrics_enabled = true
      metric_name                = "${local.name}-rate-limit"
      sampled_requests_enabled   = true
    }
  }

  rule {
    name     = "rate-limit-gate"
    priority = 2

    action {
      block {
        custom_response {
          response_code = 429
          response_header {
            name  = "x-waf-rule"
            value = "rate-limit-gate"
          }
        }
      }
    }

    statement {
      rate_based_statement {
        limit              = var.waf_gate_rate_limit
        aggregate_key_type = "IP"

        scope_down_statement {
          byte_match_statement {
            search_string         = var.gate_token
            positional_constraint = "EXACTLY"
            field_to_match {
              single_header {
                name = "x-harness-gate"
              }
            }
            text_transformation {
              priority = 0
              type     = "NONE"
            }
          }
        }
      }
    }

    visibility_config {
      cloudwatch_metrics_enabled = true
      metric_name                = "${local.name}-rate-limit-gate"
      sampled_requests_enabled   = true
    }
  }

  rule {
    name     = "AWSManagedRulesAmazonIpReputationList"
    priority = 10

    override_action {
      none {}
    }

    statement {
      managed_rule_group_statement {
        vendor_name = "AWS"
        name        = "AWSManagedRulesAmazonIpReputationList"
      }
    }

    visibility_config {
      cloudwatch_metrics_enabled = true
      metric_name                = "${local.name}-AWSManagedRulesAmazonIpReputationList"
      sampled_requests_enabled   = true
    }
  }

  rule {
    name     = "AWSManagedRulesCommonRuleSet"
    priority = 20

    override_action {
      none {}
    }

    statement {
      managed_rule_group_statement {
        vendor_name = "AWS"
        name        = "AWSManagedRulesCommonRuleSet"
      }
    }

    visibility_config {
      cloudwatch_metrics_enabled = true
      metric_name                = "${local.name}-AWSManagedRulesCommonRuleSet"
      sampled_requests_enabled   = true
    }
  }

  # Log4Shell (CVE-2021-44228) JNDI lookups and other known-bad inputs.
  rule {
    name     = "AWSManagedRulesKnownBadInputsRuleSet"
    priority = 30

    override_action {
      none {}
    }

    statement {
      managed_rule_group_statement {
        vendor_name = "AWS"
        name        = "AWSManagedRulesKnownBadInputsRuleSet"
      }
    }

    visibility_config {
      cloudwatch_metrics_enabled = true
      metric_name                = "${local.name}-AWSManagedRulesKnownBadInputsRuleSet"
      sampled_requests_enabled   = true
    }
  }

  rule {
    name     = "AWSManagedRulesSQLiRuleSet"
    priority = 40

    override_action {
      none {}
    }

    statement {
      managed_rule_group_statement {
        vendor_name = "AWS"
        name        = "AWSManagedRulesSQLiRuleSet"
      }
    }

    visibility_config {
      cloudwatch_metrics_enabled = true
      metric_name                = "${local.name}-AWSManagedRulesSQLiRuleSet"
      sampled_requests_enabled   = true
    }
  }

  visibility_config {
    cloudwatch_metrics_enabled = true
    metric_name                = local.name
    sampled_requests_enabled   = true
  }
}

resource "aws_wafv2_web_acl_association" "alb" {
  resource_arn = aws_lb.main.arn
  web_acl_arn  = aws_wafv2_web_acl.main.arn
}

# WAF requires the log group name to start with "aws-waf-logs-".
resource "aws_cloudwatch_log_group" "waf" {
  name              = "aws-waf-logs-${local.name}"
  retention_in_days = 365
  kms_key_id        = aws_kms_key.app.arn
}

resource "aws_wafv2_web_acl_logging_configuration" "main" {
  resource_arn            = aws_wafv2_web_acl.main.arn
  log_destination_configs = [aws_cloudwatch_log_group.waf.arn]

  redacted_fields {
    single_header {
      name = "authorization"
    }
  }

  redacted_fields {
    single_header {
      name = "x-harness-gate"
    }
  }

  redacted_fields {
    single_header {
      name = "cookie"
    }
  }
}
