# METADATA
# title: Exception expired
# description: >-
#   An exception's expiry date has passed: it no longer applies, so the
#   finding it covered is back. Renew it (at most 90 days out) with a fresh
#   approval, or remove it.
# custom:
#   id: CAP017
#   severity: low
#   enforcement: advisory
package capcheck.rules.cap017

warn contains f if {
	some p in input.plans
	some e in p.exceptions
	e.expired
	f := {
		"rule": "CAP017",
		"msg": sprintf("exception to %s for %s expired on %s and no longer applies; fix the finding, renew the exception (at most 90 days out) or remove it", [
			e.rule, e.target, e.expires,
		]),
		"target": sprintf("plan/%s", [p.name]),
		"location": e.location,
	}
}
