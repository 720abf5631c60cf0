terraform {
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 6.0"
    }
  }
}

provider "aws" {
  region = var.region
}

variable "region" {
  type    = string
  default = "us-east-1"
}

# p5.48xlarge instances reserved per availability zone (terraform.tfvars).
variable "h100_instances_per_zone" {
  type = map(number)
}

variable "reservation_end" {
  type        = string
  description = "When the H100 reservations end (RFC 3339)."
}

locals {
  h100_type = "p5.48xlarge"
  tags = {
    team       = "llm-platform"
    managed_by = "terraform"
  }
}

module "h100_use1" {
  source   = "../../modules/gpu-reservation"
  for_each = var.h100_instances_per_zone

  zone           = each.key
  instance_type  = local.h100_type
  instance_count = each.value
  end_date       = var.reservation_end
  tags           = local.tags
}
