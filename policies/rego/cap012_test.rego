package capcheck.rules.cap012_test

import data.capcheck.rules.cap012
import data.capcheck.test.fixtures as fx

test_no_expiry_passes if {
	count(cap012.warn) == 0 with input as fx.doc
}

# us-east-1a (24 GPUs) ends 2026-11-30; in 2026-12 40 are required and 40 left.
test_warns_on_expiring_reservation if {
	d := fx.with_pool({
		"expiring": [{
			"address": "aws_ec2_capacity_reservation.h100_use1a",
			"end": "2026-11-30",
			"month": "2026-12",
			"gpus": 24,
			"location": {"file": "infra/gpu.tf", "line": 1, "column": 1},
		}],
		"timeline": [{"month": "2026-12", "capacity_gpus": 40, "required_gpus": 40, "headroom": 0}],
	})
	cap012.warn == {{
		"rule": "CAP012",
		"msg": "pool h100-use1: reservation aws_ec2_capacity_reservation.h100_use1a (24 GPUs) ends 2026-11-30 while the pool still needs capacity in 2026-12 (40 GPUs required, 40 left); renew it or plan a replacement (lead time 12 weeks)",
		"target": "reservation/aws_ec2_capacity_reservation.h100_use1a",
		"location": {"file": "infra/gpu.tf", "line": 1, "column": 1},
	}} with input as d
}
