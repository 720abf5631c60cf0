# METADATA
# title: Exception without a reason or expiring more than 90 days out
# description: >-
#   Every exception needs a reason and an expiry no more than 90 days after
#   today, so that waivers are revisited. An exception that breaks this is a
#   finding itself and cannot be excepted.
# custom:
#   id: CAP016
#   severity: medium
#   enforcement: hard-mandatory
package capcheck.rules.cap016

max_days := 90

day_ns := (24 * 60) * 60e9

deny contains f if {
	some p in input.plans
	some e in p.exceptions
	e.expires != ""
	days := days_between(input.now, e.expires)
	days > max_days
	f := {
		"rule": "CAP016",
		"msg": sprintf("exception to %s for %s expires %s, %d days from today (%s); set an expiry at most %d days out", [
			e.rule, e.target, e.expires, days, input.now, max_days,
		]),
		"target": sprintf("plan/%s", [p.name]),
		"location": e.location,
	}
}

deny contains f if {
	some p in input.plans
	some e in p.exceptions
	missing := [k | some k in ["reason", "expires"]; trim_space(object.get(e, k, "")) == ""]
	count(missing) > 0
	f := {
		"rule": "CAP016",
		"msg": sprintf("exception to %s for %s has no %s; a reason and an expiry at most %d days out are mandatory", [
			e.rule, e.target, concat(" and no ", missing), max_days,
		]),
		"target": sprintf("plan/%s", [p.name]),
		"location": e.location,
	}
}

# days_between counts whole days from date a to date b ("YYYY-MM-DD").
days_between(a, b) := round((time.parse_ns("2006-01-02", b) - time.parse_ns("2006-01-02", a)) / day_ns)
