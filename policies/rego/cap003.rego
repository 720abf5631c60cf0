# METADATA
# title: GPU reservation not claimed by any pool
# description: >-
#   A guaranteed GPU reservation in Terraform is not listed in any capacity
#   plan pool, so no forecast backs it: it is either waste or demand the plan
#   does not know about. Elastic node groups and groups that run inside a
#   reservation are not judged here.
# custom:
#   id: CAP003
#   severity: high
#   enforcement: soft-mandatory
package capcheck.rules.cap003

import data.capcheck.lib

deny contains f if {
	some r in input.reservations
	r.guaranteed
	object.get(r, "consumer_of", "") == ""
	r.pool == ""
	f := {
		"rule": "CAP003",
		"msg": sprintf("reservation %s: %s %s GPUs%s are not claimed by any pool; add the address to a pool's reservations in a capacity plan or release it", [
			r.address,
			lib.num(r.gpus),
			r.gpu,
			zone(r),
		]),
		"target": sprintf("reservation/%s", [r.address]),
		"location": lib.resource_pos(r),
	}
}

zone(r) := sprintf(" in %s", [r.zone]) if r.zone != ""

else := ""
