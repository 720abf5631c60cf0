# METADATA
# title: No more than 40% of a pool's GPUs in one zone
# description: >-
#   Losing one availability zone must not take out most of a pool. Counts the
#   guaranteed GPUs of the Terraform reservations each pool claims, per zone,
#   and denies a zone holding more than 40% of its pool.
# custom:
#   id: ORG001
#   severity: medium
#   enforcement: soft-mandatory
package capcheck.custom.zone_spread

max_share := 0.40

# gpus[pool][zone] is the guaranteed GPUs a pool holds in a zone.
gpus[pool][zone] := sum([r.gpus |
	some r in input.reservations
	r.guaranteed
	r.pool == pool
	r.zone == zone
]) if {
	some r in input.reservations
	r.guaranteed
	r.pool != ""
	pool := r.pool
	zone := r.zone
}

deny contains f if {
	some pool, zones in gpus
	total := sum([n | some n in zones])
	some zone, n in zones
	n / total > max_share
	f := {
		"rule": "ORG001",
		"msg": sprintf("pool %s: %v of its %v GPUs (%d%%) are in %s, above the %d%% limit; move reservations to other zones", [
			pool, n, total, round((n / total) * 100), zone, round(max_share * 100),
		]),
		"target": sprintf("pool/%s", [pool]),
		"location": location(pool),
	}
}

# location is the pool in its plan, else where its first reservation starts.
location(pool) := p.location if {
	some p in input.pools
	p.name == pool
} else := {"file": r.file, "line": r.line, "column": r.column} if {
	r := [r | some r in input.reservations; r.pool == pool][0]
}
