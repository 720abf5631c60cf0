package capcheck.rules.cap018_test

import data.capcheck.rules.cap018
import data.capcheck.test.fixtures as fx

test_no_notes_pass if {
	count(cap018.warn) == 0 with input as fx.doc
}

test_warns_on_unmatched_reservation_entry if {
	loc := {"file": "capacity/inference.cue", "line": 27, "column": 5}
	d := fx.with_pool({"notes": [{
		"code": "CAP-LINK-NONE",
		"msg": "reservations entry \"aws_ec2_capacity_reservation.h100_use1d\" of pool \"h100-use1\" matches no Terraform reservation",
		"location": loc,
	}]})
	cap018.warn == {{
		"rule": "CAP018",
		"msg": "pool h100-use1: reservations entry \"aws_ec2_capacity_reservation.h100_use1d\" of pool \"h100-use1\" matches no Terraform reservation; fix the address or glob, or remove the entry",
		"target": "pool/h100-use1",
		"location": loc,
	}} with input as d
}

# Benchmark notes are CAP009's; any other workload note is reported here.
test_reports_non_benchmark_workload_notes_only if {
	loc := {"file": "capacity/inference.cue", "line": 41, "column": 5}
	d := fx.with_workload({"notes": [
		{"code": "CAP-BENCH-SHAPE", "msg": "shape differs", "location": loc},
		{"code": "CAP-NEW-THING", "msg": "something new", "location": loc},
	]})
	fs := cap018.warn with input as d
	{[f.target, f.msg] | some f in fs} == {["workload/chat", "workload chat: something new"]}
}

test_warns_on_reservation_in_another_region if {
	loc := {"file": "infra/gpu.tf", "line": 20, "column": 1}
	d := fx.with_pool({"notes": [{
		"code": "CAP-ZONE-REGION",
		"msg": "reservation aws_ec2_capacity_reservation.west is in zone us-west-2a of region us-west-2, but pool \"h100-use1\" is in region us-east-1",
		"location": loc,
	}]})
	cap018.warn == {{
		"rule": "CAP018",
		"msg": "pool h100-use1: reservation aws_ec2_capacity_reservation.west is in zone us-west-2a of region us-west-2, but pool \"h100-use1\" is in region us-east-1; claim reservations in the pool's region, or correct the pool's region",
		"target": "pool/h100-use1",
		"location": loc,
	}} with input as d
}

test_warns_on_unpriced_egress if {
	loc := {"file": "capacity/plan.cue", "line": 10, "column": 3}
	d := fx.with_pool({"notes": [{
		"code": "CAP-EGRESS-PRICE",
		"msg": "its workloads move up to 13392 GB a month out of region us-east-1 (egress_mb_per_request), but the pool gives no price_per_gb_egress: that egress is not in its cost",
		"location": loc,
	}]})
	cap018.warn == {{
		"rule": "CAP018",
		"msg": "pool h100-use1: its workloads move up to 13392 GB a month out of region us-east-1 (egress_mb_per_request), but the pool gives no price_per_gb_egress: that egress is not in its cost; give the pool's price_per_gb_egress (0 when the transfer is free)",
		"target": "pool/h100-use1",
		"location": loc,
	}} with input as d
}

# A spot price missing from the pool: the note says what it costs
# instead, the advice what to write.
test_warns_on_unpriced_spot if {
	loc := {"file": "capacity/plan.cue", "line": 10, "column": 3}
	d := fx.with_pool({"notes": [{
		"code": "CAP-SPOT-PRICE",
		"msg": "up to 16 interruptible GPUs run on the pool's spot capacity, but price_per_gpu_hour gives no spot price: they are costed at the on-demand price (4.5 per GPU-hour)",
		"location": loc,
	}]})
	cap018.warn == {{
		"rule": "CAP018",
		"msg": "pool h100-use1: up to 16 interruptible GPUs run on the pool's spot capacity, but price_per_gpu_hour gives no spot price: they are costed at the on-demand price (4.5 per GPU-hour); give price_per_gpu_hour.spot",
		"target": "pool/h100-use1",
		"location": loc,
	}} with input as d
}
