# METADATA
# title: GPU capacity could not be evaluated statically
# description: >-
#   A GPU-bearing Terraform resource depends on something capcheck cannot
#   evaluate without applying (a data source, a remote module, an unknown
#   value). Its capacity is never counted as zero: the check fails closed until
#   the value is made static or a plan file (terraform show -json) is given.
# custom:
#   id: CAP015
#   severity: high
#   enforcement: soft-mandatory
package capcheck.rules.cap015

import data.capcheck.lib

deny contains f if {
	some u in input.unresolved
	f := {
		"rule": "CAP015",
		"msg": sprintf("%s: GPU capacity could not be evaluated statically: %s; make the value static or pass a terraform plan file (terraform show -json)", [u.address, u.msg]),
		"target": sprintf("reservation/%s", [u.address]),
		"location": lib.resource_pos(u),
	}
}
