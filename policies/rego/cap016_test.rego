package capcheck.rules.cap016_test

import data.capcheck.rules.cap016
import data.capcheck.test.fixtures as fx

exception(expires) := {
	"rule": "CAP001",
	"target": "pool/h100-use1",
	"reason": "migration to us-east-2 in progress",
	"expires": expires,
	"approved_by": "capacity-council",
	"expired": false,
	"days_left": 0,
	"location": {"file": "capacity/inference.cue", "line": 70, "column": 5},
}

test_no_exceptions_pass if {
	count(cap016.deny) == 0 with input as fx.doc
}

# 2026-07-15 + 90 days = 2026-10-13 (Jul 16, Aug 31, Sep 30, Oct 13 days).
test_expiry_at_90_days_passes if {
	count(cap016.deny) == 0 with input as fx.with_plan({"exceptions": [exception("2026-10-13")]})
}

test_denies_expiry_past_90_days if {
	cap016.deny == {{
		"rule": "CAP016",
		"msg": "exception to CAP001 for pool/h100-use1 expires 2026-10-14, 91 days from today (2026-07-15); set an expiry at most 90 days out",
		"target": "plan/inference",
		"location": {"file": "capacity/inference.cue", "line": 70, "column": 5},
	}} with input as fx.with_plan({"exceptions": [exception("2026-10-14")]})
}

test_denies_missing_reason if {
	e := object.union(exception("2026-08-01"), {"reason": " "})
	fs := cap016.deny with input as fx.with_plan({"exceptions": [e]})
	{f.msg | some f in fs} == {"exception to CAP001 for pool/h100-use1 has no reason; a reason and an expiry at most 90 days out are mandatory"}
}
