# METADATA
# title: GKE ComputeClass of a pool launches another GPU
# description: >-
#   A pool claims a GKE ComputeClass (kubernetes: [{computeclass: NAME}])
#   whose priorities launch a GPU model other than the pool's (a machine
#   type's GPUs in the catalog, or gpu.type): the workloads selecting the
#   class (cloud.google.com/compute-class) run on GPUs the plan does not
#   count. Deny when no priority launches the pool's GPU, warn when only
#   some do (GKE falls back to the others when the preferred ones are
#   unavailable). A class naming a single other model is already an error
#   at the claim. A priority whose GPU machine type or accelerator type the
#   catalog does not know leaves the class unresolved (CAP015), never read
#   as the pool's GPU or as none. The workloads' GPUs at their autoscaling
#   maximum are judged against the pool's capacity by CAP030, as on a
#   NodePool.
# custom:
#   id: CAP038
#   severity: high
#   enforcement: soft-mandatory
package capcheck.rules.cap038

import data.capcheck.lib

deny contains f if {
	some pool in input.pools
	some c in object.get(pool, ["kubernetes", "computeclasses"], [])
	count(others(pool, c)) > 0
	count(same(pool, c)) == 0
	f := finding(pool, c, sprintf("none of them the pool's %s: its workloads run on GPUs the plan does not count; change the class's priorities or claim it from a pool of that GPU", [pool.gpu]))
}

warn contains f if {
	some pool in input.pools
	some c in object.get(pool, ["kubernetes", "computeclasses"], [])
	count(others(pool, c)) > 0
	s := same(pool, c)
	count(s) > 0
	f := finding(pool, c, sprintf("besides the pool's %s (%s): when those are unavailable its workloads land on GPUs the plan does not count; drop the other priorities or plan them in a pool of that GPU", [
		pool.gpu,
		concat(", ", [sprintf("priority %d", [i + 1]) | some i in s]),
	]))
}

# others are the indexes of the class's priorities that launch a known
# GPU model other than the pool's; same those that launch the pool's.
others(pool, c) := [i | some i, p in c.priorities; g := object.get(p, "gpu", ""); g != ""; g != pool.gpu]

same(pool, c) := [i | some i, p in c.priorities; object.get(p, "gpu", "") == pool.gpu]

finding(pool, c, judgement) := {
	"rule": "CAP038",
	"msg": sprintf("pool %s: %s launches %s, %s", [
		pool.name,
		c.address,
		concat(", ", [sprintf("%s (priority %d, %s)", [p.gpu, i + 1, lib.k8s_class_priority(p)]) |
			some i in others(pool, c)
			p := c.priorities[i]
		]),
		judgement,
	]),
	"target": sprintf("pool/%s", [pool.name]),
	"location": c.priorities[others(pool, c)[0]].at,
}
