package capcheck.rules.cap010_test

import data.capcheck.rules.cap010
import data.capcheck.test.fixtures as fx

test_recent_review_passes if {
	count(cap010.warn) == 0 with input as fx.doc
}

test_review_at_limit_passes if {
	count(cap010.warn) == 0 with input as fx.with_plan({"reviewed_age_days": 92})
}

test_warns_on_stale_review if {
	cap010.warn == {{
		"rule": "CAP010",
		"msg": "plan inference: last reviewed 2026-04-13, 93 days ago (limit 92); review the plan and update reviewed",
		"target": "plan/inference",
		"location": {"file": "capacity/inference.cue", "line": 4, "column": 11},
	}} with input as fx.with_plan({"reviewed": "2026-04-13", "reviewed_age_days": 93})
}

test_baseline_at_limit_passes if {
	count(cap010.warn) == 0 with input as fx.with_workload({"baseline_age_days": 92})
}

test_warns_on_stale_baseline if {
	cap010.warn == {{
		"rule": "CAP010",
		"msg": "workload chat: demand baseline is as of 2026-04-13, 93 days ago (limit 92); refresh it from recent traffic",
		"target": "workload/chat",
		"location": {"file": "capacity/inference.cue", "line": 40, "column": 3},
	}} with input as fx.with_workload({"as_of": "2026-04-13", "baseline_age_days": 93})
}
