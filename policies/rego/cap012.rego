# METADATA
# title: Reservation ends inside the horizon while demand remains
# description: >-
#   A reservation a pool counts on ends before the plan's horizon does, and
#   the pool still needs the capacity afterwards: renew it or plan its
#   replacement before the lead time runs out.
# custom:
#   id: CAP012
#   severity: medium
#   enforcement: advisory
package capcheck.rules.cap012

import data.capcheck.lib

warn contains f if {
	some pool in input.pools
	some x in pool.expiring
	f := {
		"rule": "CAP012",
		"msg": sprintf("pool %s: reservation %s (%s GPUs) ends %s while the pool still needs capacity in %s%s; renew it or plan a replacement (lead time %s weeks)", [
			pool.name,
			x.address,
			lib.num(x.gpus),
			x.end,
			x.month,
			need(pool, x.month),
			lib.num(pool.lead_time_weeks),
		]),
		"target": sprintf("reservation/%s", [x.address]),
		"location": x.location,
	}
}

need(pool, m) := sprintf(" (%s GPUs required, %s left)", [lib.num(e.required_gpus), lib.num(e.capacity_gpus)]) if {
	e := lib.month_entry(pool, m)
} else := ""
