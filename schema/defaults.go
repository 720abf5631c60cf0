package schema

import "sync"

var defaultPolicy = sync.OnceValues(func() (Policy, error) {
	// The defaults live in the CUE schema: read them by loading the
	// smallest valid plan through it.
	const minimal = `{"name": "defaults", "owner": "capcheck", "reviewed": "2000-01-01",
"scenarios": {"conservative": {"monthly_growth": 0}, "moderate": {"monthly_growth": 0}, "aggressive": {"monthly_growth": 0}},
"pools": {}, "workloads": {}}`
	p, err := LoadPlanBytes("defaults.json", []byte(minimal))
	if err != nil {
		return Policy{}, err
	}
	return p.Policy, nil
})

// DefaultPolicy returns the policy thresholds a plan gets when it sets none,
// as the embedded CUE schema defines them.
func DefaultPolicy() Policy {
	p, err := defaultPolicy()
	if err != nil {
		// The embedded schema is part of the binary; a failure here is a
		// build defect, caught by TestDefaultPolicy.
		panic("capcheck: embedded schema has no valid defaults: " + err.Error())
	}
	return p
}
