# METADATA
# title: The change weakens a policy threshold or adds an exception
# description: >-
#   In a pull request, a plan's policy is weaker in the head than in the base
#   branch (lower headroom_min, n_plus or reserved_utilization_min; higher
#   warn or critical utilization, drift, budget or unbacked tolerance, or
#   maximum ages; redundancy domain zone relaxed to replica), or the change
#   adds an exception. Thresholds and exceptions are read from the base
#   branch, so such a change needs approval outside the pull request's own
#   files.
# custom:
#   id: CAP014
#   severity: high
#   enforcement: soft-mandatory
package capcheck.rules.cap014

import data.capcheck.lib

# thresholds lists the policy fields a change may only tighten, with the
# direction that weakens them and how to print them.
thresholds := [
	{"path": ["headroom_min"], "weaker": "lower", "unit": "pct"},
	{"path": ["redundancy", "n_plus"], "weaker": "lower", "unit": "count"},
	{"path": ["warn_utilization"], "weaker": "higher", "unit": "pct"},
	{"path": ["critical_utilization"], "weaker": "higher", "unit": "pct"},
	{"path": ["drift_tolerance"], "weaker": "higher", "unit": "pct"},
	{"path": ["reserved_utilization_min"], "weaker": "lower", "unit": "pct"},
	{"path": ["budget_tolerance"], "weaker": "higher", "unit": "pct"},
	{"path": ["unbacked_tolerance"], "weaker": "higher", "unit": "pct"},
	{"path": ["benchmark_max_age_days"], "weaker": "higher", "unit": "days"},
	{"path": ["review_max_age_days"], "weaker": "higher", "unit": "days"},
]

# plans pairs what each head plan asks for with what it is judged by. In a
# diff capcheck judges the head with the base's trusted settings and records
# the head's own under `proposed`; a plan new in the change is judged with
# the schema defaults, so its weaker thresholds are reported too.
plans contains [asked(head), base] if {
	some head in input.plans
	some base in input.base.plans
	head.name == base.name
}

plans contains [asked(head), head] if {
	input.base
	some head in input.plans
	head.proposed
	not in_base(head.name)
}

in_base(name) if {
	some base in input.base.plans
	base.name == name
}

# asked is the head plan with its proposed settings, when it has any.
asked(head) := object.union(head, {
	"policy": head.proposed.policy,
	"plan_for": head.proposed.plan_for,
	"contingency_for": head.proposed.contingency_for,
	"exceptions": head.proposed.exceptions,
}) if head.proposed

asked(head) := head if not head.proposed

# scenario_rank orders scenarios by how much demand they assume.
scenario_rank := {"conservative": 0, "moderate": 1, "aggressive": 2}

deny contains f if {
	some [head, base] in plans
	some field in ["plan_for", "contingency_for"]
	scenario_rank[head[field]] < scenario_rank[base[field]]
	f := {
		"rule": "CAP014",
		"msg": sprintf("plan %s: the change moves %s from %s to the lower-demand scenario %s; revert it or get the change approved outside this pull request", [
			head.name, field, base[field], head[field],
		]),
		"target": sprintf("plan/%s", [head.name]),
		"location": lib.plan_pos(head, field),
	}
}

deny contains f if {
	some [head, base] in plans
	some t in thresholds
	h := object.get(head.policy, t.path, null)
	b := object.get(base.policy, t.path, null)
	is_number(h)
	is_number(b)
	weaker(t.weaker, b, h)
	key := concat(".", array.concat(["policy"], t.path))
	f := {
		"rule": "CAP014",
		"msg": sprintf("plan %s: the change %s %s from %s to %s; revert it or get the change approved outside this pull request", [
			head.name,
			verb(t.weaker),
			key,
			show(t.unit, b),
			show(t.unit, h),
		]),
		"target": sprintf("plan/%s", [head.name]),
		"location": lib.plan_pos(head, key),
	}
}

deny contains f if {
	some [head, base] in plans
	base.policy.redundancy.domain == "zone"
	head.policy.redundancy.domain == "replica"
	f := {
		"rule": "CAP014",
		"msg": sprintf("plan %s: the change relaxes policy.redundancy.domain from zone to replica, so losing a zone is no longer survivable; revert it or get the change approved outside this pull request", [head.name]),
		"target": sprintf("plan/%s", [head.name]),
		"location": lib.plan_pos(head, "policy.redundancy.domain"),
	}
}

deny contains f if {
	some [head, base] in plans
	some e in head.exceptions
	not has_exception(base, e)
	f := {
		"rule": "CAP014",
		"msg": sprintf("plan %s: the change adds an exception to %s for %s (%s); exceptions apply only once approved and merged", [
			head.name, e.rule, e.target, e.reason,
		]),
		"target": sprintf("plan/%s", [head.name]),
		"location": e.location,
	}
}

has_exception(p, e) if {
	some x in p.exceptions
	x.rule == e.rule
	x.target == e.target
}

weaker("lower", b, h) if h < b

weaker("higher", b, h) if h > b

verb("lower") := "lowers"

verb("higher") := "raises"

show("pct", x) := sprintf("%s%%", [lib.pct(x)])

show("count", x) := lib.num(x)

show("days", x) := sprintf("%s days", [lib.num(x)])
