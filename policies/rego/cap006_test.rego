package capcheck.rules.cap006_test

import data.capcheck.rules.cap006
import data.capcheck.test.fixtures as fx

test_peak_demand_passes if {
	count(cap006.deny) == 0 with input as fx.doc
}

test_denies_average_only_demand if {
	cap006.deny == {{
		"rule": "CAP006",
		"msg": "workload chat: demand is an average only; capacity follows peaks, so add requests_per_s.p95 or requests_per_s.peak",
		"target": "workload/chat",
		"location": {"file": "capacity/inference.cue", "line": 40, "column": 3},
	}} with input as fx.with_workload({"avg_only": true, "peak_basis": "avg"})
}
