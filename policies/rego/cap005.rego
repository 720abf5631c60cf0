# METADATA
# title: Capacity cliff's order-by date has passed
# description: >-
#   A pool's headroom falls below headroom_min later in the horizon (the
#   capacity cliff), and the last month to order GPUs so they arrive in time
#   (cliff minus the pool's lead time) is this month or already past.
# custom:
#   id: CAP005
#   severity: high
#   enforcement: soft-mandatory
package capcheck.rules.cap005

import data.capcheck.lib

deny contains f if {
	some pool in input.pools
	pool.cliff != ""
	pool.order_by_passed
	f := {
		"rule": "CAP005",
		"msg": sprintf("pool %s: capacity cliff in %s%s; with a %s-week lead time GPUs must be ordered by %s to arrive in time, and today is %s; order now or lower demand", [
			pool.name,
			pool.cliff,
			cliff_figures(pool),
			lib.num(pool.lead_time_weeks),
			pool.order_by,
			input.now,
		]),
		"target": sprintf("pool/%s", [pool.name]),
		"location": pool.location,
	}
}

cliff_figures(pool) := sprintf(" (headroom %s%%, below %s%%: needs %s GPUs, has %s)", [
	lib.pct_vs(e.headroom, pool.headroom_min),
	lib.pct(pool.headroom_min),
	lib.num(e.required_gpus),
	lib.num(e.capacity_gpus),
]) if {
	e := lib.month_entry(pool, pool.cliff)
} else := ""
