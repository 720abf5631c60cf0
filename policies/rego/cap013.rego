# METADATA
# title: Projected cost above budget
# description: >-
#   The highest projected monthly cost over the horizon, of a pool with a
#   budget_monthly or of a whole plan with a budget, is above the budget by
#   more than the plan's budget_tolerance (10% by default).
# custom:
#   id: CAP013
#   severity: low
#   enforcement: advisory
package capcheck.rules.cap013

import data.capcheck.lib

warn contains f if {
	some pool in input.pools
	pool.budget_monthly > 0
	p := lib.plan(pool.plan)
	tol := p.policy.budget_tolerance
	peak := max(pool.cost.monthly)
	peak > pool.budget_monthly * (1 + tol)
	f := {
		"rule": "CAP013",
		"msg": sprintf("pool %s: projected cost peaks at %s/month%s, %s%% over the %s budget (tolerance %s%%); lower reserved GPUs, move demand, or raise the budget", [
			pool.name,
			lib.money(peak, pool.cost.currency),
			peak_month(pool, peak),
			lib.pct_vs((peak / pool.budget_monthly) - 1, tol),
			lib.money(pool.budget_monthly, pool.cost.currency),
			lib.pct(tol),
		]),
		"target": sprintf("pool/%s", [pool.name]),
		"location": lib.plan_pos(p, sprintf("pools.%s.budget_monthly", [pool.name])),
	}
}

warn contains f if {
	some p in input.plans
	p.budget_monthly > 0
	tol := p.policy.budget_tolerance
	p.projected_monthly_cost > p.budget_monthly * (1 + tol)
	f := {
		"rule": "CAP013",
		"msg": sprintf("plan %s: projected cost peaks at %s/month, %s%% over the %s budget (tolerance %s%%); lower reserved GPUs, move demand, or raise the budget", [
			p.name,
			lib.money(p.projected_monthly_cost, currency(p)),
			lib.pct_vs((p.projected_monthly_cost / p.budget_monthly) - 1, tol),
			lib.money(p.budget_monthly, currency(p)),
			lib.pct(tol),
		]),
		"target": sprintf("plan/%s", [p.name]),
		"location": lib.plan_pos(p, "budget.monthly"),
	}
}

# peak_month names the first month the pool's cost reaches its peak.
peak_month(pool, peak) := sprintf(" in %s", [pool.timeline[i].month]) if {
	i := min({j | some j, c in pool.cost.monthly; c == peak})
} else := ""

# currency is the plan's budget currency, else its pools' cost currency.
currency(p) := p.currency if {
	p.currency != ""
} else := cs[0] if {
	cs := sort({c | some pool in input.pools; pool.plan == p.name; c := pool.cost.currency; c != ""})
	count(cs) > 0
} else := "USD"
