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

# advice is the generic way out, left off when the reader's message
# already says what to do (remedied: a type to add to the catalog, a
# module to install with terraform init).
advice(u) := "" if {
	u.remedied
} else := "; make the value static or pass a terraform plan file (terraform show -json)"

deny contains f if {
	some u in input.unresolved
	f := {
		"rule": "CAP015",
		"msg": sprintf("%s: GPU capacity could not be evaluated statically: %s%s", [u.address, u.msg, advice(u)]),
		"target": sprintf("reservation/%s", [u.address]),
		"location": lib.resource_pos(u),
	}
}
