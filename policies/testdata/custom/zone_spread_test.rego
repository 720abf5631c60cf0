package capcheck.custom.zone_spread_test

import data.capcheck.custom.zone_spread

reservation(zone, gpus) := {
	"address": sprintf("aws_ec2_capacity_reservation.h100_%s", [zone]),
	"file": "infra/gpu.tf",
	"line": 1,
	"column": 1,
	"gpus": gpus,
	"zone": zone,
	"guaranteed": true,
	"pool": "h100-use1",
}

pools := [{"name": "h100-use1", "location": {"file": "capacity/plan.cue", "line": 12, "column": 3}}]

# 24 + 24 + 16 = 64: the largest zone holds 24/64 = 37.5%.
test_spread_pool_passes if {
	count(zone_spread.deny) == 0 with input as {"pools": pools, "reservations": [
		reservation("us-east-1a", 24),
		reservation("us-east-1b", 24),
		reservation("us-east-1c", 16),
	]}
}

# 16 + 16 + 8 = 40: 16/40 is exactly 40%, allowed.
test_exactly_at_limit_passes if {
	count(zone_spread.deny) == 0 with input as {"pools": pools, "reservations": [
		reservation("us-east-1a", 16),
		reservation("us-east-1b", 16),
		reservation("us-east-1c", 8),
	]}
}

# 40 + 24 = 64: us-east-1a holds 40/64 = 62.5% (rounded 63%).
test_denies_concentrated_zone if {
	zone_spread.deny == {{
		"rule": "ORG001",
		"msg": "pool h100-use1: 40 of its 64 GPUs (63%) are in us-east-1a, above the 40% limit; move reservations to other zones",
		"target": "pool/h100-use1",
		"location": {"file": "capacity/plan.cue", "line": 12, "column": 3},
	}} with input as {"pools": pools, "reservations": [
		reservation("us-east-1a", 40),
		reservation("us-east-1b", 24),
	]}
}

# Elastic capacity is not guaranteed and does not count.
test_ignores_elastic_capacity if {
	elastic := object.union(reservation("us-east-1a", 100), {"guaranteed": false})
	count(zone_spread.deny) == 0 with input as {"pools": pools, "reservations": [
		elastic,
		reservation("us-east-1a", 24),
		reservation("us-east-1b", 24),
		reservation("us-east-1c", 16),
	]}
}
