package capcheck.rules.cap023_test

import data.capcheck.rules.cap023
import data.capcheck.test.fixtures as fx

# An llm-api workload at 8 requests/s peak, 3000 + 400 tokens a request
# (cached input counts): 8 x 3400 x 60 = 1,632,000 tokens a minute against
# 2,000,000: headroom 1 - 1632000/2000000 = 0.184 -> "18.4%".
short := {
	"name": "openai",
	"kind": "provider-api",
	"limit": "tokens_per_minute",
	"min_headroom": 0.184,
	"min_headroom_month": "2026-07",
	"timeline": [{"month": "2026-07", "limit": "tokens_per_minute", "capacity": 2000000, "required": 1632000, "headroom": 0.184}],
}

test_healthy_dependency_passes if {
	count(cap023.deny) == 0 with input as fx.doc
}

test_denies_headroom_below_minimum if {
	cap023.deny == {{
		"rule": "CAP023",
		"msg": "dependency openai (provider-api): tokens_per_minute headroom 18.4% in 2026-07 is below 30% (needs 1632000 tokens/min, limit 2000000 tokens/min); raise the limit or lower demand",
		"target": "dependency/openai",
		"location": {"file": "capacity/inference.cue", "line": 70, "column": 3},
	}} with input as fx.with_dependency(short)
}

# Exactly at the minimum is enough: 1 - 280/400 = 0.30.
test_headroom_at_minimum_passes if {
	count(cap023.deny) == 0 with input as fx.with_dependency({"min_headroom": 0.30})
}
