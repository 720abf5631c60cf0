# METADATA
# title: Karpenter NodePool allows reserved capacity with no reservation behind it
# description: >-
#   A NodePool whose karpenter.sh/capacity-type requirement allows
#   reserved, while its EC2NodeClass's capacityReservationSelectorTerms
#   select none of the capacity reservations or capacity blocks in the
#   Terraform (by id, by tags, or by the capcheck.io/capacity-reservations
#   annotation naming Terraform addresses): it can launch no reserved
#   node. Deny when reserved is its only capacity type (it can launch
#   nothing), warn when it falls back to on-demand or spot.
# custom:
#   id: CAP032
#   severity: high
#   enforcement: soft-mandatory
package capcheck.rules.cap032

import data.capcheck.lib

deny contains f if {
	some r in unbacked
	every c in r.kubernetes.capacity_types {
		c == "reserved"
	}
	f := finding(r, "it can launch no node; bind it to a Terraform reservation or allow on-demand")
}

warn contains f if {
	some r in unbacked
	some c in r.kubernetes.capacity_types
	c != "reserved"
	f := finding(r, sprintf("it falls back to %s; bind it to a Terraform reservation or drop reserved", [
		concat(" and ", [c | some c in r.kubernetes.capacity_types; c != "reserved"]),
	]))
}

# unbacked are the NodePools allowing reserved capacity that select no
# reservation.
unbacked contains r if {
	some r in input.reservations
	r.resource_type == "NodePool"
	"reserved" in object.get(r.kubernetes, "capacity_types", [])
	count(object.get(r.kubernetes, "reservations", [])) == 0
}

finding(r, advice) := {
	"rule": "CAP032",
	"msg": sprintf("%s allows karpenter.sh/capacity-type reserved, but %s: no reservation backs it, so %s", [
		r.address,
		why(r.kubernetes),
		advice,
	]),
	"target": sprintf("kubernetes/%s", [r.address]),
	"location": lib.resource_pos(r),
}

why(k) := "it names no EC2NodeClass" if {
	object.get(k, "node_class", "") == ""
} else := sprintf("its EC2NodeClass %s is not in the manifests", [k.node_class]) if {
	not k.node_class_found
} else := sprintf("EC2NodeClass %s has no capacityReservationSelectorTerms", [k.node_class]) if {
	count(object.get(k, "reservation_terms", [])) == 0
} else := sprintf("the capacityReservationSelectorTerms of EC2NodeClass %s select none of the Terraform capacity reservations", [k.node_class])
