# METADATA
# title: Plan growth below the trend fitted from actuals
# description: >-
#   A workload has observed actuals and the monthly growth rate the plan
#   assumes is lower than the trend fitted from them (by more than 0.2
#   percentage points a month), so the plan under-forecasts demand.
# custom:
#   id: CAP011
#   severity: medium
#   enforcement: advisory
package capcheck.rules.cap011

import data.capcheck.lib

# epsilon is the monthly growth difference ignored as noise (0.2 points).
epsilon := 0.002

warn contains f if {
	some w in input.workloads
	fc := w.forecast
	fc.plan_monthly_growth < fc.fitted_monthly_growth - epsilon
	f := {
		"rule": "CAP011",
		"msg": sprintf("workload %s: plan grows %s%%/month but actuals trend %s%%/month (%s); raise the scenario's monthly_growth or explain the slowdown", [
			w.name,
			lib.pct(fc.plan_monthly_growth),
			lib.pct(fc.fitted_monthly_growth),
			fc.method,
		]),
		"target": sprintf("workload/%s", [w.name]),
		"location": w.location,
	}
}
