# METADATA
# title: Plan or baseline not reviewed for more than a quarter
# description: >-
#   A plan's reviewed date is older than review_max_age_days (92 by default),
#   or a workload's demand baseline (as_of) is older than 92 days. Forecasts
#   built on stale numbers drift without anyone noticing.
# custom:
#   id: CAP010
#   severity: low
#   enforcement: advisory
package capcheck.rules.cap010

import data.capcheck.lib

baseline_max_age_days := 92

warn contains f if {
	some p in input.plans
	p.reviewed_age_days > p.policy.review_max_age_days
	f := {
		"rule": "CAP010",
		"msg": sprintf("plan %s: last reviewed %s, %d days ago (limit %d); review the plan and update reviewed", [
			p.name, p.reviewed, p.reviewed_age_days, p.policy.review_max_age_days,
		]),
		"target": sprintf("plan/%s", [p.name]),
		"location": lib.plan_pos(p, "reviewed"),
	}
}

warn contains f if {
	some w in input.workloads
	w.baseline_age_days > baseline_max_age_days
	f := {
		"rule": "CAP010",
		"msg": sprintf("workload %s: demand baseline is as of %s, %d days ago (limit %d); refresh it from recent traffic", [
			w.name, w.as_of, w.baseline_age_days, baseline_max_age_days,
		]),
		"target": sprintf("workload/%s", [w.name]),
		"location": w.location,
	}
}
