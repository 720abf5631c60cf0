# METADATA
# title: Benchmark missing, stale, not at SLO, or above the GPU's roofline
# description: >-
#   Throughput benchmarks turn demand into GPUs, so they must be recent
#   (benchmark_max_age_days, 180 by default), measured at the SLO when used,
#   and physically plausible: a decode throughput above the bound set by the
#   GPU's memory bandwidth is a measurement error. Workloads without a
#   matching benchmark, or whose token shape is far from the benchmark's, are
#   reported from the evaluator's notes, as is a roadmap step (a dated
#   model_mix) to a model benchmarked on more GPUs per replica.
# custom:
#   id: CAP009
#   severity: medium
#   enforcement: advisory
package capcheck.rules.cap009

import data.capcheck.lib

warn contains f if {
	some b in input.benchmarks
	b.stale
	f := {
		"rule": "CAP009",
		"msg": sprintf("benchmark %s (%s on %s): measured %s, %d days ago%s; re-run it on the current engine version", [
			b.id, b.model, b.gpu, b.measured, b.age_days, limit(b),
		]),
		"target": sprintf("benchmark/%s", [b.id]),
		"location": b.location,
	}
}

warn contains f if {
	some b in input.benchmarks
	b.used
	not b.meets_slo
	f := {
		"rule": "CAP009",
		"msg": sprintf("benchmark %s (%s on %s): sizes demand but was not measured at the SLO; use a point that meets the latency targets", [b.id, b.model, b.gpu]),
		"target": sprintf("benchmark/%s", [b.id]),
		"location": b.location,
	}
}

warn contains f if {
	some b in input.benchmarks
	b.above_roofline
	f := {
		"rule": "CAP009",
		"msg": sprintf("benchmark %s (%s on %s): %s output tokens/s per replica is above the %s tokens/s the GPU's memory bandwidth allows; check the measurement", [
			b.id, b.model, b.gpu,
			lib.num(b.output_tokens_per_s),
			lib.num(b.roofline_output_tokens_per_s),
		]),
		"target": sprintf("benchmark/%s", [b.id]),
		"location": b.location,
	}
}

warn contains f if {
	some w in input.workloads
	some n in w.notes
	n.code in lib.bench_note_codes
	f := {
		"rule": "CAP009",
		"msg": sprintf("workload %s: %s", [w.name, n.msg]),
		"target": sprintf("workload/%s", [w.name]),
		"location": n.location,
	}
}

limit(b) := sprintf(", over the %d-day limit", [p.policy.benchmark_max_age_days]) if {
	p := lib.plan(b.plan)
} else := ""
