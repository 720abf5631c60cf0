package capcheck.rules.cap022_test

import data.capcheck.rules.cap022
import data.capcheck.test.fixtures as fx

test_check_document_passes if {
	count(cap022.warn) == 0 with input as fx.doc
}

# 81% of the reserved GPUs in use on average: above 50%.
test_healthy_audit_passes if {
	count(cap022.warn) == 0 with input as fx.audit_doc
}

test_warns_below_minimum if {
	cap022.warn == {{
		"rule": "CAP022",
		"msg": "pool h100-use1: reserved GPUs were 41% utilised on average over the 28 days to 2026-07-15, below the 50% minimum (64 GPUs reserved); release or resize reservations, or move workloads onto them",
		"target": "pool/h100-use1",
		"location": {"file": "capacity/inference.cue", "line": 20, "column": 3},
	}} with input as fx.with_audit_pool({"reservation": {"mean": 0.41}})
}

# 49.99% prints as 50% (lib.pct keeps at most one decimal), so only the
# rule, target, position and judgement are asserted here.
test_warns_just_below_minimum if {
	fs := cap022.warn with input as fx.with_audit_pool({"reservation": {"mean": 0.4999}})
	{[f.rule, f.target, f.location] | some f in fs} == {["CAP022", "pool/h100-use1", {"file": "capacity/inference.cue", "line": 20, "column": 3}]}
	every f in fs {
		contains(f.msg, ", below the 50% minimum (64 GPUs reserved); release or resize reservations")
	}
}

test_passes_at_minimum if {
	count(cap022.warn) == 0 with input as fx.with_audit_pool({"reservation": {"mean": 0.50}})
}

# The plan's own minimum is the threshold: 55% is above the default 50% but
# below the plan's 60%.
test_uses_plan_minimum if {
	cap022.warn == {{
		"rule": "CAP022",
		"msg": "pool h100-use1: reserved GPUs were 55% utilised on average over the 28 days to 2026-07-15, below the 60% minimum (64 GPUs reserved); release or resize reservations, or move workloads onto them",
		"target": "pool/h100-use1",
		"location": fx.audit_pool.location,
	}} with input as fx.with_audit_pool({"reservation": {"mean": 0.55}, "reserved_utilization_min": 0.60})
}

test_unobserved_reservation_is_not_judged if {
	count(cap022.warn) == 0 with input as fx.with_audit_pool({"reservation": null})
}

test_warns_pool_not_audited if {
	d := fx.with_not_audited([{
		"target": "pool/h100-use1", "kind": "pool", "name": "h100-use1", "plan": "inference", "what": "reservation_utilization",
		"reason": "utilization.reservation.prometheus is set but no Prometheus server was given to read it from",
		"location": fx.pool.location,
	}])
	cap022.warn == {{
		"rule": "CAP022",
		"msg": "pool h100-use1: reservation utilisation not audited: utilization.reservation.prometheus is set but no Prometheus server was given to read it from",
		"target": "pool/h100-use1",
		"location": fx.pool.location,
	}} with input as d
}
