# METADATA
# title: Model served with fewer GPUs per replica than its benchmark
# description: >-
#   A Kubernetes object a plan workload serves requests fewer GPUs per
#   replica than the benchmarks the workload is sized from assume
#   (gpus_per_replica): the model may not fit in memory, and the
#   throughput per replica the plan counts on was not measured.
# custom:
#   id: CAP036
#   severity: high
#   enforcement: soft-mandatory
package capcheck.rules.cap036

import data.capcheck.lib

deny contains f if {
	some w in input.workloads
	k := w.kubernetes
	k.benchmark_gpus_per_replica > 0
	some o in k.serves
	o.gpus_per_replica < k.benchmark_gpus_per_replica
	f := {
		"rule": "CAP036",
		"msg": sprintf("workload %s: %s requests %s GPUs per replica, fewer than the %d its benchmark assumes (gpus_per_replica); the model may not fit and the planned throughput was not measured", [
			w.name,
			o.address,
			lib.num(o.gpus_per_replica),
			k.benchmark_gpus_per_replica,
		]),
		"target": sprintf("kubernetes/%s", [o.address]),
		"location": o.location,
	}
}
