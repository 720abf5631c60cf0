package capcheck.rules.cap035_test

import data.capcheck.rules.cap035
import data.capcheck.test.fixtures as fx

workload(deployed, drift) := {"name": "chat", "kubernetes": {
	"serves": [{"address": "Deployment/llm/vllm", "root": "k8s/clusters/prod", "count": 3, "gpus_per_replica": 8, "gpus": deployed, "at": {"file": "k8s/clusters/prod/kustomization.yaml", "line": 6, "column": 12}}],
	"deployed_gpus": deployed,
	"planned_gpus": 32,
	"drift": drift,
	"drift_tolerance": 0.15,
}}

test_check_document_passes if {
	count(cap035.warn) == 0 with input as fx.doc
}

# |24 − 32| / 32 = 25% > 15%.
test_warns_beyond_tolerance if {
	cap035.warn == {{
		"rule": "CAP035",
		"msg": "workload chat: 24 GPUs deployed at the autoscaling maximum (Deployment/llm/vllm (k8s/clusters/prod) 3 × 8 = 24), the plan sizes it for 32 GPUs this month: 25% apart, beyond the 15% drift tolerance; align the replicas or the plan",
		"target": "workload/chat",
		"location": {"file": "k8s/clusters/prod/kustomization.yaml", "line": 6, "column": 12},
	}} with input as {"workloads": [workload(24, 0.25)]}
}

# |28 − 32| / 32 = 12.5% is within 15%; exactly 15% too.
test_within_tolerance_passes if {
	count(cap035.warn) == 0 with input as {"workloads": [workload(28, 0.125)]}
	count(cap035.warn) == 0 with input as {"workloads": [workload(27.2, 0.15)]}
}
