# METADATA
# title: Reserved GPUs exceed the backed capacity
# description: >-
#   A pool reserves more GPUs than the forecast backs in the commit window
#   (plus the plan's unbacked tolerance): capacity paid for and not needed.
#   When a pull request adds the excess, CAP004 reports it instead.
# custom:
#   id: CAP007
#   severity: medium
#   enforcement: advisory
package capcheck.rules.cap007

import data.capcheck.lib

warn contains f if {
	some pool in input.pools
	pool.unbacked_gpus > 0
	not lib.unbacked_added(pool)
	f := {
		"rule": "CAP007",
		"msg": sprintf("pool %s: up to %s GPUs reserved in the commit window but the forecast backs only %s (%s unbacked); release them or plan the demand that needs them", [
			pool.name,
			lib.num(pool.peak_reserved_gpus),
			lib.num(pool.backed_gpus),
			lib.num(pool.unbacked_gpus),
		]),
		"target": sprintf("pool/%s", [pool.name]),
		"location": pool.location,
	}
}
