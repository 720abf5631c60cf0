# METADATA
# title: Workload served from several regions does not survive losing its largest
# description: >-
#   Under policy.redundancy.domain region, a workload served from several
#   pools in different regions (pools: traffic shares) must survive losing
#   its n_plus largest regions: the pools left take the lost traffic in
#   proportion to their shares and still hold headroom_min on their
#   guaranteed GPUs, every month of the horizon. Add GPUs in the surviving
#   regions, or spread the traffic more evenly.
# custom:
#   id: CAP026
#   severity: high
#   enforcement: soft-mandatory
package capcheck.rules.cap026

import data.capcheck.lib

deny contains f if {
	some r in input.region_failover
	not r.ok
	r.pool != ""
	f := {
		"rule": "CAP026",
		"msg": sprintf("workload %s: losing %s (%s%% of its traffic) leaves pool %s (%s) at %s%% headroom in %s (needs %s GPUs, has %s), below %s%%; add GPUs in the surviving regions or spread the traffic", [
			r.workload,
			concat(", ", r.lost_regions),
			lib.pct(r.lost_share),
			r.pool,
			r.region,
			lib.pct_vs(r.headroom, r.headroom_min),
			r.month,
			lib.num(r.required_gpus),
			lib.num(r.capacity_gpus),
			lib.pct(r.headroom_min),
		]),
		"target": sprintf("workload/%s", [r.workload]),
		"location": r.location,
	}
}

deny contains f if {
	some r in input.region_failover
	not r.ok
	r.pool == ""
	f := {
		"rule": "CAP026",
		"msg": sprintf("workload %s: losing %s leaves no region to serve it; serve it from more regions than n_plus", [
			r.workload,
			concat(", ", r.lost_regions),
		]),
		"target": sprintf("workload/%s", [r.workload]),
		"location": r.location,
	}
}
