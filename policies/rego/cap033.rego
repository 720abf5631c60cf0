# METADATA
# title: Kueue quotas above the pool's guaranteed GPUs
# description: >-
#   The nominal quotas of the Kueue ClusterQueue flavors on a pool (claimed
#   by clusterqueue, or whose ResourceFlavor pins them to a claimed
#   NodePool) add up to more GPUs than the pool has guaranteed this month
#   (deny: Kueue admits work onto GPUs that are not reserved), or do so
#   with their borrowing limits added (warn: borrowed quota is never
#   guaranteed).
# custom:
#   id: CAP033
#   severity: high
#   enforcement: soft-mandatory
package capcheck.rules.cap033

import data.capcheck.lib

deny contains f if {
	some pool in input.pools
	k := pool.kubernetes
	count(k.queues) > 0
	k.quota_gpus > k.guaranteed_gpus
	f := finding(pool, sprintf("nominal quotas sum to %s GPUs", [lib.num(k.quota_gpus)]), "lower nominalQuota or reserve more GPUs")
}

warn contains f if {
	some pool in input.pools
	k := pool.kubernetes
	count(k.queues) > 0
	k.quota_gpus <= k.guaranteed_gpus
	k.admit_gpus > k.guaranteed_gpus
	f := finding(pool, sprintf("nominal quotas and borrowing limits sum to %s GPUs", [lib.num(k.admit_gpus)]), "lower borrowingLimit or reserve more GPUs")
}

finding(pool, what, advice) := {
	"rule": "CAP033",
	"msg": sprintf("pool %s: Kueue %s (%s), above the pool's %s guaranteed GPUs; %s", [
		pool.name,
		what,
		concat(", ", sort([lib.k8s_queue(q) | some q in pool.kubernetes.queues])),
		lib.num(pool.kubernetes.guaranteed_gpus),
		advice,
	]),
	"target": sprintf("pool/%s", [pool.name]),
	"location": pool.kubernetes.queues[0].location,
}
