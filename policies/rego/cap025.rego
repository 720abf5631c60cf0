# METADATA
# title: Dependency past its limit in the contingency scenario without a degraded mode
# description: >-
#   Under the plan's contingency scenario (aggressive by default) demand on
#   a dependency passes its limit, and the dependency has no degraded_mode
#   saying how service is throttled or degraded (queueing, caching, a
#   smaller model, shedding low-priority traffic), like a pool's
#   contingency (CAP008).
# custom:
#   id: CAP025
#   severity: medium
#   enforcement: advisory
package capcheck.rules.cap025

import data.capcheck.lib

warn contains f if {
	some dep in input.dependencies
	c := dep.contingency
	c.exceeds_limit
	not c.written
	f := {
		"rule": "CAP025",
		"msg": sprintf("dependency %s (%s): the %s scenario needs %s from %s, above the %s limit of %s, and no degraded_mode is written; write how traffic is throttled or degraded", [
			dep.name,
			dep.kind,
			c.scenario,
			lib.limit_amount(c.limit, c.required),
			c.first_month,
			c.limit,
			lib.limit_amount(c.limit, c.capacity),
		]),
		"target": sprintf("dependency/%s", [dep.name]),
		"location": dep.location,
	}
}
