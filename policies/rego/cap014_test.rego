package capcheck.rules.cap014_test

import data.capcheck.rules.cap014
import data.capcheck.test.fixtures as fx

head(policy) := fx.with_plan({"policy": policy})

exception := {
	"rule": "CAP001",
	"target": "pool/h100-use1",
	"reason": "migration to us-east-2 in progress",
	"expires": "2026-09-01",
	"approved_by": "capacity-council",
	"expired": false,
	"days_left": 48,
	"location": {"file": "capacity/inference.cue", "line": 70, "column": 5},
}

test_unchanged_plan_passes if {
	count(cap014.deny) == 0 with input as fx.diff(fx.doc, fx.doc)
}

test_no_base_passes if {
	count(cap014.deny) == 0 with input as head({"headroom_min": 0.2})
}

test_denies_lower_headroom_min if {
	cap014.deny == {{
		"rule": "CAP014",
		"msg": "plan inference: the change lowers policy.headroom_min from 30% to 25%; revert it or get the change approved outside this pull request",
		"target": "plan/inference",
		"location": {"file": "capacity/inference.cue", "line": 7, "column": 17},
	}} with input as fx.diff(head({"headroom_min": 0.25}), fx.doc)
}

test_tightening_passes if {
	count(cap014.deny) == 0 with input as fx.diff(head({"headroom_min": 0.35, "critical_utilization": 0.80, "redundancy": {"n_plus": 2}}), fx.doc)
}

test_denies_lower_n_plus if {
	fs := cap014.deny with input as fx.diff(head({"redundancy": {"n_plus": 0}}), fx.doc)
	{[f.msg, f.location.line] | some f in fs} == {["plan inference: the change lowers policy.redundancy.n_plus from 1 to 0; revert it or get the change approved outside this pull request", 8]}
}

test_denies_higher_critical_utilization if {
	fs := cap014.deny with input as fx.diff(head({"critical_utilization": 0.9}), fx.doc)
	{f.msg | some f in fs} == {"plan inference: the change raises policy.critical_utilization from 85% to 90%; revert it or get the change approved outside this pull request"}
}

test_denies_longer_review_age if {
	fs := cap014.deny with input as fx.diff(head({"review_max_age_days": 120}), fx.doc)

	# No position for the field: the finding points at the plan.
	{[f.msg, f.location] | some f in fs} == {[
		"plan inference: the change raises policy.review_max_age_days from 92 days to 120 days; revert it or get the change approved outside this pull request",
		{"file": "capacity/inference.cue", "line": 1, "column": 0},
	]}
}

test_denies_zone_to_replica if {
	fs := cap014.deny with input as fx.diff(head({"redundancy": {"domain": "replica"}}), fx.doc)
	{f.location.column | some f in fs} == {36}
}

test_denies_added_exception if {
	d := fx.diff(fx.with_plan({"exceptions": [exception]}), fx.doc)
	cap014.deny == {{
		"rule": "CAP014",
		"msg": "plan inference: the change adds an exception to CAP001 for pool/h100-use1 (migration to us-east-2 in progress); exceptions apply only once approved and merged",
		"target": "plan/inference",
		"location": {"file": "capacity/inference.cue", "line": 70, "column": 5},
	}} with input as d
}

test_existing_exception_passes if {
	with_exc := fx.with_plan({"exceptions": [exception]})
	count(cap014.deny) == 0 with input as fx.diff(with_exc, with_exc)
}

# proposed is a head plan judged with the base's trusted policy that asks for
# its own (what `capcheck check --base` produces).
proposed(patch) := fx.with_plan({"proposed": object.union(
	{"policy": fx.plan.policy, "plan_for": "moderate", "contingency_for": "aggressive", "exceptions": []},
	patch,
)})

test_denies_proposed_lower_headroom_min if {
	fs := cap014.deny with input as fx.diff(proposed({"policy": object.union(fx.plan.policy, {"headroom_min": 0.1})}), fx.doc)
	{[f.msg, f.location.line] | some f in fs} == {["plan inference: the change lowers policy.headroom_min from 30% to 10%; revert it or get the change approved outside this pull request", 7]}
}

test_proposed_same_as_trusted_passes if {
	count(cap014.deny) == 0 with input as fx.diff(proposed({}), fx.doc)
}

test_denies_proposed_exception if {
	fs := cap014.deny with input as fx.diff(proposed({"exceptions": [exception]}), fx.doc)
	{f.msg | some f in fs} == {"plan inference: the change adds an exception to CAP001 for pool/h100-use1 (migration to us-east-2 in progress); exceptions apply only once approved and merged"}
}

test_denies_lower_demand_plan_for if {
	fs := cap014.deny with input as fx.diff(proposed({"plan_for": "conservative"}), fx.doc)
	{f.msg | some f in fs} == {"plan inference: the change moves plan_for from moderate to the lower-demand scenario conservative; revert it or get the change approved outside this pull request"}
}

test_higher_demand_plan_for_passes if {
	count(cap014.deny) == 0 with input as fx.diff(proposed({"plan_for": "aggressive"}), fx.doc)
}

test_denies_new_plan_weaker_than_defaults if {
	# A plan absent from the base is judged with the defaults; its own
	# weaker threshold is reported against them.
	base := object.union(fx.doc, {"plans": []})
	fs := cap014.deny with input as fx.diff(proposed({"policy": object.union(fx.plan.policy, {"headroom_min": 0.2})}), base)
	{f.msg | some f in fs} == {"plan inference: the change lowers policy.headroom_min from 30% to 20%; revert it or get the change approved outside this pull request"}
}
