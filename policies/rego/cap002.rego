# METADATA
# title: N+k redundancy missing for a workload that needs it
# description: >-
#   A pool serves a workload whose availability SLO is 99.9% or more, and after
#   losing its k largest failure domains (zones of its reservations, or
#   replicas) the remaining guaranteed GPUs no longer cover the peak
#   requirement in the commit window.
# custom:
#   id: CAP002
#   severity: high
#   enforcement: soft-mandatory
package capcheck.rules.cap002

import data.capcheck.lib

deny contains f if {
	some pool in input.pools
	pool.n_plus.required
	not pool.n_plus.ok
	np := pool.n_plus
	f := {
		"rule": "CAP002",
		"msg": sprintf("pool %s: N+%d across %ss fails in %s: %s leaves %s GPUs for a %s GPU peak; add %s outside the lost %s or spread reservations across more %ss", [
			pool.name,
			np.k,
			np.domain,
			np.month,
			lost(np),
			lib.num(np.capacity_after_loss),
			lib.num(np.required_gpus),
			gpus(ceil(np.required_gpus - np.capacity_after_loss)),
			np.domain,
			np.domain,
		]),
		"target": sprintf("pool/%s", [pool.name]),
		"location": pool.location,
	}
}

# lost describes the k largest domains, largest first (ties by name).
lost(np) := sprintf("losing %s", [concat(" and ", [sprintf("%s (%s GPUs)", [domain_name(d[1]), lib.num(0 - d[0])]) | some d in top])]) if {
	ordered := sort([[0 - d.gpus, d.name] | some d in np.domains])
	top := array.slice(ordered, 0, np.k)
	count(top) > 0
} else := sprintf("no %s holds guaranteed capacity, which", [np.domain])

# gpus is "1 GPU" or "n GPUs".
gpus(1) := "1 GPU"

gpus(n) := sprintf("%s GPUs", [lib.num(n)]) if n != 1

# domain_name spells out the domains the evaluator merges to fail closed:
# reservations without a zone (capacity blocks) may sit in the largest one.
domain_name(name) := sprintf("%s with the zone-less reservations that may share it", [trim_suffix(name, "+unknown")]) if {
	endswith(name, "+unknown")
	name != "+unknown"
} else := "the zone-less reservations" if {
	name == "unknown"
} else := name
