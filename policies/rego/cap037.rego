# METADATA
# title: GKE ComputeClass names a reservation no Terraform defines
# description: >-
#   A ComputeClass priority with reservations.affinity Specific names, in
#   reservations.specific, a reservation that no google_compute_reservation
#   or google_compute_future_reservation in the Terraform defines (matched
#   by its name attribute, and its project when both are written): no
#   reservation backs that name, so GKE launches no node from it. Deny
#   when neither the priority nor any other priority of the class can
#   launch an accelerator node (the class can launch none), warn when the
#   priority's other reservations or the class's other priorities take
#   over.
# custom:
#   id: CAP037
#   severity: high
#   enforcement: soft-mandatory
package capcheck.rules.cap037

import data.capcheck.lib

deny contains f if {
	some u in unbacked
	[r, i] := u
	p := r.kubernetes.priorities[i]
	not launches(p)
	count(fallbacks(r, i)) == 0
	f := finding(r, i, "the class can launch no accelerator node; define the reservation in Terraform or add a priority that does not need it")
}

warn contains f if {
	some u in unbacked
	[r, i] := u
	p := r.kubernetes.priorities[i]
	not launches(p)
	fb := fallbacks(r, i)
	count(fb) > 0
	f := finding(r, i, sprintf("GKE falls back to %s; define the reservation in Terraform or drop it from the priority", [priorities(fb)]))
}

warn contains f if {
	some u in unbacked
	[r, i] := u
	launches(r.kubernetes.priorities[i])
	f := finding(r, i, "only the priority's other reservations back it; define the reservation in Terraform or drop it from the priority")
}

# unbacked are [class, priority index] pairs: a Specific priority naming
# a reservation that binds to no Terraform reservation.
unbacked contains [r, i] if {
	some r in input.reservations
	r.resource_type == "ComputeClass"
	some i, p in object.get(r.kubernetes, "priorities", [])
	object.get(p, "affinity", "") == "Specific"
	count(missing(p)) > 0
}

missing(p) := [s | some s in object.get(p, "specific", []); count(object.get(s, "reservations", [])) == 0]

accelerated(p) if object.get(p, "accelerator", "") != ""

accelerated(p) if object.get(p, "accelerators", 0) > 0

# launches holds for a priority that can launch an accelerator node: one
# without Specific affinity, or a Specific one with a bound reservation.
launches(p) if {
	accelerated(p)
	object.get(p, "affinity", "") != "Specific"
}

launches(p) if {
	accelerated(p)
	some s in object.get(p, "specific", [])
	count(object.get(s, "reservations", [])) > 0
}

# fallbacks are the 1-based numbers of the class's other priorities that
# can launch an accelerator node.
fallbacks(r, i) := [n | some j, q in r.kubernetes.priorities; j != i; launches(q); n := j + 1]

priorities(ns) := sprintf("priority %d", ns) if count(ns) == 1

else := sprintf("priorities %s", [concat(", ", [sprintf("%d", [n]) | some n in ns])])

finding(r, i, advice) := {
	"rule": "CAP037",
	"msg": sprintf("%s priority %d (%s) has reservations.affinity Specific, but %s: no reservation backs it, so %s", [
		r.address,
		i + 1,
		lib.k8s_class_priority(r.kubernetes.priorities[i]),
		why(missing(r.kubernetes.priorities[i])),
		advice,
	]),
	"target": sprintf("kubernetes/%s", [r.address]),
	"location": r.kubernetes.priorities[i].at,
}

why(ss) := sprintf("no Terraform google_compute_reservation or google_compute_future_reservation is named %s", [names(ss)])

names(ss) := concat(" or ", [name(s) | some s in ss])

name(s) := sprintf("%s in project %s", [s.name, s.project]) if object.get(s, "project", "") != ""

else := s.name
