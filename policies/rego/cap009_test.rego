package capcheck.rules.cap009_test

import data.capcheck.rules.cap009
import data.capcheck.test.fixtures as fx

bench_loc := {"file": "capacity/inference.cue", "line": 52, "column": 5}

test_fresh_benchmark_passes if {
	count(cap009.warn) == 0 with input as fx.doc
}

test_warns_on_stale_benchmark if {
	cap009.warn == {{
		"rule": "CAP009",
		"msg": "benchmark llama70b-h100 (llama-3.1-70b on H100-SXM): measured 2025-12-01, 226 days ago, over the 180-day limit; re-run it on the current engine version",
		"target": "benchmark/llama70b-h100",
		"location": bench_loc,
	}} with input as fx.with_benchmark({"measured": "2025-12-01", "age_days": 226, "stale": true})
}

test_warns_on_used_benchmark_not_at_slo if {
	cap009.warn == {{
		"rule": "CAP009",
		"msg": "benchmark llama70b-h100 (llama-3.1-70b on H100-SXM): sizes demand but was not measured at the SLO; use a point that meets the latency targets",
		"target": "benchmark/llama70b-h100",
		"location": bench_loc,
	}} with input as fx.with_benchmark({"meets_slo": false})
}

test_unused_benchmark_off_slo_passes if {
	count(cap009.warn) == 0 with input as fx.with_benchmark({"meets_slo": false, "used": false})
}

test_warns_above_roofline if {
	cap009.warn == {{
		"rule": "CAP009",
		"msg": "benchmark llama70b-h100 (llama-3.1-70b on H100-SXM): 5200 output tokens/s per replica is above the 3900 tokens/s the GPU's memory bandwidth allows; check the measurement",
		"target": "benchmark/llama70b-h100",
		"location": bench_loc,
	}} with input as fx.with_benchmark({"output_tokens_per_s": 5200, "above_roofline": true})
}

test_warns_on_benchmark_notes if {
	note_loc := {"file": "capacity/inference.cue", "line": 44, "column": 7}
	d := fx.with_workload({"notes": [
		{"code": "CAP-BENCH-SHAPE", "msg": "input tokens 2000 are 4.0x the benchmark's 500", "location": note_loc},
		{"code": "CAP-OTHER", "msg": "not a benchmark note", "location": note_loc},
	]})
	cap009.warn == {{
		"rule": "CAP009",
		"msg": "workload chat: input tokens 2000 are 4.0x the benchmark's 500",
		"target": "workload/chat",
		"location": note_loc,
	}} with input as d
}

test_warns_on_roadmap_replica_growth if {
	note_loc := {"file": "capacity/inference.cue", "line": 52, "column": 9}
	msg := "from 2027-06-01 the model_mix moves to llama-3.1-405b, sized at 8 GPUs per replica (llama-3.1-70b needs 2 before it): every replica of it takes 4× the GPUs; check that the pool's nodes hold one"
	d := fx.with_workload({"notes": [{"code": "CAP-ROADMAP-GPR", "msg": msg, "location": note_loc}]})
	cap009.warn == {{
		"rule": "CAP009",
		"msg": concat("", ["workload chat: ", msg]),
		"target": "workload/chat",
		"location": note_loc,
	}} with input as d
}

test_warns_on_undetermined_fixed_cost if {
	note_loc := {"file": "capacity/inference.cue", "line": 44, "column": 7}
	d := fx.with_workload({"notes": [{"code": "CAP-BENCH-FIXED", "msg": "benchmarks pa, pb of model \"m\" cannot determine the fixed per-request cost", "location": note_loc}]})
	cap009.warn == {{
		"rule": "CAP009",
		"msg": "workload chat: benchmarks pa, pb of model \"m\" cannot determine the fixed per-request cost",
		"target": "workload/chat",
		"location": note_loc,
	}} with input as d
}
