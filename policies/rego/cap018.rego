# METADATA
# title: Plan entry matches nothing or is ignored
# description: >-
#   The evaluator could not use part of a plan: a pool's reservations entry
#   (address or glob) matches no Terraform reservation, or actuals were given
#   for a workload kind that does not take its baseline from them, or a
#   claimed reservation's zone lies in another region than the pool's, or a
#   price a cost needs is not given (spot, capacity block, cross-region
#   egress), or workloads of several Kubernetes overlays select one claimed
#   NodePool or ComputeClass. Any other evaluator note not covered by a rule
#   is reported here too, so no observation is dropped silently.
# custom:
#   id: CAP018
#   severity: low
#   enforcement: advisory
package capcheck.rules.cap018

import data.capcheck.lib

warn contains f if {
	some pool in input.pools
	some n in pool.notes
	f := {
		"rule": "CAP018",
		"msg": sprintf("pool %s: %s%s", [pool.name, n.msg, advice(n.code)]),
		"target": sprintf("pool/%s", [pool.name]),
		"location": n.location,
	}
}

warn contains f if {
	some w in input.workloads
	some n in w.notes
	not n.code in lib.bench_note_codes
	f := {
		"rule": "CAP018",
		"msg": sprintf("workload %s: %s%s", [w.name, n.msg, advice(n.code)]),
		"target": sprintf("workload/%s", [w.name]),
		"location": n.location,
	}
}

advice("CAP-LINK-NONE") := "; fix the address or glob, or remove the entry"

advice("CAP-TREND-IGNORED") := "; remove the actuals or model the workload by request rate"

advice("CAP-ZONE-REGION") := "; claim reservations in the pool's region, or correct the pool's region"

advice("CAP-EGRESS-PRICE") := "; give the pool's price_per_gb_egress (0 when the transfer is free)"

advice("CAP-SPOT-PRICE") := "; give price_per_gpu_hour.spot"

advice(code) := "" if not code in {"CAP-LINK-NONE", "CAP-TREND-IGNORED", "CAP-ZONE-REGION", "CAP-EGRESS-PRICE", "CAP-SPOT-PRICE"}
