package capcheck.rules.cap011_test

import data.capcheck.rules.cap011
import data.capcheck.test.fixtures as fx

forecast(fitted) := {
	"method": "holt-winters",
	"fitted_monthly_growth": fitted,
	"plan_monthly_growth": 0.03,
	"baseline_peak": 120,
	"mase": 0.8,
	"source": "actuals/chat.csv",
}

test_no_forecast_passes if {
	count(cap011.warn) == 0 with input as fx.doc
}

# 0.030 < 0.033 - 0.002 = 0.031.
test_warns_when_plan_grows_slower_than_trend if {
	cap011.warn == {{
		"rule": "CAP011",
		"msg": "workload chat: plan grows 3%/month but actuals trend 3.3%/month (holt-winters); raise the scenario's monthly_growth or explain the slowdown",
		"target": "workload/chat",
		"location": {"file": "capacity/inference.cue", "line": 40, "column": 3},
	}} with input as fx.with_workload({"forecast": forecast(0.033)})
}

# 0.030 is not below 0.0315 - 0.002 = 0.0295: noise.
test_small_difference_passes if {
	count(cap011.warn) == 0 with input as fx.with_workload({"forecast": forecast(0.0315)})
}

test_plan_above_trend_passes if {
	count(cap011.warn) == 0 with input as fx.with_workload({"forecast": forecast(0.02)})
}
