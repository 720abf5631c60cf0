package capcheck.rules.cap007_test

import data.capcheck.rules.cap007
import data.capcheck.test.fixtures as fx

# Up to 80 reserved in the commit window, 64 backed (a pool whose demand
# backs 64): 80 > 64 × 1.1 = 70.4, so 80 - 64 = 16 unbacked.
grown := fx.with_pool({"reserved_gpus": 80, "peak_reserved_gpus": 80, "backed_gpus": 64, "unbacked_gpus": 16})

test_backed_pool_passes if {
	count(cap007.warn) == 0 with input as fx.doc
}

test_warns_on_unbacked_gpus if {
	cap007.warn == {{
		"rule": "CAP007",
		"msg": "pool h100-use1: up to 80 GPUs reserved in the commit window but the forecast backs only 64 (16 unbacked); release them or plan the demand that needs them",
		"target": "pool/h100-use1",
		"location": {"file": "capacity/inference.cue", "line": 20, "column": 3},
	}} with input as grown
}

# The base already reserved the 80: the waste is not the change's (no
# CAP004), and CAP007 still warns about it.
test_warns_on_existing_waste_in_a_diff if {
	cap007.warn == {{
		"rule": "CAP007",
		"msg": "pool h100-use1: up to 80 GPUs reserved in the commit window but the forecast backs only 64 (16 unbacked); release them or plan the demand that needs them",
		"target": "pool/h100-use1",
		"location": fx.pool.location,
	}} with input as fx.diff(grown, grown)
}

# When the change adds the waste, CAP004 denies and CAP007 stays quiet.
test_quiet_when_the_change_adds_it if {
	count(cap007.warn) == 0 with input as fx.diff(grown, fx.doc)
}
