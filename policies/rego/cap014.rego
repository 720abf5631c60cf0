# METADATA
# title: The change weakens a policy threshold, adds an exception or edits the configuration
# description: >-
#   In a pull request, a plan's policy is weaker in the head than in the base
#   branch (lower headroom_min, n_plus or reserved_utilization_min; higher
#   warn or critical utilization, drift, budget or unbacked tolerance, or
#   maximum ages; redundancy domain zone relaxed to replica), the change adds
#   an exception, moves a pool to a plan with weaker settings, or edits
#   capcheck.yaml or a file it names (the catalog, user policies).
#   Thresholds, exceptions and configuration are read from the base branch,
#   so such a change applies only after merge and needs approval outside the
#   pull request's own files.
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

# A pool the base had under another plan keeps the stricter of both plans'
# settings until merge; the move itself is reported when the receiving
# plan's own settings are weaker than the pool's old plan's.
deny contains f if {
	some pool in input.pools
	b := lib.base_pool(pool.name)
	b.plan != pool.plan
	some head in input.plans
	head.name == pool.plan
	in_base(head.name)
	some old in input.base.plans
	old.name == b.plan
	some t in thresholds
	h := object.get(asked(head).policy, t.path, null)
	o := object.get(old.policy, t.path, null)
	is_number(h)
	is_number(o)
	weaker(t.weaker, o, h)
	key := concat(".", array.concat(["policy"], t.path))
	f := {
		"rule": "CAP014",
		"msg": sprintf("pool %s: the change moves it from plan %s to plan %s, whose %s %s is weaker than %s; until merge the pool is judged with the stricter setting", [
			pool.name, old.name, head.name, key, show(t.unit, h), show(t.unit, o),
		]),
		"target": sprintf("pool/%s", [pool.name]),
		"location": pool.location,
	}
}

# Configuration: in a diff against a base checkout the head is read and
# judged with the base's capcheck.yaml, catalog and policy files; each
# difference the change makes to them is reported where it is written.
deny contains f if {
	some c in input.config_changes
	not c.file
	f := {
		"rule": "CAP014",
		"msg": sprintf("the change %s; configuration changes apply after merge", [key_change(c)]),
		"target": sprintf("config/%s", [c.path]),
		"location": c.location,
	}
}

deny contains f if {
	some c in input.config_changes
	c.file
	f := {
		"rule": "CAP014",
		"msg": sprintf("the change %s %s (%s); the base's version is used until merge", [
			change_verb[c.change], c.file, file_role[c.path],
		]),
		"target": sprintf("config/%s", [c.file]),
		"location": c.location,
	}
}

change_verb := {"added": "adds", "removed": "removes", "edited": "edits"}

file_role := {
	"catalog": "the catalog file capcheck.yaml names",
	"policies": "a policy file under capcheck.yaml policies",
}

key_change(c) := sprintf("edits %s %s from %s to %s", [config_name(c), c.path, c.base, c.head]) if c.change == "edited"

key_change(c) := sprintf("adds %s %s %s", [config_name(c), c.path, c.head]) if c.change == "added"

key_change(c) := sprintf("removes %s %s (was %s)", [config_name(c), c.path, c.base]) if c.change == "removed"

# config_name is the configuration file's name as the location gives it.
config_name(c) := c.location.file
