# METADATA
# title: Reserved GPUs added by the change exceed the backed capacity
# description: >-
#   In a pull request, a pool reserves more GPUs than in the base branch (or
#   is new) and ends up with reserved GPUs above what the forecast backs in the
#   commit window: max(required/(1 - headroom_min), required + largest failure
#   domain), plus the plan's unbacked tolerance.
# custom:
#   id: CAP004
#   severity: medium
#   enforcement: soft-mandatory
package capcheck.rules.cap004

import data.capcheck.lib

deny contains f if {
	some pool in input.pools
	lib.unbacked_added(pool)
	f := {
		"rule": "CAP004",
		"msg": sprintf("pool %s: the change %s but only %s are backed by the forecast (%s unbacked); remove the unbacked GPUs or add the demand that needs them to the plan", [
			pool.name,
			change(pool),
			lib.num(pool.backed_gpus),
			lib.num(pool.unbacked_gpus),
		]),
		"target": sprintf("pool/%s", [pool.name]),
		"location": pool.location,
	}
}

change(pool) := sprintf("adds %s GPUs (%s -> %s)", [lib.num(pool.reserved_gpus - b.reserved_gpus), lib.num(b.reserved_gpus), lib.num(pool.reserved_gpus)]) if {
	b := lib.base_pool(pool.name)
} else := sprintf("adds a new pool with %s reserved GPUs", [lib.num(pool.reserved_gpus)])
