resource "aws_ecs_cluster" "main" {
  name = local.name

  setting {
    name  = "containerInsights"
    value = "enabled"
  }
}

resource "aws_ecs_cluster_capacity_providers" "main" {
  cluster_name       = aws_ecs_cluster.main.name
  capacity_providers = ["FARGATE"]

  default_capacity_provider_strategy {
    capacity_provider = "FARGATE"
    weight            = 1
  }
}

resource "aws_ecr_repository" "app" {
  #checkov:skip=CKV_AWS_51:The `latest` tag is moved on every main build by design (app-hello-world.yml); deploys pin immutable git-sha tags.
  name                 = "${var.project}/app"
  image_tag_mutability = "MUTABLE"

  image_scanning_configuration {
    scan_on_push = true
  }

  encryption_configuration {
    encryption_type = "KMS"
    kms_key         = aws_kms_key.shared.arn
  }
}

# Lifecycle: never expire an image a service runs or may roll back to.
# deploy-canary.yml tags, before every apply, the images it deploys with moving tags
# live-stable, live-canary and live-rollback (the previous stable release). Rule 1
# selects every image carrying a `live-` tag and keeps up to 9999 of them, so it never
# expires one; ECR never lets a lower-priority rule expire an image that matched a
# higher-priority rule's tag selection, so rule 3's count cannot reach them either.
# Rule 2 expires untagged images after 7 days; rule 3 keeps the newest
# ecr_keep_tagged_images of the rest. harness/tests/terraform_contract.rs simulates
# the policy over a long release history and checks the workflow sets the live tags.
locals {
  ecr_live_tag_prefix = "live-"
}

resource "aws_ecr_lifecycle_policy" "app" {
  repository = aws_ecr_repository.app.name
  policy = jsonencode({
    rules = [
      {
        rulePriority = 1
        description  = "Never expire images tagged ${local.ecr_live_tag_prefix}* (what the services run and roll back to)"
        selection = {
          tagStatus     = "tagged"
          tagPrefixList = [local.ecr_live_tag_prefix]
          countType     = "imageCountMoreThan"
          countNumber   = 9999
        }
        action = { type = "expire" }
      },
      {
        rulePriority = 2
        description  = "Expire untagged images after 7 days"
        selection = {
          tagStatus   = "untagged"
          countType   = "sinceImagePushed"
          countUnit   = "days"
          countNumber = 7
        }
        action = { type = "expire" }
      },
      {
        rulePriority = 3
        description  = "Keep the newest ${var.ecr_keep_tagged_images} other images"
        selection = {
          tagStatus   = "any"
          countType   = "imageCountMoreThan"
          countNumber = var.ecr_keep_tagged_images
        }
        action = { type = "expire" }
      },
    ]
  })
}
