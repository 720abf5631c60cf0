package capcheck.rules.cap008_test

import data.capcheck.rules.cap008
import data.capcheck.test.fixtures as fx

short := {"contingency": {"exceeds_capacity": true, "first_month": "2027-02", "required_gpus": 70, "written": false}}

test_covered_contingency_passes if {
	count(cap008.warn) == 0 with input as fx.doc
}

test_warns_without_contingency_text if {
	cap008.warn == {{
		"rule": "CAP008",
		"msg": "pool h100-use1: the aggressive scenario needs 70 GPUs from 2027-02, above the 64 guaranteed, and plan inference has no contingency; write how service degrades (cached answers, smaller model, shed low-priority traffic)",
		"target": "pool/h100-use1",
		"location": {"file": "capacity/inference.cue", "line": 20, "column": 3},
	}} with input as fx.with_pool(short)
}

test_written_contingency_passes if {
	count(cap008.warn) == 0 with input as fx.with_pool({"contingency": {"exceeds_capacity": true, "written": true}})
}

# A hybrid pool's contingency judged on guaranteed + elastic GPUs against
# the peak (basis burst) says so.
test_burst_basis_names_elastic_capacity if {
	some f in cap008.warn with input as fx.with_pool({"contingency": {"exceeds_capacity": true, "first_month": "2026-05", "required_gpus": 68, "capacity_gpus": 64, "basis": "burst", "written": false}})
	f.msg == "pool h100-use1: the aggressive scenario needs 68 GPUs from 2026-05, above the 64 guaranteed and elastic, and plan inference has no contingency; write how service degrades (cached answers, smaller model, shed low-priority traffic)"
}
