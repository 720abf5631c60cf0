package capcheck.rules.cap026_test

import data.capcheck.rules.cap026
import data.capcheck.test.fixtures as fx

# Workload api, 60% in us-east-1 and 40% in eu-west-1 at 100 requests/s
# and 1 request/s a GPU: losing us-east-1 leaves pool eu with all 100
# GPUs' worth of traffic on 140 guaranteed GPUs, 1 - 100/140 = 0.2857
# headroom, "28.6%" below 30%.
failover := {
	"workload": "api",
	"plan": "inference",
	"location": {"file": "capacity/inference.cue", "line": 30, "column": 12},
	"shares": {"us-east-1": 0.6, "eu-west-1": 0.4},
	"lost_regions": ["us-east-1"],
	"lost_share": 0.6,
	"headroom_min": 0.3,
	"ok": false,
	"pool": "eu",
	"region": "eu-west-1",
	"month": "2026-03",
	"headroom": 0.2857142857,
	"required_gpus": 100,
	"capacity_gpus": 140,
}

test_healthy_passes if {
	count(cap026.deny) == 0 with input as fx.doc
}

test_survives if {
	count(cap026.deny) == 0 with input as object.union(fx.doc, {"region_failover": [object.union(failover, {"ok": true, "headroom": 0.3333, "capacity_gpus": 150})]})
}

test_denies_short_failover if {
	cap026.deny == {{
		"rule": "CAP026",
		"msg": "workload api: losing us-east-1 (60% of its traffic) leaves pool eu (eu-west-1) at 28.6% headroom in 2026-03 (needs 100 GPUs, has 140), below 30%; add GPUs in the surviving regions or spread the traffic",
		"target": "workload/api",
		"location": failover.location,
	}} with input as object.union(fx.doc, {"region_failover": [failover]})
}

test_denies_no_region_left if {
	cap026.deny == {{
		"rule": "CAP026",
		"msg": "workload api: losing us-east-1 leaves no region to serve it; serve it from more regions than n_plus",
		"target": "workload/api",
		"location": failover.location,
	}} with input as object.union(fx.doc, {"region_failover": [object.union(failover, {"pool": "", "region": "", "lost_share": 1, "headroom": -1})]})
}
