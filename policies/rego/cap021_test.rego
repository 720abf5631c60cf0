package capcheck.rules.cap021_test

import data.capcheck.rules.cap021
import data.capcheck.test.fixtures as fx

test_check_document_passes if {
	count(cap021.deny) == 0 with input as fx.doc
	count(cap021.warn) == 0 with input as fx.doc
}

# p95 62% is below the 70% warning line.
test_healthy_audit_passes if {
	count(cap021.deny) == 0 with input as fx.audit_doc
	count(cap021.warn) == 0 with input as fx.audit_doc
}

test_denies_above_critical if {
	d := fx.with_audit_pool({"gpu": {"p95": 0.91, "peak": 0.98}})
	count(cap021.warn) == 0 with input as d
	cap021.deny == {{
		"rule": "CAP021",
		"msg": "pool h100-use1: GPU utilisation p95 91% (peak 98%) over the 28 days to 2026-07-15 is above the critical 85%; add GPUs or shed load now: latency SLOs are at risk",
		"target": "pool/h100-use1",
		"location": {"file": "capacity/inference.cue", "line": 20, "column": 3},
	}} with input as d
}

# 85.01% would round to the 85% line it is judged against: it is shown
# with the decimals that tell them apart.
test_denies_just_above_critical if {
	d := fx.with_audit_pool({"gpu": {"p95": 0.8501}})
	cap021.deny == {{
		"rule": "CAP021",
		"msg": "pool h100-use1: GPU utilisation p95 85.01% (peak 78%) over the 28 days to 2026-07-15 is above the critical 85%; add GPUs or shed load now: latency SLOs are at risk",
		"target": "pool/h100-use1",
		"location": {"file": "capacity/inference.cue", "line": 20, "column": 3},
	}} with input as d
	count(cap021.warn) == 0 with input as d
}

# At the critical line it is a warning, not a deny.
test_warns_at_critical if {
	d := fx.with_audit_pool({"gpu": {"p95": 0.85}})
	count(cap021.deny) == 0 with input as d
	cap021.warn == {{
		"rule": "CAP021",
		"msg": "pool h100-use1: GPU utilisation p95 85% (peak 78%) over the 28 days to 2026-07-15 is above the warning line 70% (critical 85%); plan more GPUs before it reaches the critical line",
		"target": "pool/h100-use1",
		"location": fx.audit_pool.location,
	}} with input as d
}

test_warns_just_above_warning_line if {
	d := fx.with_audit_pool({"gpu": {"p95": 0.7001}})
	cap021.warn == {{
		"rule": "CAP021",
		"msg": "pool h100-use1: GPU utilisation p95 70.01% (peak 78%) over the 28 days to 2026-07-15 is above the warning line 70% (critical 85%); plan more GPUs before it reaches the critical line",
		"target": "pool/h100-use1",
		"location": fx.audit_pool.location,
	}} with input as d
	count(cap021.deny) == 0 with input as d
}

test_passes_at_warning_line if {
	count(cap021.warn) == 0 with input as fx.with_audit_pool({"gpu": {"p95": 0.70}})
}

# The plan's own lines are the thresholds.
# 88% is above the plan's 80% warning line, not its 90% critical one (it
# would be above the default 85%).
test_uses_plan_lines if {
	d := fx.with_audit_pool({"gpu": {"p95": 0.88}, "critical_utilization": 0.90, "warn_utilization": 0.80})
	count(cap021.deny) == 0 with input as d
	cap021.warn == {{
		"rule": "CAP021",
		"msg": "pool h100-use1: GPU utilisation p95 88% (peak 78%) over the 28 days to 2026-07-15 is above the warning line 80% (critical 90%); plan more GPUs before it reaches the critical line",
		"target": "pool/h100-use1",
		"location": {"file": "capacity/inference.cue", "line": 20, "column": 3},
	}} with input as d
}

test_unobserved_gpu_is_not_judged if {
	count(cap021.deny) == 0 with input as fx.with_audit_pool({"gpu": null})
}

test_warns_pool_not_audited if {
	d := fx.with_not_audited([
		{
			"target": "pool/h100-use1", "kind": "pool", "name": "h100-use1", "plan": "inference", "what": "gpu_utilization",
			"reason": "no utilization.gpu source: add utilization.gpu.prometheus (the share of its GPUs busy, 0..1) or utilization.gpu.csv",
			"location": fx.pool.location,
		},
		{
			"target": "pool/h100-use1", "kind": "pool", "name": "h100-use1", "plan": "inference", "what": "reservation_utilization",
			"reason": "no utilization.reservation source", "location": fx.pool.location,
		},
	])
	cap021.warn == {{
		"rule": "CAP021",
		"msg": "pool h100-use1: GPU utilisation not audited: no utilization.gpu source: add utilization.gpu.prometheus (the share of its GPUs busy, 0..1) or utilization.gpu.csv",
		"target": "pool/h100-use1",
		"location": fx.pool.location,
	}} with input as d
}
