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

# A message that already says what to do (remedied) gets no generic
# advice after it.
test_remedied_message_has_no_generic_advice if {
	d := object.union(fx.doc, {"unresolved": [{
		"address": "aws_ec2_capacity_reservation.next",
		"file": "infra/main.tf", "line": 8, "column": 1,
		"msg": "instance type \"p9.48xlarge\" (instance_type at infra/main.tf:9:23) is not in the catalog; add it under \"instances\" in a catalog file (catalog: in capcheck.yaml, or --catalog)",
		"remedied": true,
	}]})
	cap015.deny == {{
		"rule": "CAP015",
		"msg": "aws_ec2_capacity_reservation.next: GPU capacity could not be evaluated statically: instance type \"p9.48xlarge\" (instance_type at infra/main.tf:9:23) is not in the catalog; add it under \"instances\" in a catalog file (catalog: in capcheck.yaml, or --catalog)",
		"target": "reservation/aws_ec2_capacity_reservation.next",
		"location": {"file": "infra/main.tf", "line": 8, "column": 1},
	}} with input as d
}
