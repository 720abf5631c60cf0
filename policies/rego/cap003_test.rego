package capcheck.rules.cap003_test

import data.capcheck.rules.cap003
import data.capcheck.test.fixtures as fx

test_claimed_reservations_pass if {
	count(cap003.deny) == 0 with input as fx.doc
}

test_denies_unclaimed_guaranteed_reservation if {
	r := object.union(fx.reservation("d", 28), {"pool": ""})
	d := object.union(fx.doc, {"reservations": array.concat(fx.doc.reservations, [r])})
	cap003.deny == {{
		"rule": "CAP003",
		"msg": "reservation aws_ec2_capacity_reservation.h100_use1d: 24 H100-SXM GPUs in us-east-1d are not claimed by any pool; add the address to a pool's reservations in a capacity plan or release it",
		"target": "reservation/aws_ec2_capacity_reservation.h100_use1d",
		"location": {"file": "infra/gpu.tf", "line": 28, "column": 1},
	}} with input as d
}

test_ignores_elastic_and_consumers if {
	elastic := object.union(fx.reservation("e", 40), {"pool": "", "kind": "elastic", "guaranteed": false})
	consumer := object.union(fx.reservation("f", 50), {"pool": "", "consumer_of": "aws_ec2_capacity_reservation.h100_use1a"})
	d := object.union(fx.doc, {"reservations": [elastic, consumer]})
	count(cap003.deny) == 0 with input as d
}
