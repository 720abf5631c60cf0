package capcheck.rules.cap037_test

import data.capcheck.rules.cap037
import data.capcheck.test.fixtures as fx

at(line) := {"file": "k8s/classes.yaml", "line": line, "column": 7}

reserved(names, bound) := {
	"machine_type": "a3-highgpu-8g", "gpu": "H100-SXM", "accelerators": 8, "affinity": "Specific", "at": at(7),
	"specific": array.concat([{"name": n} | some n in names], [{"name": n, "reservations": ["google_compute_reservation.h100"]} | some n in bound]),
}

spot := {"accelerator": "nvidia-h100-80gb", "accelerators": 8, "gpu": "H100-SXM", "spot": true, "affinity": "None", "at": at(12)}

class(priorities) := {
	"address": "ComputeClass/h100",
	"resource_type": "ComputeClass",
	"file": "k8s/classes.yaml",
	"line": 1,
	"column": 1,
	"kubernetes": {"priorities": priorities},
}

test_check_document_passes if {
	count(cap037.deny) == 0 with input as fx.doc
	count(cap037.warn) == 0 with input as fx.doc
}

test_bound_passes if {
	d := {"reservations": [class([reserved([], ["h100-res"]), spot])]}
	count(cap037.deny) == 0 with input as d
	count(cap037.warn) == 0 with input as d
}

test_not_specific_passes if {
	d := {"reservations": [class([object.union(reserved(["h100-res"], []), {"affinity": "AnyBestEffort"})])]}
	count(cap037.deny) == 0 with input as d
	count(cap037.warn) == 0 with input as d
}

# The only accelerator priority names nothing that exists (the n4
# priority launches no accelerator): the class can launch no GPU node.
test_denies_only_priority_unbacked if {
	d := {"reservations": [class([
		object.union(reserved([], []), {"specific": [{"name": "h100-res", "project": "gpu-prod"}]}),
		{"machine_family": "n4", "at": at(12)},
	])]}
	count(cap037.warn) == 0 with input as d
	cap037.deny == {{
		"rule": "CAP037",
		"msg": "ComputeClass/h100 priority 1 (a3-highgpu-8g) has reservations.affinity Specific, but no Terraform google_compute_reservation or google_compute_future_reservation is named h100-res in project gpu-prod: no reservation backs it, so the class can launch no accelerator node; define the reservation in Terraform or add a priority that does not need it",
		"target": "kubernetes/ComputeClass/h100",
		"location": {"file": "k8s/classes.yaml", "line": 7, "column": 7},
	}} with input as d
}

test_warns_with_fallback if {
	d := {"reservations": [class([reserved(["h100-res", "h100-res-b"], []), spot])]}
	count(cap037.deny) == 0 with input as d
	cap037.warn == {{
		"rule": "CAP037",
		"msg": "ComputeClass/h100 priority 1 (a3-highgpu-8g) has reservations.affinity Specific, but no Terraform google_compute_reservation or google_compute_future_reservation is named h100-res or h100-res-b: no reservation backs it, so GKE falls back to priority 2; define the reservation in Terraform or drop it from the priority",
		"target": "kubernetes/ComputeClass/h100",
		"location": {"file": "k8s/classes.yaml", "line": 7, "column": 7},
	}} with input as d
}

test_warns_partly_bound if {
	d := {"reservations": [class([reserved(["typo-res"], ["h100-res"])])]}
	count(cap037.deny) == 0 with input as d
	some f in cap037.warn with input as d
	contains(f.msg, "is named typo-res: no reservation backs it, so only the priority's other reservations back it;")
}

test_two_fallbacks if {
	d := {"reservations": [class([reserved(["x"], []), spot, object.union(spot, {"at": at(20)})])]}
	some f in cap037.warn with input as d
	contains(f.msg, "GKE falls back to priorities 2, 3;")
}
