package capcheck.rules.cap024_test

import data.capcheck.rules.cap024
import data.capcheck.test.fixtures as fx

# 116 queries/s growing 10% a month pass 70% of an 800 queries/s limit
# (560) in month 17: 116 x 1.1^17 = 586.3, headroom 1 - 586.3/800 =
# 0.267 -> "26.7%"; a 4-week lead time is 1 month, so the limit must be
# raised by the month before the cliff. Here the cliff is 2026-08 and the
# raise-by month 2026-07 is this month.
limit := {
	"name": "queries_per_s",
	"timeline": [{"month": "2026-08", "limit": "queries_per_s", "capacity": 800, "required": 586.3, "headroom": 0.267}],
}

cliff := {
	"lead_time_weeks": 4,
	"lead_time_months": 1,
	"cliff": "2026-08",
	"cliff_limit": "queries_per_s",
	"order_by": "2026-07",
	"order_by_passed": true,
	"cliff_in_horizon": true,
	"limits": [limit],
}

test_no_cliff_passes if {
	count(cap024.deny) == 0 with input as fx.doc
}

test_denies_when_raise_by_reached if {
	cap024.deny == {{
		"rule": "CAP024",
		"msg": "dependency pgvector (vector-db): queries_per_s runs short of 30% headroom in 2026-08 (needs 586.3 queries/s, limit 800 queries/s); with a 4-week lead time the limit must be raised by 2026-07, and today is 2026-07-15; ask for it now or lower demand",
		"target": "dependency/pgvector",
		"location": {"file": "capacity/inference.cue", "line": 70, "column": 3},
	}} with input as fx.with_dependency(cliff)
}

test_allows_cliff_with_time_to_raise if {
	count(cap024.deny) == 0 with input as fx.with_dependency(object.union(cliff, {"cliff": "2027-08", "order_by": "2027-07", "order_by_passed": false}))
}
