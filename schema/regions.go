package schema

import (
	"math"
	"slices"
	"strings"
)

// servingPools checks a serving workload's pool or pools: llm-inference
// and inference workloads name one of pool (one pool) and pools (traffic
// shares by pool, summing to 1, each an existing pool).
func (c *checker) servingPools(w field, poolNames []string) {
	kind, _ := str(get(w.v, "kind"))
	if kind != KindLLMInference && kind != KindInference {
		return
	}
	wp := "workloads." + w.name
	pools := get(w.v, "pools")
	switch one, many := has(w.v, "pool"), pools.Exists(); {
	case !one && !many:
		c.errorf(wp+".pool", "%s workload needs pool, or pools (traffic shares by pool: {us: 0.6, eu: 0.4})", kind)
	case one && many:
		c.errorf(wp+".pools", "give pool or pools, not both")
	}
	if !pools.Exists() || pools.Err() != nil {
		return
	}
	shares := fieldsOf(pools)
	if len(shares) == 0 {
		c.errorf(wp+".pools", "pools needs at least one pool")
		return
	}
	sum, complete := 0.0, true
	for _, s := range shares {
		if !slices.Contains(poolNames, s.name) {
			c.errorf(wp+".pools."+s.name, "unknown pool %q (pools: %s)", s.name, strings.Join(poolNames, ", "))
		}
		f, ok := num(s.v)
		if !ok {
			complete = false
			continue
		}
		sum += f
	}
	if complete && math.Abs(sum-1) > shareTolerance {
		c.errorf(wp+".pools", "pools shares sum to %.9g, want 1", sum)
	}
}
