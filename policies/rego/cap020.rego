# METADATA
# title: Observed demand drifts from the plan
# description: >-
#   Audit (`capcheck audit`): a workload's observed demand over the audit
#   window (peak, p95 or mean, matching the plan's baseline) differs from the
#   plan's projection for the months the window covers by more than the
#   plan's drift_tolerance. Demand above the plan is a capacity risk and is
#   denied; demand below it is a warning (reserved capacity may be
#   over-provisioned). A workload without actuals is reported as not audited.
# custom:
#   id: CAP020
#   severity: high
#   enforcement: soft-mandatory
package capcheck.rules.cap020

import data.capcheck.lib

deny contains f if {
	some w in input.audit.workloads
	w.drift > w.drift_tolerance
	f := finding(w, "above", "raise the plan's baseline or growth to match and check the pool's capacity")
}

warn contains f if {
	some w in input.audit.workloads
	w.drift < 0 - w.drift_tolerance
	f := finding(w, "below", "lower the plan's baseline, or release or resize reservations the demand no longer needs")
}

warn contains f if {
	some n in input.audit.not_audited
	n.what == "demand"
	f := {
		"rule": "CAP020",
		"msg": sprintf("workload %s: not audited: %s", [n.name, n.reason]),
		"target": n.target,
		"location": n.location,
	}
}

finding(w, direction, advice) := {
	"rule": "CAP020",
	"msg": sprintf("workload %s: observed %s %s %s over %s is %s%% %s the plan's %s for %s (drift tolerance %s%%)%s; %s", [
		w.name,
		w.basis,
		lib.num(w.observed),
		w.unit,
		window,
		lib.pct_vs(abs(w.drift), w.drift_tolerance),
		direction,
		lib.num(w.projected),
		w.projected_month,
		lib.pct(w.drift_tolerance),
		cliff_move(w),
		advice,
	]),
	"target": sprintf("workload/%s", [w.name]),
	"location": w.location,
}

# window names the audit window: "the 28 days to 2026-07-15".
window := sprintf("the %s days to %s", [lib.num(input.audit.window_days), substring(input.audit.end, 0, 10)])

# cliff_move says how the observed level moves the pool's capacity cliff.
cliff_move(w) := sprintf("; at the observed level pool %s's cliff moves from %s to %s", [p.name, month_or_none(p.cliff), month_or_none(p.refreshed_cliff)]) if {
	some p in input.audit.pools
	p.plan == w.plan
	p.name == w.pool
	p.refreshed_cliff != p.cliff
} else := ""

month_or_none(m) := m if m != ""

month_or_none("") := "none"
