# Two p5 instances for the Q1 fine-tuning refresh: a 9-week capacity block (blocks run 11:30 to 11:30 UTC).
data "aws_ec2_capacity_block_offering" "finetune" {
  instance_type           = local.h100_type
  instance_count          = 2
  capacity_duration_hours = 1512
  start_date_range        = "2027-01-31T11:30:00Z"
  end_date_range          = "2027-04-04T11:30:00Z"
}

resource "aws_ec2_capacity_block_reservation" "finetune" {
  capacity_block_offering_id = data.aws_ec2_capacity_block_offering.finetune.capacity_block_offering_id
  instance_platform          = "Linux/UNIX"
  tags                       = local.tags
}
