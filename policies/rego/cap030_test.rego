package capcheck.rules.cap030_test

import data.capcheck.rules.cap030
import data.capcheck.test.fixtures as fx

# vllm: 5 replicas at the HPA maximum × 8 GPUs = 40; embed 2 × 1 = 2:
# 42 GPUs. The pool holds 48 guaranteed GPUs, 48 × (1 − 0.30) = 33.6
# usable.
workloads := [
	{"address": "Deployment/llm/vllm", "root": "k8s/clusters/prod", "gpus": 40, "count": 5, "gpus_per_replica": 8, "at": {"file": "k8s/hpa.yaml", "line": 9, "column": 16}},
	{"address": "Deployment/llm/embed", "root": ".", "gpus": 2, "count": 2, "gpus_per_replica": 1, "at": {"file": "k8s/embed.yaml", "line": 6, "column": 13}},
]

pool(capacity, usable) := {
	"name": "h100",
	"strategy": "reserved",
	"headroom_min": 0.3,
	"kubernetes": {"workloads": workloads, "workload_gpus_max": 42, "capacity_gpus": capacity, "usable_gpus": usable},
}

test_check_document_passes if {
	count(cap030.deny) == 0 with input as fx.doc
	count(cap030.warn) == 0 with input as fx.doc
}

test_denies_over_capacity if {
	d := {"pools": [pool(32, 22.4)]}
	count(cap030.warn) == 0 with input as d
	cap030.deny == {{
		"rule": "CAP030",
		"msg": "pool h100: Kubernetes workloads can request 42 GPUs at their autoscaling maximum (Deployment/llm/embed 2 × 1 = 2, Deployment/llm/vllm (k8s/clusters/prod) 5 × 8 = 40), above the pool's 32 guaranteed GPUs; lower the autoscaling maximum or add capacity",
		"target": "pool/h100",
		"location": {"file": "k8s/hpa.yaml", "line": 9, "column": 16},
	}} with input as d
}

test_warns_into_headroom if {
	d := {"pools": [pool(48, 33.6)]}
	count(cap030.deny) == 0 with input as d
	cap030.warn == {{
		"rule": "CAP030",
		"msg": "pool h100: Kubernetes workloads can request 42 GPUs at their autoscaling maximum (Deployment/llm/embed 2 × 1 = 2, Deployment/llm/vllm (k8s/clusters/prod) 5 × 8 = 40), leaving less than the 30% headroom the plan requires (at most 33.6 of 48 guaranteed GPUs); lower the autoscaling maximum or add capacity",
		"target": "pool/h100",
		"location": {"file": "k8s/hpa.yaml", "line": 9, "column": 16},
	}} with input as d
}

# 42 ≤ 60 × 0.7 = 42: exactly at the line, nothing.
test_passes_at_the_line if {
	d := {"pools": [pool(60, 42)]}
	count(cap030.deny) == 0 with input as d
	count(cap030.warn) == 0 with input as d
}

test_hybrid_counts_elastic if {
	d := {"pools": [object.union(pool(32, 22.4), {"strategy": "hybrid"})]}
	some f in cap030.deny with input as d
	contains(f.msg, "above the pool's 32 guaranteed and elastic GPUs")
}
