package capcheck.rules.cap005_test

import data.capcheck.rules.cap005
import data.capcheck.test.fixtures as fx

# Demand 46 on 64 GPUs in 2026-10: headroom 1 - 46/64 = 0.28125 -> "28.1%";
# 12 weeks before 2026-10 is 2026-07, this month.
cliff := {
	"cliff": "2026-10",
	"order_by": "2026-07",
	"order_by_passed": true,
	"cliff_in_horizon": true,
	"timeline": [{"month": "2026-10", "capacity_gpus": 64, "required_gpus": 46, "headroom": 0.28125}],
}

test_no_cliff_passes if {
	count(cap005.deny) == 0 with input as fx.doc
}

test_denies_when_order_by_reached if {
	cap005.deny == {{
		"rule": "CAP005",
		"msg": "pool h100-use1: capacity cliff in 2026-10 (headroom 28.1%, below 30%: needs 46 GPUs, has 64); with a 12-week lead time GPUs must be ordered by 2026-07 to arrive in time, and today is 2026-07-15; order now or lower demand",
		"target": "pool/h100-use1",
		"location": {"file": "capacity/inference.cue", "line": 20, "column": 3},
	}} with input as fx.with_pool(cliff)
}

test_allows_cliff_with_time_to_order if {
	count(cap005.deny) == 0 with input as fx.with_pool(object.union(cliff, {"cliff": "2027-06", "order_by": "2027-03", "order_by_passed": false}))
}

# The order-by date: 2026-10-01 - 12 weeks (84 days) = 2026-07-09, before
# today (2026-07-15): the message names the day.
test_denies_with_order_by_date if {
	fs := cap005.deny with input as fx.with_pool(object.union(cliff, {"order_by_date": "2026-07-09"}))
	{f.msg | some f in fs} == {"pool h100-use1: capacity cliff in 2026-10 (headroom 28.1%, below 30%: needs 46 GPUs, has 64); with a 12-week lead time GPUs must be ordered by 2026-07-09 to arrive in time, and today is 2026-07-15; order now or lower demand"}
}
