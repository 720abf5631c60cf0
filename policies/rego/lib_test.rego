package capcheck.lib_test

import data.capcheck.lib

test_num if {
	lib.num(52) == "52"
	lib.num(51.25) == "51.3"
	lib.num(9.6) == "9.6"
	lib.num(0) == "0"
	lib.num(-1) == "-1"
	lib.num(70.0) == "70"
}

test_pct if {
	lib.pct(0.3) == "30"
	lib.pct(0.175) == "17.5"
	lib.pct(0.2857142857) == "28.6"
	lib.pct(-1) == "-100"
}

# pct_vs adds decimals only where rounding would hide the difference from
# the limit.
test_pct_vs if {
	lib.pct_vs(0.91, 0.85) == "91"
	lib.pct_vs(0.8501, 0.85) == "85.01"
	lib.pct_vs(0.4999, 0.5) == "49.99"
	lib.pct_vs(0.85, 0.85) == "85"
	lib.pct_vs(0.850001, 0.85) == "85.0001"
	lib.pct_vs(0.2999, 0.3) == "29.99"

	# x × 100 is a whole number (85) while the limit differs only in the
	# 7th decimal: OPA hands sprintf an integer there, which "%.4f" would
	# print as "%!f(int64=85)"; the figure must read "85.0000".
	lib.pct_vs(0.85, 0.8500001) == "85.0000"
}

# Whole numbers reach the fixed-decimal formats as integers; they keep
# their decimals instead of printing a Go format error.
test_fixed if {
	lib.fixed(85, 2) == "85.00"
	lib.fixed(85, 4) == "85.0000"
	lib.fixed(1000000000000000, 1) == "1000000000000000.0"
	lib.fixed(12.5, 2) == "12.50"
	lib.fixed(-3, 1) == "-3.0"
}

test_money if {
	lib.money(116800.4, "USD") == "USD 116800"
}

# A ComputeClass priority is named by its machine type first, then its
# accelerators, then its machine family.
test_k8s_class_priority if {
	lib.k8s_class_priority({"machine_type": "a3-highgpu-8g", "accelerators": 8, "gpu": "H100-SXM"}) == "a3-highgpu-8g"
	lib.k8s_class_priority({"accelerator": "nvidia-l4", "accelerators": 2, "spot": true}) == "2 × nvidia-l4, spot"
	lib.k8s_class_priority({"accelerator": "tpu-v5-lite-device", "tpu": true}) == "tpu-v5-lite-device"
	lib.k8s_class_priority({"machine_family": "n4"}) == "machine family n4"
	lib.k8s_class_priority({}) == "no machine named"
}
