# METADATA
# title: Contingency scenario exceeds capacity without a written contingency
# description: >-
#   Under the plan's contingency scenario (aggressive by default) a pool's
#   requirement exceeds its guaranteed capacity, and the plan has no
#   contingency text saying how service degrades (cached answers, a smaller
#   model, shedding low-priority traffic).
# custom:
#   id: CAP008
#   severity: medium
#   enforcement: advisory
package capcheck.rules.cap008

import data.capcheck.lib

warn contains f if {
	some pool in input.pools
	c := pool.contingency
	c.exceeds_capacity
	not c.written
	f := {
		"rule": "CAP008",
		"msg": sprintf("pool %s: the %s scenario needs %s GPUs from %s, above the %s %s, and plan %s has no contingency; write how service degrades (cached answers, smaller model, shed low-priority traffic)", [
			pool.name,
			c.scenario,
			lib.num(c.required_gpus),
			c.first_month,
			lib.num(c.capacity_gpus),
			capacity_kind(c),
			pool.plan,
		]),
		"target": sprintf("pool/%s", [pool.name]),
		"location": pool.location,
	}
}

# capacity_kind names what the contingency was judged against: guaranteed
# and elastic GPUs (the peak of a hybrid or on-demand pool), else
# guaranteed GPUs (documents without a basis too).
capacity_kind(c) := "guaranteed and elastic" if {
	c.basis == "burst"
} else := "guaranteed"
