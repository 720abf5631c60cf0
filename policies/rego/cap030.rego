# METADATA
# title: Kubernetes workloads can request more GPUs than the pool holds
# description: >-
#   The GPU workloads of a pool's Kubernetes objects (pinned to a NodePool
#   the pool claims, or named by its plan workloads' serves) request, at
#   their autoscaling maximum (requests × the HPA or KEDA maximum), more
#   GPUs than the pool has now (deny: pods would wait for nodes), or more
#   than it can give while keeping the headroom the plan requires (warn:
#   autoscaling eats the headroom). Capacity is the pool's guaranteed GPUs
#   this month, plus its elastic ceiling unless the strategy is reserved.
# custom:
#   id: CAP030
#   severity: high
#   enforcement: soft-mandatory
package capcheck.rules.cap030

import data.capcheck.lib

deny contains f if {
	some pool in input.pools
	k := pool.kubernetes
	k.workload_gpus_max > k.capacity_gpus
	f := finding(pool, sprintf("above the pool's %s %s GPUs; lower the autoscaling maximum or add capacity", [
		lib.num(k.capacity_gpus),
		capacity_kind(pool),
	]))
}

warn contains f if {
	some pool in input.pools
	k := pool.kubernetes
	k.workload_gpus_max > k.usable_gpus
	k.workload_gpus_max <= k.capacity_gpus
	f := finding(pool, sprintf("leaving less than the %s%% headroom the plan requires (at most %s of %s %s GPUs); lower the autoscaling maximum or add capacity", [
		lib.pct(pool.headroom_min),
		lib.num(k.usable_gpus),
		lib.num(k.capacity_gpus),
		capacity_kind(pool),
	]))
}

capacity_kind(pool) := "guaranteed" if pool.strategy == "reserved"

else := "guaranteed and elastic"

finding(pool, judgement) := {
	"rule": "CAP030",
	"msg": sprintf("pool %s: Kubernetes workloads can request %s GPUs at their autoscaling maximum (%s), %s", [
		pool.name,
		lib.num(pool.kubernetes.workload_gpus_max),
		concat(", ", sort([lib.k8s_object_gpus(w) | some w in pool.kubernetes.workloads])),
		judgement,
	]),
	"target": sprintf("pool/%s", [pool.name]),
	"location": largest(pool.kubernetes.workloads).at,
}

# largest is the workload asking for the most GPUs (the first on ties).
largest(ws) := w if {
	top := max({x.gpus | some x in ws})
	w := [x | some x in ws; x.gpus == top][0]
}
