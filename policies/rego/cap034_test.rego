package capcheck.rules.cap034_test

import data.capcheck.rules.cap034
import data.capcheck.test.fixtures as fx

pool(training) := {"name": "h100", "kubernetes": {
	"queues": [{"address": "ClusterQueue/training[\"h100\"]", "nominal_quota": 16, "borrowing_limit": 8, "borrowing_limited": true, "location": {"file": "k8s/kueue.yaml", "line": 9, "column": 1}}],
	"admit_gpus": 24,
	"training_gpus_peak": training,
	"training_peak_month": "2027-03",
}}

test_check_document_passes if {
	count(cap034.deny) == 0 with input as fx.doc
}

# 40 > 16 + 8.
test_denies_unadmittable_training if {
	cap034.deny == {{
		"rule": "CAP034",
		"msg": "pool h100: the plan's training demand peaks at 40 GPUs in 2027-03, above the 24 GPUs its Kueue queues can admit (ClusterQueue/training[\"h100\"] 16 + 8 borrowing); raise nominalQuota or the training cannot be admitted",
		"target": "pool/h100",
		"location": {"file": "k8s/kueue.yaml", "line": 9, "column": 1},
	}} with input as {"pools": [pool(40)]}
}

test_admittable_passes if {
	count(cap034.deny) == 0 with input as {"pools": [pool(24)]}
}
