package capcheck.rules.cap031_test

import data.capcheck.rules.cap031
import data.capcheck.test.fixtures as fx

pool(limit) := {
	"name": "h100",
	"required_gpus_peak": 37,
	"timeline": [{"month": "2026-12", "required_gpus": 30}, {"month": "2027-01", "required_gpus": 37}, {"month": "2027-02", "required_gpus": 37}],
	"kubernetes": {
		"nodepools": [{"address": "NodePool/gpu-h100", "gpus": limit, "at": {"file": "k8s/karpenter.yaml", "line": 14, "column": 21}}],
		"limit_gpus": limit,
	},
}

test_check_document_passes if {
	count(cap031.deny) == 0 with input as fx.doc
}

# 32 < 37, the peak first reached in 2027-01.
test_denies_limit_below_peak if {
	cap031.deny == {{
		"rule": "CAP031",
		"msg": "pool h100: Karpenter NodePool limits allow 32 GPUs (NodePool/gpu-h100 32), below the 37 GPUs the plan requires at its peak in 2027-01; raise spec.limits or autoscaling can never get there",
		"target": "pool/h100",
		"location": {"file": "k8s/karpenter.yaml", "line": 14, "column": 21},
	}} with input as {"pools": [pool(32)]}
}

test_limit_at_peak_passes if {
	count(cap031.deny) == 0 with input as {"pools": [pool(37)]}
}

test_no_nodepool_passes if {
	p := object.union(pool(0), {"kubernetes": {"nodepools": [], "limit_gpus": 0}})
	count(cap031.deny) == 0 with input as {"pools": [p]}
}
