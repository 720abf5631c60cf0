# METADATA
# title: Capacity cliff's order-by date has passed
# description: >-
#   A pool's headroom falls below headroom_min later in the horizon (the
#   capacity cliff), and the last month to order GPUs so they arrive in time
#   (the cliff month's first day minus the pool's lead time in days) is today
#   or already past.
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
			order_by(pool),
			input.now,
		]),
		"target": sprintf("pool/%s", [pool.name]),
		"location": pool.location,
	}
}

# order_by is the order-by date (a day), or its month for documents
# without one.
order_by(pool) := pool.order_by_date if {
	pool.order_by_date != ""
} else := pool.order_by

cliff_figures(pool) := sprintf(" (headroom %s%%, below %s%%: %s)", [
	lib.pct_vs(e.headroom, pool.headroom_min),
	lib.pct(pool.headroom_min),
	lib.judged(e),
]) if {
	e := lib.month_entry(pool, pool.cliff)
} else := ""
