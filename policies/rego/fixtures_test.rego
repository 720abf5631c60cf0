# Package capcheck.test.fixtures is a healthy policy input document the rule
# tests start from and change one field at a time. Every built-in rule is
# silent on doc; its figures are worked out by hand in the comments.
package capcheck.test.fixtures

plan_file := "capacity/inference.cue"

tf_file := "infra/gpu.tf"

pos(line, column) := {"file": plan_file, "line": line, "column": column}

policy := {
	"headroom_min": 0.30,
	"redundancy": {"n_plus": 1, "domain": "zone"},
	"warn_utilization": 0.70,
	"critical_utilization": 0.85,
	"drift_tolerance": 0.15,
	"reserved_utilization_min": 0.50,
	"budget_tolerance": 0.10,
	"benchmark_max_age_days": 180,
	"review_max_age_days": 92,
	"unbacked_tolerance": 0.10,
}

plan := {
	"name": "inference",
	"file": plan_file,
	"line": 1,
	"column": 1,
	"owner": "ml-platform",
	"reviewed": "2026-06-01",
	"reviewed_age_days": 44,
	"horizon_months": 24,
	"policy": policy,
	"plan_for": "moderate",
	"contingency_for": "aggressive",
	"contingency": "serve cached answers and shed batch traffic",
	"growth_rates": {"conservative": 0.01, "moderate": 0.03, "aggressive": 0.06},
	"budget_monthly": 0,
	"projected_monthly_cost": 116800,
	"currency": "USD",
	"exceptions": [],
	"positions": {
		"reviewed": pos(4, 11),
		"policy.headroom_min": pos(7, 17),
		"policy.redundancy.n_plus": pos(8, 26),
		"policy.redundancy.domain": pos(8, 36),
		"policy.critical_utilization": pos(10, 25),
		"budget.monthly": pos(60, 12),
	},
}

# Capacity 64 GPUs (24 + 24 + 16 in three zones); demand grows from 30 to 40
# GPUs by the end of the commit window (2026-12): headroom 1 - 40/64 = 0.375.
timeline := [
	{"month": "2026-07", "capacity_gpus": 64, "elastic_gpus": 0, "required_gpus": 30, "headroom": 0.53125, "cost": 116800, "interruptible_gpus": 0, "on_demand_gpus": 0, "unserved_gpus": 0, "spot_gpus": 0, "on_spot_gpus": 0, "ceiling_gpus": 0, "baseline_gpus": 0, "basis": "peak", "judged_capacity_gpus": 64, "judged_required_gpus": 30},
	{"month": "2026-08", "capacity_gpus": 64, "elastic_gpus": 0, "required_gpus": 32, "headroom": 0.5, "cost": 116800, "interruptible_gpus": 0, "on_demand_gpus": 0, "unserved_gpus": 0, "spot_gpus": 0, "on_spot_gpus": 0, "ceiling_gpus": 0, "baseline_gpus": 0, "basis": "peak", "judged_capacity_gpus": 64, "judged_required_gpus": 32},
	{"month": "2026-09", "capacity_gpus": 64, "elastic_gpus": 0, "required_gpus": 34, "headroom": 0.46875, "cost": 116800, "interruptible_gpus": 0, "on_demand_gpus": 0, "unserved_gpus": 0, "spot_gpus": 0, "on_spot_gpus": 0, "ceiling_gpus": 0, "baseline_gpus": 0, "basis": "peak", "judged_capacity_gpus": 64, "judged_required_gpus": 34},
	{"month": "2026-10", "capacity_gpus": 64, "elastic_gpus": 0, "required_gpus": 36, "headroom": 0.4375, "cost": 116800, "interruptible_gpus": 0, "on_demand_gpus": 0, "unserved_gpus": 0, "spot_gpus": 0, "on_spot_gpus": 0, "ceiling_gpus": 0, "baseline_gpus": 0, "basis": "peak", "judged_capacity_gpus": 64, "judged_required_gpus": 36},
	{"month": "2026-11", "capacity_gpus": 64, "elastic_gpus": 0, "required_gpus": 38, "headroom": 0.40625, "cost": 116800, "interruptible_gpus": 0, "on_demand_gpus": 0, "unserved_gpus": 0, "spot_gpus": 0, "on_spot_gpus": 0, "ceiling_gpus": 0, "baseline_gpus": 0, "basis": "peak", "judged_capacity_gpus": 64, "judged_required_gpus": 38},
	{"month": "2026-12", "capacity_gpus": 64, "elastic_gpus": 0, "required_gpus": 40, "headroom": 0.375, "cost": 116800, "interruptible_gpus": 0, "on_demand_gpus": 0, "unserved_gpus": 0, "spot_gpus": 0, "on_spot_gpus": 0, "ceiling_gpus": 0, "baseline_gpus": 0, "basis": "peak", "judged_capacity_gpus": 64, "judged_required_gpus": 40},
]

# 64 GPUs × 2.50 USD × 730 h = 116800 USD a month.
pool := {
	"name": "h100-use1",
	"plan": "inference",
	"gpu": "H100-SXM",
	"region": "us-east-1",
	"location": pos(20, 3),
	"strategy": "reserved",
	"elastic_ceiling_gpus": 0,
	"elastic_ceiling_known": false,
	"lead_time_weeks": 12,
	"lead_time_months": 3,
	"commit_window_end": "2026-12",
	"headroom_min": 0.30,
	"reserved_gpus": 64,
	"elastic_gpus": 0,
	"spot_gpus": 0,
	"on_demand_max_gpus": 0,
	"required_gpus_peak": 40,
	"required_gpus_now": 30,
	"min_headroom": 0.375,
	"min_headroom_month": "2026-12",
	"min_headroom_horizon": 0.375,
	"gpus_short": 0,
	# Losing us-east-1a (24) leaves 40 >= 40 required.
	"n_plus": {
		"k": 1, "domain": "zone", "required": true, "ok": true, "month": "2026-12",
		"domains": [
			{"name": "us-east-1a", "gpus": 24},
			{"name": "us-east-1b", "gpus": 24},
			{"name": "us-east-1c", "gpus": 16},
		],
		"capacity_after_loss": 40, "required_gpus": 40, "lost_gpus": 24,
	},
	"cliff": "",
	"order_by": "",
	"order_by_date": "",
	"order_by_passed": false,
	"cliff_in_horizon": false,
	# Headroom and N+1 both owed: 40/0.7 + 24 = 81.14 backed; 64 reserved:
	# none unbacked.
	"backed_gpus": 81.14285714,
	"unbacked_gpus": 0,
	"peak_reserved_gpus": 64,
	"binding": false,
	"cost": {
		"monthly": [116800, 116800, 116800, 116800, 116800, 116800],
		"at": {},
		# 6 months: month 5's run-rate and months 0-5 summed.
		"monthly_at": {"6": 116800},
		"cumulative_at": {"6": 700800},
		"total": 700800,
		"per_million_output_tokens": 1.2,
		"output_tokens_first_month": 97333333333,
		"currency": "USD",
		"all_on_demand_monthly": [131400, 140160, 148920, 157680, 166440, 175200],
		"savings_vs_on_demand": 0.1111,
	},
	"monthly_cost": 116800,
	"strategies": [{
		"name": "as-planned", "monthly_cost": {"6": 116800}, "cumulative_cost": {"6": 700800},
		"total": 700800, "meets_policy": true, "cheapest": true,
		"note": "the pool's reservations and strategy as written",
	}],
	"budget_monthly": 0,
	"timeline": timeline,
	"scenarios": {},
	"contingency": {
		"scenario": "aggressive", "exceeds_capacity": false, "first_month": "",
		"required_gpus": 52, "capacity_gpus": 64, "written": true, "basis": "peak",
	},
	"reservations": [
		"aws_ec2_capacity_reservation.h100_use1a",
		"aws_ec2_capacity_reservation.h100_use1b",
		"aws_ec2_capacity_reservation.h100_use1c",
	],
	"expiring": [],
	"workloads": ["chat"],
	"inputs": {
		"scenario": "moderate", "growth_rates": {"moderate": 0.03}, "benchmarks": ["llama70b-h100"],
		"forecast_methods": {}, "price_reserved": 2.5, "price_on_demand": 6.0,
		"price_spot": 0, "on_demand_hours_per_day": 24,
	},
	"notes": [],
}

workload := {
	"name": "chat",
	"plan": "inference",
	"pool": "h100-use1",
	"kind": "llm-inference",
	"location": pos(40, 3),
	"peak_basis": "p95",
	"avg_only": false,
	"baseline_peak": 120,
	"availability": 0.999,
	"needs_redundancy": true,
	"as_of": "2026-06-01",
	"baseline_age_days": 44,
	"gpus_now": 30,
	"gpus_peak": 40,
	"gpus": [30, 32, 34, 36, 38, 40],
	"interruptible": false,
	"monthly_growth": 0.03,
	"output_tokens_per_s_peak": 36000,
	"notes": [],
}

benchmark := {
	"id": "llama70b-h100",
	"plan": "inference",
	"model": "llama-3.1-70b",
	"gpu": "H100-SXM",
	"location": pos(52, 5),
	"measured": "2026-05-01",
	"age_days": 75,
	"stale": false,
	"meets_slo": true,
	"output_tokens_per_s": 2400,
	"roofline_output_tokens_per_s": 3900,
	"above_roofline": false,
	"used": true,
	"gpus_per_replica": 8,
	"concurrency": 64,
	"input_tokens": 1000,
	"output_tokens": 300,
	"requests_per_s": 8,
}

reservation(zone, line) := {
	"address": sprintf("aws_ec2_capacity_reservation.h100_use1%s", [zone]),
	"resource_type": "aws_ec2_capacity_reservation",
	"file": tf_file,
	"line": line,
	"column": 1,
	"end_line": line + 8,
	"kind": "reservation",
	"instance_type": "p5.48xlarge",
	"count": 3,
	"gpus_per_instance": 8,
	"gpus": 24,
	"gpu": "H100-SXM",
	"zone": sprintf("us-east-1%s", [zone]),
	"start": "",
	"end": "",
	"guaranteed": true,
	"pool": "h100-use1",
}

# A vector database chat queries once a request: 120 queries/s at the
# 2026-07 peak against 400 (headroom 1 - 120/400 = 0.7), 123.6 in 2026-08
# (3% growth: headroom 1 - 123.6/400 = 0.691); no cliff. Under the
# aggressive scenario (6%) it passes the limit in month 21, 2028-04:
# 120 x 1.06^21 = 407.9 > 400 (month 20: 384.9), and a degraded mode is
# written.
dependency_timeline := [
	{"month": "2026-07", "limit": "queries_per_s", "capacity": 400, "required": 120, "headroom": 0.7},
	{"month": "2026-08", "limit": "queries_per_s", "capacity": 400, "required": 123.6, "headroom": 0.691},
]

dependency := {
	"name": "pgvector",
	"plan": "inference",
	"kind": "vector-db",
	"location": pos(70, 3),
	"lead_time_weeks": 0,
	"lead_time_months": 0,
	"commit_window_end": "2026-10",
	"headroom_min": 0.30,
	"min_headroom": 0.691,
	"min_headroom_month": "2026-08",
	"min_headroom_horizon": 0.691,
	"limit": "queries_per_s",
	"cliff": "",
	"cliff_limit": "",
	"order_by": "",
	"order_by_passed": false,
	"cliff_in_horizon": false,
	"exhausted": "",
	"timeline": dependency_timeline,
	"limits": [{
		"name": "queries_per_s",
		"capacity": 400,
		"required_peak": 123.6,
		"required_now": 120,
		"min_headroom": 0.691,
		"min_headroom_month": "2026-08",
		"cliff": "",
		"order_by": "",
		"exhausted": "",
		"timeline": dependency_timeline,
	}],
	"scenarios": {"moderate": {"monthly_growth": 0.03, "min_headroom": 0.691, "cliff": ""}},
	"contingency": {
		"scenario": "aggressive",
		"exceeds_limit": true,
		"first_month": "2028-04",
		"limit": "queries_per_s",
		"required": 407.9,
		"capacity": 400,
		"written": true,
	},
	"degraded_mode": "serve keyword search results when pgvector throttles",
	"workloads": ["chat"],
}

doc := {
	"version": "capcheck/v1",
	"now": "2026-07-15",
	"month": "2026-07",
	"plans": [plan],
	"pools": [pool],
	"workloads": [workload],
	"reservations": [reservation("a", 1), reservation("b", 10), object.union(reservation("c", 19), {"count": 2, "gpus": 16})],
	"unresolved": [],
	"benchmarks": [benchmark],
	"dependencies": [dependency],
	"binding_constraint": {
		"name": "h100-use1",
		"plan": "inference",
		"kind": "pool",
		"month": "",
		"limit": "",
		"min_headroom": 0.375,
		"order_by": "",
	},
}

# with_dependency is doc with its one dependency changed by patch.
with_dependency(patch) := object.union(doc, {"dependencies": [object.union(dependency, patch)]})

# with_pool is doc with its one pool changed by patch.
with_pool(patch) := object.union(doc, {"pools": [object.union(pool, patch)]})

# with_plan is doc with its one plan changed by patch.
with_plan(patch) := object.union(doc, {"plans": [object.union(plan, patch)]})

# with_workload is doc with its one workload changed by patch.
with_workload(patch) := object.union(doc, {"workloads": [object.union(workload, patch)]})

# with_benchmark is doc with its one benchmark changed by patch.
with_benchmark(patch) := object.union(doc, {"benchmarks": [object.union(benchmark, patch)]})

# diff is a pull request: head with base as the base tree.
diff(head, base) := object.union(head, {"base": base})

# audit is a healthy audit (`capcheck audit`) of doc over the 28 days to
# 2026-07-15: every audit rule (CAP020-CAP022) is silent on audit_doc.
# chat's plan p95 for 2026-07 is 120 x 1.03 = 123.6 (as_of 2026-06-01, one
# month of 3% growth); the observed p95 132 is 132 / 123.6 - 1 = 6.8% above.
audit_workload := {
	"name": "chat",
	"plan": "inference",
	"pool": "h100-use1",
	"kind": "llm-inference",
	"location": pos(42, 20),
	"source": "max_over_time((sum(rate(vllm_request_success_total[5m])))[1h:])",
	"unit": "requests/s",
	"basis": "p95",
	"samples": 672,
	"observed_peak": 141,
	"observed_peak_at": "2026-07-08T19:00:00Z",
	"observed_p95": 132,
	"observed_mean": 88,
	"observed": 132,
	"projected": 123.6,
	"projected_month": "2026-07",
	"drift": 0.06796116504854366,
	"drift_tolerance": 0.15,
	"direction": "above",
	"plan_monthly_growth": 0.03,
	"fit": {"method": "ets-additive", "model": "ETS(A,A,A) m=7", "days": 28, "monthly_growth": 0.031, "mase": 0.72},
	"fit_error": "",
}

# At chat's observed level (132 / 120 = 1.1 x 40 = 44 GPUs in 2026-12) the
# lowest commit-window headroom of h100-use1 is 1 - 44/64 = 0.3125: no cliff.
audit_pool := {
	"name": "h100-use1",
	"plan": "inference",
	"location": pos(20, 3),
	"warn_utilization": 0.70,
	"critical_utilization": 0.85,
	"reserved_utilization_min": 0.50,
	"gpu": {
		"source": "max_over_time((avg(DCGM_FI_DEV_GPU_UTIL{pool=\"h100-use1\"}) / 100)[1h:])",
		"samples": 672, "peak": 0.78, "peak_at": "2026-07-08T19:00:00Z", "p95": 0.62, "mean": 0.45,
	},
	"reservation": {
		"source": "avg_over_time(capcheck_reservation_utilization{pool=\"h100-use1\"}[1h])",
		"samples": 672, "peak": 0.94, "peak_at": "2026-07-08T19:00:00Z", "p95": 0.9, "mean": 0.81,
	},
	"reserved_gpus": 64,
	"cliff": "",
	"order_by": "",
	"min_headroom": 0.375,
	"refreshed_cliff": "",
	"refreshed_order_by": "",
	"refreshed_min_headroom": 0.3125,
	"refreshed_from": ["chat"],
}

audit := {
	"start": "2026-06-17T00:00:00Z",
	"end": "2026-07-15T00:00:00Z",
	"window_days": 28,
	"step_seconds": 3600,
	"months": ["2026-06", "2026-07"],
	"workloads": [audit_workload],
	"pools": [audit_pool],
	"not_audited": [],
}

# audit_doc is doc with the healthy audit.
audit_doc := object.union(doc, {"audit": audit})

# with_audit_workload is audit_doc with its one audited workload changed by patch.
with_audit_workload(patch) := object.union(audit_doc, {"audit": object.union(audit, {"workloads": [object.union(audit_workload, patch)]})})

# with_audit_pool is audit_doc with its one audited pool changed by patch.
with_audit_pool(patch) := object.union(audit_doc, {"audit": object.union(audit, {"pools": [object.union(audit_pool, patch)]})})

# with_not_audited is audit_doc listing entries as not audited.
with_not_audited(entries) := object.union(audit_doc, {"audit": object.union(audit, {"not_audited": entries})})
