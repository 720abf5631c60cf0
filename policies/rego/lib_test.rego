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

test_money if {
	lib.money(116800.4, "USD") == "USD 116800"
}
