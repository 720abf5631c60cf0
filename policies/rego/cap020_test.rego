package capcheck.rules.cap020_test

import data.capcheck.rules.cap020
import data.capcheck.test.fixtures as fx

test_check_document_passes if {
	count(cap020.deny) == 0 with input as fx.doc
	count(cap020.warn) == 0 with input as fx.doc
}

# 132 against 123.6 is 6.8% above: within 15%.
test_healthy_audit_passes if {
	count(cap020.deny) == 0 with input as fx.audit_doc
	count(cap020.warn) == 0 with input as fx.audit_doc
}

# 146.5 / 123.6 - 1 = 0.18528 -> "18.5%" above.
test_denies_drift_above_tolerance if {
	cap020.deny == {{
		"rule": "CAP020",
		"msg": "workload chat: observed p95 146.5 requests/s over the 28 days to 2026-07-15 is 18.5% above the plan's 123.6 for 2026-07 (drift tolerance 15%); raise the plan's baseline or growth to match and check the pool's capacity",
		"target": "workload/chat",
		"location": {"file": "capacity/inference.cue", "line": 42, "column": 20},
	}} with input as fx.with_audit_workload({"observed": 146.5, "drift": 0.1852750809061489})
}

# The refreshed projection's cliff is named when it moves.
test_deny_names_the_cliff_move if {
	d := object.union(
		fx.with_audit_workload({"observed": 146.5, "drift": 0.1852750809061489}),
		{"audit": {"pools": [object.union(fx.audit_pool, {"refreshed_cliff": "2027-02", "refreshed_order_by": "2026-11"})]}},
	)
	cap020.deny == {{
		"rule": "CAP020",
		"msg": "workload chat: observed p95 146.5 requests/s over the 28 days to 2026-07-15 is 18.5% above the plan's 123.6 for 2026-07 (drift tolerance 15%); at the observed level pool h100-use1's cliff moves from none to 2027-02; raise the plan's baseline or growth to match and check the pool's capacity",
		"target": "workload/chat",
		"location": fx.audit_workload.location,
	}} with input as d
}

# 15.01% prints as 15% (lib.pct keeps at most one decimal), so only the
# rule, target, position and judgement are asserted here.
test_denies_just_above_tolerance if {
	d := fx.with_audit_workload({"drift": 0.1501})
	fs := cap020.deny with input as d
	{[f.rule, f.target, f.location] | some f in fs} == {["CAP020", "workload/chat", {"file": "capacity/inference.cue", "line": 42, "column": 20}]}
	every f in fs {
		contains(f.msg, "% above the plan's 123.6 for 2026-07 (drift tolerance 15%); raise the plan's baseline")
	}
	count(cap020.warn) == 0 with input as d
}

test_allows_drift_at_tolerance if {
	count(cap020.deny) == 0 with input as fx.with_audit_workload({"drift": 0.15})
	count(cap020.warn) == 0 with input as fx.with_audit_workload({"drift": -0.15})
}

# The plan's own drift_tolerance is the threshold, not a fixed 15%:
# 123.6 × 1.12 = 138.432 is 12% above, beyond 10% (within the default 15%);
# 123.6 × 0.88 = 108.768 is 12% below.
test_uses_plan_tolerance if {
	above := fx.with_audit_workload({"observed": 138.432, "drift": 0.12, "drift_tolerance": 0.10})
	count(cap020.warn) == 0 with input as above
	cap020.deny == {{
		"rule": "CAP020",
		"msg": "workload chat: observed p95 138.4 requests/s over the 28 days to 2026-07-15 is 12% above the plan's 123.6 for 2026-07 (drift tolerance 10%); raise the plan's baseline or growth to match and check the pool's capacity",
		"target": "workload/chat",
		"location": fx.audit_workload.location,
	}} with input as above
	below := fx.with_audit_workload({"observed": 108.768, "drift": -0.12, "drift_tolerance": 0.10, "direction": "below"})
	count(cap020.deny) == 0 with input as below
	cap020.warn == {{
		"rule": "CAP020",
		"msg": "workload chat: observed p95 108.8 requests/s over the 28 days to 2026-07-15 is 12% below the plan's 123.6 for 2026-07 (drift tolerance 10%); lower the plan's baseline, or release or resize reservations the demand no longer needs",
		"target": "workload/chat",
		"location": fx.audit_workload.location,
	}} with input as below
}

# 90 / 123.6 - 1 = -0.27184 -> "27.2%" below: a warning, not a deny.
test_warns_drift_below_tolerance if {
	d := fx.with_audit_workload({"observed": 90, "drift": -0.27184466019417475, "direction": "below"})
	count(cap020.deny) == 0 with input as d
	cap020.warn == {{
		"rule": "CAP020",
		"msg": "workload chat: observed p95 90 requests/s over the 28 days to 2026-07-15 is 27.2% below the plan's 123.6 for 2026-07 (drift tolerance 15%); lower the plan's baseline, or release or resize reservations the demand no longer needs",
		"target": "workload/chat",
		"location": fx.audit_workload.location,
	}} with input as d
}

test_warns_just_below_tolerance if {
	d := fx.with_audit_workload({"drift": -0.1501, "direction": "below"})
	fs := cap020.warn with input as d
	{[f.rule, f.target, f.location] | some f in fs} == {["CAP020", "workload/chat", fx.audit_workload.location]}
	every f in fs {
		contains(f.msg, "% below the plan's 123.6 for 2026-07 (drift tolerance 15%); lower the plan's baseline")
	}
	count(cap020.deny) == 0 with input as d
}

test_warns_workload_not_audited if {
	d := fx.with_not_audited([
		{
			"target": "workload/embed", "kind": "workload", "name": "embed", "plan": "inference", "what": "demand",
			"reason": "no actuals source: add actuals.prometheus (a query of its peak requests/s) or actuals.csv",
			"location": fx.pos(70, 3),
		},
		{
			"target": "pool/h100-use1", "kind": "pool", "name": "h100-use1", "plan": "inference", "what": "gpu_utilization",
			"reason": "no utilization.gpu source", "location": fx.pool.location,
		},
	])
	cap020.warn == {{
		"rule": "CAP020",
		"msg": "workload embed: not audited: no actuals source: add actuals.prometheus (a query of its peak requests/s) or actuals.csv",
		"target": "workload/embed",
		"location": {"file": "capacity/inference.cue", "line": 70, "column": 3},
	}} with input as d
}
