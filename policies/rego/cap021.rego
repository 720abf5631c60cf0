# METADATA
# title: GPU utilisation above the plan's lines
# description: >-
#   Audit (`capcheck audit`): the 95th percentile of a pool's GPU utilisation
#   over the audit window (of the per-step peaks) is above the plan's
#   critical_utilization (deny) or warn_utilization (warn). Above the warning
#   line the pool runs with less headroom than planned; above the critical
#   line latency SLOs are at risk. A pool without a GPU utilisation source is
#   reported as not audited.
# custom:
#   id: CAP021
#   severity: high
#   enforcement: soft-mandatory
package capcheck.rules.cap021

import data.capcheck.lib

deny contains f if {
	some p in input.audit.pools
	p.gpu.p95 > p.critical_utilization
	f := finding(p, p.critical_utilization, sprintf("above the critical %s%%; add GPUs or shed load now: latency SLOs are at risk", [lib.pct(p.critical_utilization)]))
}

warn contains f if {
	some p in input.audit.pools
	p.gpu.p95 > p.warn_utilization
	p.gpu.p95 <= p.critical_utilization
	f := finding(p, p.warn_utilization, sprintf("above the warning line %s%% (critical %s%%); plan more GPUs before it reaches the critical line", [lib.pct(p.warn_utilization), lib.pct(p.critical_utilization)]))
}

warn contains f if {
	some n in input.audit.not_audited
	n.what == "gpu_utilization"
	f := {
		"rule": "CAP021",
		"msg": sprintf("pool %s: GPU utilisation not audited: %s", [n.name, n.reason]),
		"target": n.target,
		"location": n.location,
	}
}

# finding is the CAP021 finding for pool p, whose p95 is judged against
# limit (shown with enough decimals to differ from it).
finding(p, limit, judgement) := {
	"rule": "CAP021",
	"msg": sprintf("pool %s: GPU utilisation p95 %s%% (peak %s%%) over the %s days to %s is %s", [
		p.name,
		lib.pct_vs(p.gpu.p95, limit),
		lib.pct(p.gpu.peak),
		lib.num(input.audit.window_days),
		substring(input.audit.end, 0, 10),
		judgement,
	]),
	"target": sprintf("pool/%s", [p.name]),
	"location": p.location,
}
