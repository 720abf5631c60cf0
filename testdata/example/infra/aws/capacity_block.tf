# Two p5 instances for the Q1 fine-tuning refresh, bought as a capacity block.
data "aws_ec2_capacity_block_offering" "finetune" {
  instance_type           = local.h100_type
  instance_count          = 2
  capacity_duration_hours = 1416
  start_date_range        = "2027-02-01T00:00:00Z"
  end_date_range          = "2027-03-31T23:59:59Z"
}

resource "aws_ec2_capacity_block_reservation" "finetune" {
  capacity_block_offering_id = data.aws_ec2_capacity_block_offering.finetune.capacity_block_offering_id
  instance_platform          = "Linux/UNIX"
  tags                       = local.tags
}
