# VPC endpoints instead of a NAT gateway (see terraform/README.md): Fargate pulls images
# from ECR (api + dkr, layers from S3) and ships logs to CloudWatch without any route
# to the internet.

resource "aws_security_group" "endpoints" {
  name        = "${local.name}-vpc-endpoints"
  description = "HTTPS from the private VPC to the interface endpoints"
  vpc_id      = aws_vpc.private.id

  ingress {
    description = "HTTPS from tasks in the private VPC"
    from_port   = 443
    to_port     = 443
    protocol    = "tcp"
    cidr_blocks = [var.private_vpc_cidr]
  }

  tags = {
    Name = "${local.name}-vpc-endpoints"
  }
}

resource "aws_vpc_endpoint" "interface" {
  for_each            = toset(["ecr.api", "ecr.dkr", "logs"])
  vpc_id              = aws_vpc.private.id
  service_name        = "com.amazonaws.${var.region}.${each.key}"
  vpc_endpoint_type   = "Interface"
  subnet_ids          = aws_subnet.private[*].id
  security_group_ids  = [aws_security_group.endpoints.id]
  private_dns_enabled = true

  tags = {
    Name = "${local.name}-${each.key}"
  }
}

# ECR stores image layers in S3: a gateway endpoint (free) on the private route table.
resource "aws_vpc_endpoint" "s3" {
  vpc_id            = aws_vpc.private.id
  service_name      = "com.amazonaws.${var.region}.s3"
  vpc_endpoint_type = "Gateway"
  route_table_ids   = [aws_route_table.private.id]

  tags = {
    Name = "${local.name}-s3"
  }
}
