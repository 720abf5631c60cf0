package capcheck.rules.cap025_test

import data.capcheck.rules.cap025
import data.capcheck.test.fixtures as fx

test_written_degraded_mode_passes if {
	count(cap025.warn) == 0 with input as fx.doc
}

# The fixture's aggressive scenario passes the 400 queries/s limit in
# 2028-04 at 407.9 queries/s; without a degraded mode that warns.
test_warns_without_degraded_mode if {
	cap025.warn == {{
		"rule": "CAP025",
		"msg": "dependency pgvector (vector-db): the aggressive scenario needs 407.9 queries/s from 2028-04, above the queries_per_s limit of 400 queries/s, and no degraded_mode is written; write how traffic is throttled or degraded",
		"target": "dependency/pgvector",
		"location": {"file": "capacity/inference.cue", "line": 70, "column": 3},
	}} with input as fx.with_dependency({"degraded_mode": "", "contingency": object.union(fx.dependency.contingency, {"written": false})})
}

test_within_limit_passes if {
	count(cap025.warn) == 0 with input as fx.with_dependency({"contingency": {"exceeds_limit": false, "written": false}})
}
