# Two VPCs joined by a peering connection (see terraform/README.md for peering vs
# transit gateway). The public VPC holds only the load balancer; the private VPC holds
# the ECS tasks and has no route to the internet at all.

resource "aws_vpc" "public" {
  cidr_block           = var.public_vpc_cidr
  enable_dns_support   = true
  enable_dns_hostnames = true

  tags = {
    Name = "${local.name}-public"
    Tier = "public"
  }
}

resource "aws_vpc" "private" {
  cidr_block           = var.private_vpc_cidr
  enable_dns_support   = true
  enable_dns_hostnames = true

  tags = {
    Name = "${local.name}-private"
    Tier = "private"
  }
}

# The default security groups deny everything; every workload gets its own group.
resource "aws_default_security_group" "public" {
  vpc_id = aws_vpc.public.id
}

resource "aws_default_security_group" "private" {
  vpc_id = aws_vpc.private.id
}

resource "aws_internet_gateway" "public" {
  vpc_id = aws_vpc.public.id

  tags = {
    Name = "${local.name}-public"
  }
}

resource "aws_subnet" "public" {
  count                   = length(local.azs)
  vpc_id                  = aws_vpc.public.id
  cidr_block              = cidrsubnet(var.public_vpc_cidr, 8, count.index)
  availability_zone       = local.azs[count.index]
  map_public_ip_on_launch = false

  tags = {
    Name = "${local.name}-public-${local.azs[count.index]}"
    Tier = "public"
  }
}

resource "aws_subnet" "private" {
  count                   = length(local.azs)
  vpc_id                  = aws_vpc.private.id
  cidr_block              = cidrsubnet(var.private_vpc_cidr, 8, count.index)
  availability_zone       = local.azs[count.index]
  map_public_ip_on_launch = false

  tags = {
    Name = "${local.name}-private-${local.azs[count.index]}"
    Tier = "private"
  }
}

resource "aws_vpc_peering_connection" "public_private" {
  vpc_id      = aws_vpc.public.id
  peer_vpc_id = aws_vpc.private.id
  auto_accept = true

  tags = {
    Name = "${local.name}-public-private"
  }
}

resource "aws_route_table" "public" {
  vpc_id = aws_vpc.public.id

  route {
    cidr_block = "0.0.0.0/0"
    gateway_id = aws_internet_gateway.public.id
  }

  tags = {
    Name = "${local.name}-public"
  }
}

# Peering routes are separate resources so no route table mixes the internet route
# with the peering route in one block (and each side names only the peer's CIDR).
resource "aws_route" "public_to_private" {
  route_table_id            = aws_route_table.public.id
  destination_cidr_block    = var.private_vpc_cidr
  vpc_peering_connection_id = aws_vpc_peering_connection.public_private.id
}

resource "aws_route_table_association" "public" {
  count          = length(local.azs)
  subnet_id      = aws_subnet.public[count.index].id
  route_table_id = aws_route_table.public.id
}

# No default route: the private VPC reaches AWS APIs through VPC endpoints only.
resource "aws_route_table" "private" {
  vpc_id = aws_vpc.private.id

  tags = {
    Name = "${local.name}-private"
  }
}

resource "aws_route" "private_to_public" {
  route_table_id            = aws_route_table.private.id
  destination_cidr_block    = var.public_vpc_cidr
  vpc_peering_connection_id = aws_vpc_peering_connection.public_private.id
}

resource "aws_route_table_association" "private" {
  count          = length(local.azs)
  subnet_id      = aws_subnet.private[count.index].id
  route_table_id = aws_route_table.private.id
}

resource "aws_cloudwatch_log_group" "flow_logs" {
  for_each          = toset(["public", "private"])
  name              = "/vpc/${local.name}-${each.key}/flow-logs"
  retention_in_days = var.flow_log_retention_days
  kms_key_id        = aws_kms_key.shared.arn
}

resource "aws_flow_log" "vpc" {
  for_each        = { public = aws_vpc.public.id, private = aws_vpc.private.id }
  vpc_id          = each.value
  traffic_type    = "ALL"
  log_destination = aws_cloudwatch_log_group.flow_logs[each.key].arn
  iam_role_arn    = aws_iam_role.flow_logs.arn
}

data "aws_iam_policy_document" "flow_logs_assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["vpc-flow-logs.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [data.aws_caller_identity.current.account_id]
    }
  }
}

resource "aws_iam_role" "flow_logs" {
  name               = "${local.name}-flow-logs"
  assume_role_policy = data.aws_iam_policy_document.flow_logs_assume.json
}

data "aws_iam_policy_document" "flow_logs" {
  statement {
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"]
    resources = [for g in aws_cloudwatch_log_group.flow_logs : "${g.arn}:*"]
  }
}

resource "aws_iam_role_policy" "flow_logs" {
  name   = "write-flow-logs"
  role   = aws_iam_role.flow_logs.id
  policy = data.aws_iam_policy_document.flow_logs.json
}
