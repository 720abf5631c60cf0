# METADATA
# title: Reserved GPUs under-used
# description: >-
#   Audit (`capcheck audit`): a pool's reserved GPUs were in use less than the
#   plan's reserved_utilization_min on average over the audit window: money is
#   paid for capacity that sits idle. A pool without a reservation
#   utilisation source is reported as not audited.
# custom:
#   id: CAP022
#   severity: medium
#   enforcement: advisory
package capcheck.rules.cap022

import data.capcheck.lib

warn contains f if {
	some p in input.audit.pools
	p.reservation.mean < p.reserved_utilization_min
	f := {
		"rule": "CAP022",
		"msg": sprintf("pool %s: reserved GPUs were %s%% utilised on average over the %s days to %s, below the %s%% minimum (%s GPUs reserved); release or resize reservations, or move workloads onto them", [
			p.name,
			lib.pct_vs(p.reservation.mean, p.reserved_utilization_min),
			lib.num(input.audit.window_days),
			substring(input.audit.end, 0, 10),
			lib.pct(p.reserved_utilization_min),
			lib.num(p.reserved_gpus),
		]),
		"target": sprintf("pool/%s", [p.name]),
		"location": p.location,
	}
}

warn contains f if {
	some n in input.audit.not_audited
	n.what == "reservation_utilization"
	f := {
		"rule": "CAP022",
		"msg": sprintf("pool %s: reservation utilisation not audited: %s", [n.name, n.reason]),
		"target": n.target,
		"location": n.location,
	}
}
