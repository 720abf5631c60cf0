package capcheck.rules.cap001_test

import data.capcheck.rules.cap001
import data.capcheck.test.fixtures as fx

test_healthy_pool_passes if {
	count(cap001.deny) == 0 with input as fx.doc
}

# 56 GPUs for 40 required: headroom 1 - 40/56 = 0.2857 -> "28.6%";
# short ceil(40/0.7 - 56) = ceil(1.14) = 2.
test_denies_headroom_below_min if {
	d := fx.with_pool({
		"reserved_gpus": 56,
		"min_headroom": 0.2857142857,
		"gpus_short": 2,
		"timeline": [{"month": "2026-12", "capacity_gpus": 56, "required_gpus": 40, "headroom": 0.2857142857}],
	})
	cap001.deny == {{
		"rule": "CAP001",
		"msg": "pool h100-use1: headroom 28.6% in 2026-12 is below 30% (needs 40 GPUs, has 56); add 2 GPUs or lower demand",
		"target": "pool/h100-use1",
		"location": {"file": "capacity/inference.cue", "line": 20, "column": 3},
	}} with input as d
}

# 57 GPUs for 40 required: 1 - 40/57 = 0.2982 -> "29.8%", just below 30%;
# short ceil(40/0.7 - 57) = ceil(0.14) = 1: "1 GPU", singular.
test_denies_just_below_min if {
	d := fx.with_pool({
		"reserved_gpus": 57,
		"min_headroom": 0.2982456140350877,
		"gpus_short": 1,
		"timeline": [{"month": "2026-12", "capacity_gpus": 57, "required_gpus": 40, "headroom": 0.2982456140350877}],
	})
	cap001.deny == {{
		"rule": "CAP001",
		"msg": "pool h100-use1: headroom 29.8% in 2026-12 is below 30% (needs 40 GPUs, has 57); add 1 GPU or lower demand",
		"target": "pool/h100-use1",
		"location": fx.pool.location,
	}} with input as d
}

test_allows_headroom_at_min if {
	count(cap001.deny) == 0 with input as fx.with_pool({"min_headroom": 0.30})
}

test_allows_headroom_just_above_min if {
	count(cap001.deny) == 0 with input as fx.with_pool({"min_headroom": 0.31})
}

# The plan's own headroom_min is the threshold, not a fixed 30%.
# 1 - 40/64 = 37.5% is below the plan's 40%: short ceil(40/0.6 - 64) =
# ceil(2.67) = 3.
test_uses_pool_headroom_min if {
	{f.msg | some f in cap001.deny} == {"pool h100-use1: headroom 37.5% in 2026-12 is below 40% (needs 40 GPUs, has 64); add 3 GPUs or lower demand"} with input as fx.with_pool({"headroom_min": 0.40, "min_headroom": 0.375, "gpus_short": 3})
}

# Without capacity the headroom is -1; a missing timeline month drops the
# figures, never the finding.
test_denies_without_capacity_or_timeline if {
	cap001.deny == {{
		"rule": "CAP001",
		"msg": "pool h100-use1: headroom -100% in 2026-12 is below 30%; add 58 GPUs or lower demand",
		"target": "pool/h100-use1",
		"location": fx.pool.location,
	}} with input as fx.with_pool({"min_headroom": -1, "gpus_short": 58, "timeline": []})
}

# The issue's hybrid plan with a 16-GPU node group: the peak of 30 on
# 16 guaranteed + 16 elastic = 32 leaves 1 - 30/32 = 0.0625 -> "6.3%"
# (the baseline of 8 on 16 guaranteed has 50%); short ceil(30/0.7 - 32) =
# ceil(10.86) = 11.
test_denies_hybrid_burst_below_min if {
	d := fx.with_pool({
		"strategy": "hybrid",
		"reserved_gpus": 16,
		"min_headroom": 0.0625,
		"gpus_short": 11,
		"timeline": [{
			"month": "2026-12", "capacity_gpus": 16, "required_gpus": 30, "headroom": 0.0625,
			"basis": "burst", "judged_capacity_gpus": 32, "judged_required_gpus": 30, "baseline_gpus": 8,
		}],
	})
	cap001.deny == {{
		"rule": "CAP001",
		"msg": "pool h100-use1: headroom 6.3% in 2026-12 is below 30% (peak needs 30 GPUs, has 32 guaranteed and elastic); add 11 GPUs or lower demand",
		"target": "pool/h100-use1",
		"location": fx.pool.location,
	}} with input as d
}
