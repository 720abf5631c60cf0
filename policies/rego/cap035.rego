# METADATA
# title: Deployed replicas differ from the plan's sizing
# description: >-
#   The Kubernetes objects a plan workload names in serves place, at their
#   autoscaling maximum (replicas × GPU requests), a number of GPUs that
#   differs from what the plan sizes the workload for this month (its
#   gpus_now under plan_for) by more than the plan's drift_tolerance:
#   either the plan or the manifests are out of date.
# custom:
#   id: CAP035
#   severity: medium
#   enforcement: advisory
package capcheck.rules.cap035

import data.capcheck.lib

warn contains f if {
	some w in input.workloads
	k := w.kubernetes
	k.drift > k.drift_tolerance
	f := {
		"rule": "CAP035",
		"msg": sprintf("workload %s: %s deployed at the autoscaling maximum (%s), the plan sizes it for %s GPUs this month: %s%% apart, beyond the %s%% drift tolerance; align the replicas or the plan", [
			w.name,
			gpus(k.deployed_gpus),
			concat(", ", sort([lib.k8s_object_gpus(o) | some o in k.serves])),
			lib.num(k.planned_gpus),
			lib.pct_vs(k.drift, k.drift_tolerance),
			lib.pct(k.drift_tolerance),
		]),
		"target": sprintf("workload/%s", [w.name]),
		"location": k.serves[0].at,
	}
}

gpus(n) := "1 GPU" if n == 1

else := sprintf("%s GPUs", [lib.num(n)])
