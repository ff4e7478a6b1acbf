# Internet-facing ALB in the public VPC. The only way in: HTTPS:443 (TLS 1.3/1.2
# policy, WAF attached) and HTTP:80, which only redirects.

resource "aws_security_group" "alb" {
  #checkov:skip=CKV_AWS_260:Port 80 is open to the world only to answer a 301 redirect to HTTPS (listener "http").
  name        = "${local.name}-alb"
  description = "Internet to the ALB (443, 80 redirect); ALB to tasks in the private VPC"
  vpc_id      = data.aws_vpc.public.id

  ingress {
    description = "HTTPS from the internet"
    from_port   = 443
    to_port     = 443
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }

  ingress {
    description = "HTTP from the internet (redirected to HTTPS)"
    from_port   = 80
    to_port     = 80
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }

  egress {
    description = "App traffic to tasks in the peered private VPC"
    from_port   = 80
    to_port     = 80
    protocol    = "tcp"
    cidr_blocks = [data.aws_vpc.private.cidr_block]
  }

  egress {
    description = "Health checks to tasks in the peered private VPC"
    from_port   = 8080
    to_port     = 8080
    protocol    = "tcp"
    cidr_blocks = [data.aws_vpc.private.cidr_block]
  }
}

resource "aws_lb" "main" {
  #checkov:skip=CKV2_AWS_76:The WebACL has KnownBadInputs (Log4j); AnonymousIpList is left out on purpose: its HostingProviderIPList rule would block the GitHub-hosted runners that run the post-deploy harness gate.
  #checkov:skip=CKV2_AWS_20:HTTP is redirected to HTTPS by aws_lb_listener.http (the graph check does not follow the redirect action).
  name                       = local.name
  load_balancer_type         = "application"
  internal                   = false
  subnets                    = data.aws_subnets.public.ids
  security_groups            = [aws_security_group.alb.id]
  drop_invalid_header_fields = true
  enable_deletion_protection = var.alb_deletion_protection
  desync_mitigation_mode     = "strictest"

  access_logs {
    bucket  = aws_s3_bucket.alb_logs.id
    prefix  = "alb"
    enabled = true
  }

  depends_on = [aws_s3_bucket_policy.alb_logs]
}

# Both target groups live in the ALB's VPC (ELB requires it) and hold the task IPs of
# the peered private VPC, registered with AvailabilityZone "all" (registrar.tf).
resource "aws_lb_target_group" "variant" {
  #checkov:skip=CKV_AWS_378:TLS terminates at the ALB; the hop to the tasks stays on the private peering link (VPC traffic is encrypted in transit on Nitro).
  for_each             = local.variants
  name                 = "${local.name}-${each.key}"
  target_type          = "ip"
  protocol             = "HTTP"
  port                 = 80
  vpc_id               = data.aws_vpc.public.id
  deregistration_delay = local.deregistration_delay_s

  health_check {
    enabled             = true
    protocol            = "HTTP"
    port                = "8080"
    path                = "/health"
    matcher             = "200"
    interval            = 10
    timeout             = 5
    healthy_threshold   = 2
    unhealthy_threshold = 3
  }
}

resource "aws_lb_listener" "https" {
  load_balancer_arn = aws_lb.main.arn
  port              = 443
  protocol          = "HTTPS"
  ssl_policy        = "ELBSecurityPolicy-TLS13-1-2-2021-06"
  certificate_arn   = aws_acm_certificate_validation.main.certificate_arn

  default_action {
    type = "forward"

    forward {
      target_group {
        arn    = aws_lb_target_group.variant["stable"].arn
        weight = var.stable_weight
      }

      target_group {
        arn    = aws_lb_target_group.variant["canary"].arn
        weight = var.canary_weight
      }

      stickiness {
        enabled  = false
        duration = 1
      }
    }
  }
}

resource "aws_lb_listener" "http" {
  #checkov:skip=CKV_AWS_2:This listener only answers 301 to HTTPS.
  #checkov:skip=CKV_AWS_103:This listener only answers 301 to HTTPS; TLS policy is on aws_lb_listener.https.
  load_balancer_arn = aws_lb.main.arn
  port              = 80
  protocol          = "HTTP"

  default_action {
    type = "redirect"

    redirect {
      protocol    = "HTTPS"
      port        = "443"
      status_code = "HTTP_301"
    }
  }
}

resource "aws_acm_certificate" "main" {
  domain_name       = var.domain_name
  validation_method = "DNS"

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_route53_record" "cert_validation" {
  for_each = {
    for o in aws_acm_certificate.main.domain_validation_options : o.domain_name => {
      name   = o.resource_record_name
      type   = o.resource_record_type
      record = o.resource_record_value
    }
  }

  zone_id         = data.aws_route53_zone.public.zone_id
  name            = each.value.name
  type            = each.value.type
  records         = [each.value.record]
  ttl             = 300
  allow_overwrite = true
}

resource "aws_acm_certificate_validation" "main" {
  certificate_arn         = aws_acm_certificate.main.arn
  validation_record_fqdns = [for r in aws_route53_record.cert_validation : r.fqdn]
}

resource "aws_route53_record" "service" {
  zone_id = data.aws_route53_zone.public.zone_id
  name    = var.domain_name
  type    = "A"

  alias {
    name                   = aws_lb.main.dns_name
    zone_id                = aws_lb.main.zone_id
    evaluate_target_health = true
  }
}
