h100_instances_per_zone = {
  "us-east-1a" = 3
  "us-east-1b" = 3
  "us-east-1c" = 2
}

reservation_end = "2028-06-30T23:59:59Z"
