# One On-Demand Capacity Reservation for GPU instances in one zone.
variable "zone" {
  type        = string
  description = "Availability zone of the reservation."
}

variable "instance_type" {
  type = string
}

variable "instance_count" {
  type = number
}

variable "end_date" {
  type    = string
  default = null
}

variable "tags" {
  type    = map(string)
  default = {}
}

resource "aws_ec2_capacity_reservation" "this" {
  instance_type     = var.instance_type
  instance_platform = "Linux/UNIX"
  availability_zone = var.zone
  instance_count    = var.instance_count
  end_date_type     = var.end_date == null ? "unlimited" : "limited"
  end_date          = var.end_date
  tenancy           = "default"
  tags              = merge(var.tags, { Name = "gpu-${var.zone}" })
}

output "id" {
  value = aws_ec2_capacity_reservation.this.id
}
