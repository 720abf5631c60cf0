package capcheck.rules.cap002_test

import data.capcheck.rules.cap002
import data.capcheck.test.fixtures as fx

test_healthy_pool_passes if {
	count(cap002.deny) == 0 with input as fx.doc
}

# Zones 32/24/8: losing us-east-1a leaves 32 for 40 required; add 40 - 32 = 8.
test_denies_when_losing_largest_zone_leaves_too_little if {
	d := fx.with_pool({"n_plus": {
		"ok": false,
		"domains": [{"name": "us-east-1a", "gpus": 32}, {"name": "us-east-1b", "gpus": 24}, {"name": "us-east-1c", "gpus": 8}],
		"capacity_after_loss": 32,
	}})
	cap002.deny == {{
		"rule": "CAP002",
		"msg": "pool h100-use1: N+1 across zones fails in 2026-12: losing us-east-1a (32 GPUs) leaves 32 GPUs for a 40 GPU peak; add 8 GPUs outside the lost zone or spread reservations across more zones",
		"target": "pool/h100-use1",
		"location": {"file": "capacity/inference.cue", "line": 20, "column": 3},
	}} with input as d
}

# N+2 names the two largest zones, ties by name: 64 - 24 - 24 = 16 left.
test_names_the_k_largest_domains if {
	d := fx.with_pool({"n_plus": {"k": 2, "ok": false, "capacity_after_loss": 16}})
	fs := cap002.deny with input as d
	count(fs) == 1
	some f in fs
	f.msg == "pool h100-use1: N+2 across zones fails in 2026-12: losing us-east-1a (24 GPUs) and us-east-1b (24 GPUs) leaves 16 GPUs for a 40 GPU peak; add 24 GPUs outside the lost zone or spread reservations across more zones"
}

test_no_domains if {
	d := fx.with_pool({"n_plus": {"ok": false, "domains": [], "capacity_after_loss": 0}})
	fs := cap002.deny with input as d
	count(fs) == 1
	some f in fs
	f.msg == "pool h100-use1: N+1 across zones fails in 2026-12: no zone holds guaranteed capacity, which leaves 0 GPUs for a 40 GPU peak; add 40 GPUs outside the lost zone or spread reservations across more zones"
}

# Redundancy is judged only where an availability SLO needs it.
test_allows_when_not_required if {
	count(cap002.deny) == 0 with input as fx.with_pool({"n_plus": {"required": false, "ok": false, "capacity_after_loss": 32}})
}

# A capacity block without a zone is counted with the largest zone
# ("us-east-1a+unknown", 24 + 16): losing it leaves 64 + 16 − 40 = 40 for
# 41 required; add 41 − 40 = 1 GPU (singular).
test_names_zone_less_capacity_and_one_gpu if {
	d := fx.with_pool({"n_plus": {
		"ok": false,
		"domains": [{"name": "us-east-1a+unknown", "gpus": 40}, {"name": "us-east-1b", "gpus": 24}, {"name": "us-east-1c", "gpus": 16}],
		"capacity_after_loss": 40,
		"required_gpus": 41,
	}})
	fs := cap002.deny with input as d
	{f.msg | some f in fs} == {"pool h100-use1: N+1 across zones fails in 2026-12: losing us-east-1a with the zone-less reservations that may share it (40 GPUs) leaves 40 GPUs for a 41 GPU peak; add 1 GPU outside the lost zone or spread reservations across more zones"}
}

# With no zone known at all, the one domain is the zone-less reservations.
test_names_only_zone_less_capacity if {
	d := fx.with_pool({"n_plus": {"ok": false, "domains": [{"name": "unknown", "gpus": 16}], "capacity_after_loss": 0}})
	fs := cap002.deny with input as d
	{f.msg | some f in fs} == {"pool h100-use1: N+1 across zones fails in 2026-12: losing the zone-less reservations (16 GPUs) leaves 0 GPUs for a 40 GPU peak; add 40 GPUs outside the lost zone or spread reservations across more zones"}
}
