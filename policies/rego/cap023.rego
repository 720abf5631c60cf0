# METADATA
# title: Dependency headroom below the minimum in the commit window
# description: >-
#   A dependency (a provider API's rate limit, a vector database, a tool
#   API, network bandwidth or storage) has less headroom than headroom_min
#   against its limit at the peak, some month between now and its lead time
#   plus three months: the limit must be raised now, like a pool's GPUs
#   (CAP001).
# custom:
#   id: CAP023
#   severity: high
#   enforcement: soft-mandatory
package capcheck.rules.cap023

import data.capcheck.lib

deny contains f if {
	some dep in input.dependencies
	dep.min_headroom < dep.headroom_min
	f := {
		"rule": "CAP023",
		"msg": sprintf("dependency %s (%s): %s headroom %s%% in %s is below %s%%%s; raise the limit or lower demand", [
			dep.name,
			dep.kind,
			dep.limit,
			lib.pct_vs(dep.min_headroom, dep.headroom_min),
			dep.min_headroom_month,
			lib.pct(dep.headroom_min),
			lib.dependency_figures(dep, dep.min_headroom_month),
		]),
		"target": sprintf("dependency/%s", [dep.name]),
		"location": dep.location,
	}
}
