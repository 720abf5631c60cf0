package capcheck.rules.cap013_test

import data.capcheck.rules.cap013
import data.capcheck.test.fixtures as fx

test_no_budget_passes if {
	count(cap013.warn) == 0 with input as fx.doc
}

# Budget 100000 with 10% tolerance allows up to 110000; 112000 is 12% over.
test_warns_when_pool_cost_exceeds_budget if {
	d := fx.with_pool({"budget_monthly": 100000, "cost": {"monthly": [100000, 112000, 112000]}})
	cap013.warn == {{
		"rule": "CAP013",
		"msg": "pool h100-use1: projected cost peaks at USD 112000/month in 2026-08, 12% over the USD 100000 budget (tolerance 10%); lower reserved GPUs, move demand, or raise the budget",
		"target": "pool/h100-use1",
		"location": {"file": "capacity/inference.cue", "line": 1, "column": 0},
	}} with input as d
}

# Where the plan writes the pool's budget_monthly, the finding points there
# (the test above falls back to the plan's start: its fixture has no such
# position).
test_pool_finding_at_budget_line if {
	d := fx.with_pool({"budget_monthly": 100000, "cost": {"monthly": [100000, 112000, 112000]}})
	at := object.union(d, {"plans": [object.union(fx.plan, {"positions": {"pools.h100-use1.budget_monthly": fx.pos(24, 21)}})]})
	{[f.rule, f.target, f.location] | some f in cap013.warn with input as at} == {["CAP013", "pool/h100-use1", {"file": "capacity/inference.cue", "line": 24, "column": 21}]}
}

test_pool_cost_within_tolerance_passes if {
	count(cap013.warn) == 0 with input as fx.with_pool({"budget_monthly": 100000, "cost": {"monthly": [100000, 109999]}})
}

test_pool_tolerance_comes_from_plan if {
	d := fx.with_pool({"budget_monthly": 100000, "cost": {"monthly": [100000, 109999]}})
	tight := object.union(d, {"plans": [object.union(fx.plan, {"policy": {"budget_tolerance": 0.05}})]})

	# 109999 / 100000 − 1 = 9.999% → "10%", over the plan's 5%.
	{f.msg | some f in cap013.warn with input as tight} == {"pool h100-use1: projected cost peaks at USD 109999/month in 2026-08, 10% over the USD 100000 budget (tolerance 5%); lower reserved GPUs, move demand, or raise the budget"}
}

# Plan budget 200000: 230000 is 15% over, at the plan's budget.monthly.
test_warns_when_plan_cost_exceeds_budget if {
	cap013.warn == {{
		"rule": "CAP013",
		"msg": "plan inference: projected cost peaks at USD 230000/month, 15% over the USD 200000 budget (tolerance 10%); lower reserved GPUs, move demand, or raise the budget",
		"target": "plan/inference",
		"location": {"file": "capacity/inference.cue", "line": 60, "column": 12},
	}} with input as fx.with_plan({"budget_monthly": 200000, "projected_monthly_cost": 230000})
}

test_plan_cost_within_tolerance_passes if {
	count(cap013.warn) == 0 with input as fx.with_plan({"budget_monthly": 200000, "projected_monthly_cost": 219999})
}
