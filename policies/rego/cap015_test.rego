package capcheck.rules.cap015_test

import data.capcheck.rules.cap015
import data.capcheck.test.fixtures as fx

test_nothing_unresolved_passes if {
	count(cap015.deny) == 0 with input as fx.doc
}

test_denies_each_unresolved_resource if {
	d := object.union(fx.doc, {"unresolved": [{
		"address": "module.remote.aws_ec2_capacity_reservation.h100",
		"file": "infra/remote.tf", "line": 3, "column": 1,
		"msg": "module source git::https://example.com/gpu.git is remote",
	}]})
	cap015.deny == {{
		"rule": "CAP015",
		"msg": "module.remote.aws_ec2_capacity_reservation.h100: GPU capacity could not be evaluated statically: module source git::https://example.com/gpu.git is remote; make the value static or pass a terraform plan file (terraform show -json)",
		"target": "reservation/module.remote.aws_ec2_capacity_reservation.h100",
		"location": {"file": "infra/remote.tf", "line": 3, "column": 1},
	}} with input as d
}
