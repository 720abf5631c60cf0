package capcheck.rules.cap038_test

import data.capcheck.rules.cap038
import data.capcheck.test.fixtures as fx

at(line) := {"file": "k8s/classes.yaml", "line": line, "column": 7}

h100 := {"machine_type": "a3-highgpu-8g", "gpu": "H100-SXM", "accelerators": 8, "at": at(7)}

l4 := {"accelerator": "nvidia-l4", "gpu": "L4", "accelerators": 1, "spot": true, "at": at(12)}

a100 := {"machine_type": "a2-highgpu-8g", "gpu": "A100-40GB", "accelerators": 8, "at": at(15)}

unknown := {"accelerator": "nvidia-future", "accelerators": 1, "at": at(18)}

pool(priorities) := {"name": "h100-use1", "gpu": "H100-SXM", "kubernetes": {"computeclasses": [{
	"address": "ComputeClass/llm",
	"priorities": priorities,
}]}}

test_check_document_passes if {
	count(cap038.deny) == 0 with input as fx.doc
	count(cap038.warn) == 0 with input as fx.doc
}

# Every priority launches H100-SXM, or a GPU the catalog does not know
# (nothing to compare), or none: nothing.
test_same_gpu_passes if {
	d := {"pools": [pool([h100, unknown, {"machine_family": "n4", "at": at(20)}])]}
	count(cap038.deny) == 0 with input as d
	count(cap038.warn) == 0 with input as d
}

test_warns_fallback_to_another_gpu if {
	d := {"pools": [pool([h100, l4])]}
	count(cap038.deny) == 0 with input as d
	cap038.warn == {{
		"rule": "CAP038",
		"msg": "pool h100-use1: ComputeClass/llm launches L4 (priority 2, 1 × nvidia-l4, spot), besides the pool's H100-SXM (priority 1): when those are unavailable its workloads land on GPUs the plan does not count; drop the other priorities or plan them in a pool of that GPU",
		"target": "pool/h100-use1",
		"location": {"file": "k8s/classes.yaml", "line": 12, "column": 7},
	}} with input as d
}

test_denies_no_priority_of_the_pool_gpu if {
	d := {"pools": [pool([a100, l4])]}
	count(cap038.warn) == 0 with input as d
	cap038.deny == {{
		"rule": "CAP038",
		"msg": "pool h100-use1: ComputeClass/llm launches A100-40GB (priority 1, a2-highgpu-8g), L4 (priority 2, 1 × nvidia-l4, spot), none of them the pool's H100-SXM: its workloads run on GPUs the plan does not count; change the class's priorities or claim it from a pool of that GPU",
		"target": "pool/h100-use1",
		"location": {"file": "k8s/classes.yaml", "line": 15, "column": 7},
	}} with input as d
}
