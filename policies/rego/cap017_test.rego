package capcheck.rules.cap017_test

import data.capcheck.rules.cap017
import data.capcheck.test.fixtures as fx

exception(expired) := {
	"rule": "CAP001",
	"target": "pool/h100-use1",
	"reason": "migration to us-east-2 in progress",
	"expires": "2026-07-01",
	"approved_by": "capacity-council",
	"expired": expired,
	"days_left": -14,
	"location": {"file": "capacity/inference.cue", "line": 70, "column": 5},
}

test_active_exception_passes if {
	count(cap017.warn) == 0 with input as fx.with_plan({"exceptions": [exception(false)]})
}

test_warns_on_expired_exception if {
	cap017.warn == {{
		"rule": "CAP017",
		"msg": "exception to CAP001 for pool/h100-use1 expired on 2026-07-01 and no longer applies; fix the finding, renew the exception (at most 90 days out) or remove it",
		"target": "plan/inference",
		"location": {"file": "capacity/inference.cue", "line": 70, "column": 5},
	}} with input as fx.with_plan({"exceptions": [exception(true)]})
}
