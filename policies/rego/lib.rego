# Package capcheck.lib holds the helpers the built-in rules share: number
# formatting for messages and lookups in the policy input document. It has no
# deny or warn rules of its own and is reserved: user policies may import it
# but not add to it.
package capcheck.lib

# num formats a GPU count or any other figure for a message: whole numbers
# without decimals, others with one decimal (51.25 -> "51.3").
num(x) := sprintf("%d", [round(x)]) if {
	round(x * 10) == round(x) * 10
} else := fixed(round(x * 10) / 10, 1)

# pct formats a fraction 0..1 as a percentage without the sign (0.175 -> "17.5").
pct(x) := num(x * 100)

# pct_vs formats x as pct does, with more decimals when pct would print it
# equal to the limit it is judged against although it differs (0.8501
# against 0.85 -> "85.01", never "85% is above 85%").
pct_vs(x, limit) := pct(x) if {
	pct(x) != pct(limit)
} else := pct(x) if {
	x == limit
} else := fixed(x * 100, 2) if {
	round(x * 10000) != round(limit * 10000)
} else := fixed(x * 100, 4)

# fixed formats x with d decimals (d is 1, 2 or 4). OPA passes a whole
# number to sprintf as an integer, which "%.2f" cannot print ("%!f(int64=85)"),
# so whole numbers are written as "%d" followed by d zeros.
fixed(x, d) := sprintf("%d.%s", [x, substring("0000", 0, d)]) if {
	x == round(x)
} else := sprintf(concat("", ["%.", format_int(d, 10), "f"]), [x])

# money formats a monthly cost rounded to whole currency units.
money(x, currency) := sprintf("%s %d", [currency, round(x)])

# plan returns the plan document named name.
plan(name) := p if {
	some p in input.plans
	p.name == name
}

# plan_pos is where a field of plan p is written (positions key such as
# "policy.headroom_min"), falling back to the start of the plan.
plan_pos(p, key) := pos if {
	pos := p.positions[key]
} else := {"file": p.file, "line": p.line, "column": 0}

# resource_pos is where a Terraform reservation or unresolved resource starts.
resource_pos(r) := {"file": r.file, "line": r.line, "column": r.column}

# month_entry is the timeline entry of pool for month m.
month_entry(pool, m) := e if {
	some e in pool.timeline
	e.month == m
}

# judged describes what a timeline month was judged on: guaranteed GPUs
# against the peak (the reserved strategy, and documents without a basis),
# guaranteed GPUs against the baseline (hybrid), or guaranteed plus elastic
# GPUs against the peak (hybrid, on-demand).
judged(e) := sprintf("baseline needs %s GPUs, has %s guaranteed", [num(e.judged_required_gpus), num(e.judged_capacity_gpus)]) if {
	e.basis == "baseline"
} else := sprintf("peak needs %s GPUs, has %s guaranteed and elastic", [num(e.judged_required_gpus), num(e.judged_capacity_gpus)]) if {
	e.basis == "burst"
} else := sprintf("needs %s GPUs, has %s", [num(e.required_gpus), num(e.capacity_gpus)])

# base_pool is the base tree's pool named name, in a PR diff.
base_pool(name) := b if {
	some b in input.base.pools
	b.name == name
}

# unbacked_added holds for a pool whose change adds unbacked GPUs: in a PR diff,
# a pool that exists in the base and reserves more GPUs in the head, or a new
# pool, with reserved GPUs above what the forecast backs. CAP004 denies it;
# CAP007 (existing waste) skips it so one problem yields one finding.
unbacked_added(pool) if {
	pool.unbacked_gpus > 0
	b := base_pool(pool.name)
	pool.reserved_gpus > b.reserved_gpus
}

unbacked_added(pool) if {
	pool.unbacked_gpus > 0
	input.base
	not base_pool(pool.name)
}

# bench_note_codes are the evaluator's workload notes about benchmarks
# (CAP009), CAP-ROADMAP-GPR a roadmap step to a model benchmarked on more
# GPUs per replica; CAP018 reports every other note, so none is dropped.
bench_note_codes := {"CAP-BENCH-SHAPE", "CAP-BENCH-MISSING", "CAP-BENCH-SLO", "CAP-BENCH-FIXED", "CAP-BENCH-RANGE", "CAP-ROADMAP-GPR"}

# limit_units are the units of a dependency's limits, for messages.
limit_units := {
	"tokens_per_minute": "tokens/min",
	"requests_per_minute": "requests/min",
	"queries_per_s": "queries/s",
	"gbit_per_s": "Gbit/s",
	"capacity_gb": "GB",
}

# limit_amount formats an amount of a dependency limit with its unit
# (1632000 tokens_per_minute -> "1632000 tokens/min").
limit_amount(limit, x) := sprintf("%s %s", [num(x), limit_units[limit]]) if {
	limit_units[limit]
} else := num(x)

# dependency_figures is " (needs 1632000 tokens/min, limit 2000000
# tokens/min)" for month m of a dependency's (or one limit's) timeline,
# "" when the month has no entry.
dependency_figures(dep, m) := sprintf(" (needs %s, limit %s)", [
	limit_amount(e.limit, e.required),
	limit_amount(e.limit, e.capacity),
]) if {
	e := month_entry(dep, m)
} else := ""

# k8s_object_gpus is "Deployment/llm/vllm-70b 3 × 8 = 24" for a Kubernetes
# workload of a pool's or workload's kubernetes document (replicas at the
# autoscaling maximum × GPUs per replica), with its manifest tree when it
# is a Kustomize overlay's.
k8s_object_gpus(o) := sprintf("%s%s %d × %s = %s", [o.address, k8s_root(o), o.count, num(o.gpus_per_replica), num(o.gpus)])

k8s_root(o) := sprintf(" (%s)", [o.root]) if {
	not o.root in {"", "."}
} else := ""

# k8s_queue is `ClusterQueue/training["h100"] 16 + 8 borrowing` for a
# Kueue queue flavor.
k8s_queue(q) := sprintf("%s %s + %s borrowing", [q.address, num(q.nominal_quota), num(q.borrowing_limit)]) if {
	q.borrowing_limited
} else := sprintf("%s %s", [q.address, num(q.nominal_quota)])

# k8s_class_priority describes a GKE ComputeClass priority by what it
# launches: its machine type ("a3-highgpu-8g"), else its accelerators
# ("8 × nvidia-h100-80gb"), else its machine family ("machine family
# n4"), with ", spot" for spot VMs.
k8s_class_priority(p) := concat("", [k8s_class_machine(p), k8s_class_spot(p)])

k8s_class_machine(p) := p.machine_type if {
	object.get(p, "machine_type", "") != ""
} else := sprintf("%s × %s", [num(p.accelerators), p.accelerator]) if {
	object.get(p, "accelerator", "") != ""
	object.get(p, "accelerators", 0) > 0
} else := p.accelerator if {
	object.get(p, "accelerator", "") != ""
} else := sprintf("machine family %s", [p.machine_family]) if {
	object.get(p, "machine_family", "") != ""
} else := "no machine named"

k8s_class_spot(p) := ", spot" if {
	object.get(p, "spot", false)
} else := ""
