package capcheck.rules.cap033_test

import data.capcheck.rules.cap033
import data.capcheck.test.fixtures as fx

queues := [
	{"address": "ClusterQueue/training[\"h100\"]", "nominal_quota": 16, "borrowing_limit": 8, "borrowing_limited": true, "location": {"file": "k8s/kueue.yaml", "line": 9, "column": 1}},
	{"address": "ClusterQueue/research[\"h100\"]", "nominal_quota": 8, "borrowing_limit": 0, "borrowing_limited": false, "location": {"file": "k8s/kueue.yaml", "line": 30, "column": 1}},
]

# Nominal 16 + 8 = 24; with borrowing 24 + 8 = 32.
pool(guaranteed) := {"name": "h100", "kubernetes": {"queues": queues, "quota_gpus": 24, "admit_gpus": 32, "guaranteed_gpus": guaranteed}}

test_check_document_passes if {
	count(cap033.deny) == 0 with input as fx.doc
	count(cap033.warn) == 0 with input as fx.doc
}

test_denies_nominal_above_guaranteed if {
	d := {"pools": [pool(16)]}
	count(cap033.warn) == 0 with input as d
	cap033.deny == {{
		"rule": "CAP033",
		"msg": "pool h100: Kueue nominal quotas sum to 24 GPUs (ClusterQueue/research[\"h100\"] 8, ClusterQueue/training[\"h100\"] 16 + 8 borrowing), above the pool's 16 guaranteed GPUs; lower nominalQuota or reserve more GPUs",
		"target": "pool/h100",
		"location": {"file": "k8s/kueue.yaml", "line": 9, "column": 1},
	}} with input as d
}

test_warns_borrowing_above_guaranteed if {
	d := {"pools": [pool(24)]}
	count(cap033.deny) == 0 with input as d
	cap033.warn == {{
		"rule": "CAP033",
		"msg": "pool h100: Kueue nominal quotas and borrowing limits sum to 32 GPUs (ClusterQueue/research[\"h100\"] 8, ClusterQueue/training[\"h100\"] 16 + 8 borrowing), above the pool's 24 guaranteed GPUs; lower borrowingLimit or reserve more GPUs",
		"target": "pool/h100",
		"location": {"file": "k8s/kueue.yaml", "line": 9, "column": 1},
	}} with input as d
}

test_within_guaranteed_passes if {
	d := {"pools": [pool(32)]}
	count(cap033.deny) == 0 with input as d
	count(cap033.warn) == 0 with input as d
}
