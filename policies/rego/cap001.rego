# METADATA
# title: Headroom below the plan's minimum in the commit window
# description: >-
#   A pool's lowest headroom (1 - required/capacity) between now and the end of
#   its commit window (now + lead time + 3 months) is below the plan's
#   headroom_min. GPUs ordered today cannot arrive in time to fix it, so the
#   change is blocked until capacity is added or demand is lowered. Under the
#   hybrid strategy a month is judged on the baseline against guaranteed GPUs
#   and on the peak against guaranteed plus elastic GPUs, whichever is lower;
#   under on-demand on the peak against guaranteed plus elastic GPUs.
# custom:
#   id: CAP001
#   severity: high
#   enforcement: soft-mandatory
package capcheck.rules.cap001

import data.capcheck.lib

deny contains f if {
	some pool in input.pools
	pool.min_headroom < pool.headroom_min
	f := {
		"rule": "CAP001",
		"msg": sprintf("pool %s: headroom %s%% in %s is below %s%%%s; add %s or lower demand", [
			pool.name,
			lib.pct_vs(pool.min_headroom, pool.headroom_min),
			pool.min_headroom_month,
			lib.pct(pool.headroom_min),
			figures(pool),
			gpus(pool.gpus_short),
		]),
		"target": sprintf("pool/%s", [pool.name]),
		"location": pool.location,
	}
}

# figures names the requirement and capacity of the judged month: the
# constraint the pool's strategy binds on (lib.judged).
figures(pool) := sprintf(" (%s)", [lib.judged(e)]) if {
	e := lib.month_entry(pool, pool.min_headroom_month)
} else := ""

# gpus is "1 GPU" or "n GPUs" (as in CAP002).
gpus(1) := "1 GPU"

gpus(n) := sprintf("%s GPUs", [lib.num(n)]) if n != 1
