# METADATA
# title: Demand given as an average only
# description: >-
#   A workload's demand has only an average rate. Capacity must follow peaks,
#   so requests_per_s needs a p95 or peak value; sizing from the average
#   under-provisions every busy hour.
# custom:
#   id: CAP006
#   severity: high
#   enforcement: hard-mandatory
package capcheck.rules.cap006

deny contains f if {
	some w in input.workloads
	w.avg_only
	f := {
		"rule": "CAP006",
		"msg": sprintf("workload %s: demand is an average only; capacity follows peaks, so add requests_per_s.p95 or requests_per_s.peak", [w.name]),
		"target": sprintf("workload/%s", [w.name]),
		"location": w.location,
	}
}
