package capcheck.rules.cap036_test

import data.capcheck.rules.cap036
import data.capcheck.test.fixtures as fx

workload(per, bench) := {"name": "chat", "kubernetes": {
	"serves": [{"address": "Deployment/llm/vllm", "gpus_per_replica": per, "location": {"file": "k8s/apps/base/vllm.yaml", "line": 1, "column": 1}}],
	"benchmark_gpus_per_replica": bench,
}}

test_check_document_passes if {
	count(cap036.deny) == 0 with input as fx.doc
}

test_denies_fewer_gpus_than_benchmark if {
	cap036.deny == {{
		"rule": "CAP036",
		"msg": "workload chat: Deployment/llm/vllm requests 4 GPUs per replica, fewer than the 8 its benchmark assumes (gpus_per_replica); the model may not fit and the planned throughput was not measured",
		"target": "kubernetes/Deployment/llm/vllm",
		"location": {"file": "k8s/apps/base/vllm.yaml", "line": 1, "column": 1},
	}} with input as {"workloads": [workload(4, 8)]}
}

test_as_many_or_more_passes if {
	count(cap036.deny) == 0 with input as {"workloads": [workload(8, 8)]}
	count(cap036.deny) == 0 with input as {"workloads": [workload(16, 8)]}
}

test_no_benchmark_passes if {
	count(cap036.deny) == 0 with input as {"workloads": [workload(1, 0)]}
}
