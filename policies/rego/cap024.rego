# METADATA
# title: Dependency cliff's raise-by date has passed
# description: >-
#   A dependency's headroom falls below headroom_min later in the horizon,
#   and the last month to ask for a higher limit so it arrives in time
#   (the cliff minus the dependency's lead time) is this month or already
#   past, like a pool's order-by date (CAP005).
# custom:
#   id: CAP024
#   severity: high
#   enforcement: soft-mandatory
package capcheck.rules.cap024

import data.capcheck.lib

deny contains f if {
	some dep in input.dependencies
	dep.cliff != ""
	dep.order_by_passed
	f := {
		"rule": "CAP024",
		"msg": sprintf("dependency %s (%s): %s runs short of %s%% headroom in %s%s; with a %s-week lead time the limit must be raised by %s, and today is %s; ask for it now or lower demand", [
			dep.name,
			dep.kind,
			dep.cliff_limit,
			lib.pct(dep.headroom_min),
			dep.cliff,
			cliff_figures(dep),
			lib.num(dep.lead_time_weeks),
			dep.order_by,
			input.now,
		]),
		"target": sprintf("dependency/%s", [dep.name]),
		"location": dep.location,
	}
}

cliff_figures(dep) := lib.dependency_figures(l, dep.cliff) if {
	some l in dep.limits
	l.name == dep.cliff_limit
} else := ""
