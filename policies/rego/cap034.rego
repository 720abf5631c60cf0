# METADATA
# title: Kueue quotas leave the plan's training demand unadmittable
# description: >-
#   The plan's training workloads on a pool need more GPUs in some month
#   than the pool's Kueue ClusterQueue flavors can admit together (nominal
#   quota plus borrowing limit; nominal alone where no limit is set): the
#   planned training can never be admitted, whatever is reserved.
# custom:
#   id: CAP034
#   severity: high
#   enforcement: soft-mandatory
package capcheck.rules.cap034

import data.capcheck.lib

deny contains f if {
	some pool in input.pools
	k := pool.kubernetes
	count(k.queues) > 0
	k.training_gpus_peak > k.admit_gpus
	f := {
		"rule": "CAP034",
		"msg": sprintf("pool %s: the plan's training demand peaks at %s GPUs in %s, above the %s GPUs its Kueue queues can admit (%s); raise nominalQuota or the training cannot be admitted", [
			pool.name,
			lib.num(k.training_gpus_peak),
			k.training_peak_month,
			lib.num(k.admit_gpus),
			concat(", ", sort([lib.k8s_queue(q) | some q in k.queues])),
		]),
		"target": sprintf("pool/%s", [pool.name]),
		"location": k.queues[0].location,
	}
}
