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

# config_change is a difference between the head's capcheck.yaml and the
# base's, as `capcheck check --base` records it.
config_change(patch) := object.union(
	{
		"path": "terraform.exclude",
		"change": "added",
		"base": "",
		"head": "[\"infra/aws/**\"]",
		"location": {"file": "capcheck.yaml", "line": 3, "column": 12},
	},
	patch,
)

with_changes(changes) := object.union(fx.diff(fx.doc, fx.doc), {"config_changes": changes})

test_denies_added_config_key if {
	cap014.deny == {{
		"rule": "CAP014",
		"msg": "the change adds capcheck.yaml terraform.exclude [\"infra/aws/**\"]; configuration changes apply after merge",
		"target": "config/terraform.exclude",
		"location": {"file": "capcheck.yaml", "line": 3, "column": 12},
	}} with input as with_changes([config_change({})])
}

test_denies_edited_and_removed_config_keys if {
	fs := cap014.deny with input as with_changes([
		config_change({"path": "enforcement.CAP001", "change": "edited", "base": "\"hard-mandatory\"", "head": "\"advisory\"", "location": {"file": "capcheck.yaml", "line": 9, "column": 11}}),
		config_change({"path": "override.teams", "change": "removed", "base": "[\"acme/capacity\"]", "head": "", "location": {"file": "capcheck.yaml", "line": 1, "column": 1}}),
	])
	{[f.msg, f.target, f.location.line, f.location.column] | some f in fs} == {
		["the change edits capcheck.yaml enforcement.CAP001 from \"hard-mandatory\" to \"advisory\"; configuration changes apply after merge", "config/enforcement.CAP001", 9, 11],
		["the change removes capcheck.yaml override.teams (was [\"acme/capacity\"]); configuration changes apply after merge", "config/override.teams", 1, 1],
	}
}

test_denies_edited_policy_and_catalog_files if {
	fs := cap014.deny with input as with_changes([
		{"path": "policies", "file": "policy/allow.rego", "change": "edited", "base": "", "head": "", "location": {"file": "policy/allow.rego", "line": 1, "column": 1}},
		{"path": "catalog", "file": "catalog/gpus.json", "change": "removed", "base": "", "head": "", "location": {"file": "capcheck.yaml", "line": 4, "column": 10}},
	])
	{[f.msg, f.target, f.location.file, f.location.line] | some f in fs} == {
		["the change edits policy/allow.rego (a policy file under capcheck.yaml policies); the base's version is used until merge", "config/policy/allow.rego", "policy/allow.rego", 1],
		["the change removes catalog/gpus.json (the catalog file capcheck.yaml names); the base's version is used until merge", "config/catalog/gpus.json", "capcheck.yaml", 4],
	}
}

test_no_config_changes_passes if {
	count(cap014.deny) == 0 with input as with_changes([])
}

# moved is a diff where pool h100-use1 moves from plan strict (headroom_min
# 40% in the base) to plan inference, which exists in both trees.
moved(head_policy) := fx.diff(
	fx.with_plan({"policy": head_policy}),
	object.union(fx.doc, {
		"plans": [fx.plan, object.union(fx.plan, {"name": "strict", "policy": object.union(fx.policy, {"headroom_min": 0.4})})],
		"pools": [object.union(fx.pool, {"plan": "strict"})],
	}),
)

test_denies_pool_moved_to_weaker_plan if {
	fs := cap014.deny with input as moved(fx.policy)
	{[f.msg, f.target, f.location] | some f in fs} == {[
		"pool h100-use1: the change moves it from plan strict to plan inference, whose policy.headroom_min 30% is weaker than 40%; until merge the pool is judged with the stricter setting",
		"pool/h100-use1",
		fx.pool.location,
	]}
}

test_pool_moved_to_stricter_plan_passes if {
	count(cap014.deny) == 0 with input as moved(object.union(fx.policy, {"headroom_min": 0.45}))
}
