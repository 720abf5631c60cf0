package schema

import (
	"maps"
	"slices"
	"strings"

	"cuelang.org/go/cue"
)

// dependencies checks what plan.cue cannot say about dependencies: names
// usable in targets, a provider-api with at least one limit, an llm-api
// workload's provider naming a provider-api dependency, and every calls
// key naming a dependency that takes calls (storage grows by its own
// figure, not per request).
func (c *checker) dependencies(u cue.Value, workloads []field) {
	kinds := map[string]string{}
	for _, d := range fieldsOf(get(u, "dependencies")) {
		dp := "dependencies." + d.name
		if !nameRE.MatchString(d.name) {
			c.errorf(dp, "dependency name %q must match %s", d.name, nameRE)
		}
		kind, _ := str(get(d.v, "kind"))
		kinds[d.name] = kind
		c.usage(d.v, kind, dp)
		if kind == DependencyProviderAPI {
			if l := get(d.v, "limits"); l.Exists() && l.Err() == nil &&
				!has(l, "tokens_per_minute") && !has(l, "requests_per_minute") {
				c.errorf(dp+".limits", "provider-api limits need at least one of tokens_per_minute, requests_per_minute")
			}
		}
	}
	names := slices.Sorted(maps.Keys(kinds))
	list := strings.Join(names, ", ")
	if list == "" {
		list = "none"
	}
	for _, w := range workloads {
		wp := "workloads." + w.name
		if prov, ok := str(get(w.v, "provider")); ok {
			switch k, found := kinds[prov]; {
			case !found:
				c.errorf(wp+".provider", "unknown dependency %q (dependencies: %s)", prov, list)
			case k != DependencyProviderAPI:
				c.errorf(wp+".provider", "provider %q is a %s dependency, not a provider-api", prov, k)
			}
		}
		for _, call := range fieldsOf(get(w.v, "calls")) {
			switch k, found := kinds[call.name]; {
			case !found:
				c.errorf(wp+".calls."+call.name, "unknown dependency %q (dependencies: %s)", call.name, list)
			case k == DependencyStorage:
				c.errorf(wp+".calls."+call.name, "dependency %q is storage, which grows by its growth_gb_per_month, not by calls", call.name)
			}
		}
	}
}

// usage checks a dependency's usage queries: each names one of the
// dependency's own limits (used_gb for storage) and is a valid actuals
// source.
func (c *checker) usage(d cue.Value, kind, dp string) {
	for _, q := range fieldsOf(get(d, "usage")) {
		qp := dp + ".usage." + q.name
		ok := false
		if kind == DependencyStorage {
			ok = q.name == "used_gb"
		} else {
			ok = has(get(d, "limits"), q.name)
		}
		if !ok {
			c.errorf(qp, "usage %q is not a limit of this %s dependency", q.name, kind)
		}
		c.actuals(q.v, qp)
	}
}
