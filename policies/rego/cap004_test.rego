package capcheck.rules.cap004_test

import data.capcheck.rules.cap004
import data.capcheck.test.fixtures as fx

# Head reserves 80 (base 64), backed 64 (a pool whose demand backs 64):
# 80 > 64 × 1.1 = 70.4, so 80 - 64 = 16 are unbacked.
grown := fx.with_pool({"reserved_gpus": 80, "backed_gpus": 64, "unbacked_gpus": 16})

test_no_base_no_finding if {
	count(cap004.deny) == 0 with input as grown
}

test_unchanged_pool_passes if {
	count(cap004.deny) == 0 with input as fx.diff(fx.doc, fx.doc)
}

test_denies_added_unbacked_gpus if {
	cap004.deny == {{
		"rule": "CAP004",
		"msg": "pool h100-use1: the change adds 16 GPUs (64 -> 80) but only 64 are backed by the forecast (16 unbacked); remove the unbacked GPUs or add the demand that needs them to the plan",
		"target": "pool/h100-use1",
		"location": {"file": "capacity/inference.cue", "line": 20, "column": 3},
	}} with input as fx.diff(grown, fx.doc)
}

# Waste that was there before the change is CAP007's, not this change's.
test_existing_waste_is_not_added if {
	count(cap004.deny) == 0 with input as fx.diff(grown, grown)
}

# Adding GPUs that the forecast backs is fine.
test_allows_backed_growth if {
	backed := fx.with_pool({"reserved_gpus": 70, "unbacked_gpus": 0})
	count(cap004.deny) == 0 with input as fx.diff(backed, fx.doc)
}

test_denies_new_pool_with_unbacked_gpus if {
	base := object.union(fx.doc, {"pools": []})
	fs := cap004.deny with input as fx.diff(grown, base)
	{f.msg | some f in fs} == {"pool h100-use1: the change adds a new pool with 80 reserved GPUs but only 64 are backed by the forecast (16 unbacked); remove the unbacked GPUs or add the demand that needs them to the plan"}
}
