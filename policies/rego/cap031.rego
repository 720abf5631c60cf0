# METADATA
# title: Karpenter GPU limits below the plan's peak
# description: >-
#   The spec.limits for the accelerator of the Karpenter NodePools a pool
#   claims add up to less than the GPUs the plan requires at its peak:
#   Karpenter launches no node beyond its limits, so autoscaling can never
#   reach the capacity the plan counts on.
# custom:
#   id: CAP031
#   severity: high
#   enforcement: soft-mandatory
package capcheck.rules.cap031

import data.capcheck.lib

deny contains f if {
	some pool in input.pools
	k := pool.kubernetes
	count(k.nodepools) > 0
	k.limit_gpus < pool.required_gpus_peak
	f := {
		"rule": "CAP031",
		"msg": sprintf("pool %s: Karpenter NodePool limits allow %s GPUs (%s), below the %s GPUs the plan requires at its peak in %s; raise spec.limits or autoscaling can never get there", [
			pool.name,
			lib.num(k.limit_gpus),
			concat(", ", sort([sprintf("%s %s", [np.address, lib.num(np.gpus)]) | some np in k.nodepools])),
			lib.num(pool.required_gpus_peak),
			peak_month(pool),
		]),
		"target": sprintf("pool/%s", [pool.name]),
		"location": k.nodepools[0].at,
	}
}

# peak_month is the first month whose requirement is the peak.
peak_month(pool) := [e.month | some e in pool.timeline; e.required_gpus == pool.required_gpus_peak][0]
