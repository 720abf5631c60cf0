package terraform

// Module version constraints, checked against the version terraform init
// installed (modules.json), as Terraform's configuration loader checks
// them before it plans: the syntax and rules of hashicorp/go-version,
// which Terraform uses there
// (https://developer.hashicorp.com/terraform/language/expressions/version-constraints).

import (
	"cmp"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// moduleVersion is a version number: numeric segments (at least three,
// missing ones zero; given counts those written) and an optional
// pre-release suffix. Build metadata (+…) is ignored.
type moduleVersion struct {
	segs  []int64
	given int
	pre   string
}

var versionRE = regexp.MustCompile(`^v?([0-9]+(?:\.[0-9]+)*)(?:-([0-9A-Za-z~-]+(?:\.[0-9A-Za-z~-]+)*))?(?:\+[0-9A-Za-z~-]+(?:\.[0-9A-Za-z~-]+)*)?$`)

// parseModuleVersion parses "1.2.3", "v20.0", "1.0.0-beta.1+build".
func parseModuleVersion(s string) (moduleVersion, error) {
	m := versionRE.FindStringSubmatch(strings.TrimSpace(s))
	if m == nil {
		return moduleVersion{}, fmt.Errorf("%q is not a version number", s)
	}
	parts := strings.Split(m[1], ".")
	v := moduleVersion{given: len(parts), pre: m[2]}
	for _, p := range parts {
		n, err := strconv.ParseInt(p, 10, 64)
		if err != nil {
			return moduleVersion{}, fmt.Errorf("%q: version segment %s is out of range", s, p)
		}
		v.segs = append(v.segs, n)
	}
	for len(v.segs) < 3 {
		v.segs = append(v.segs, 0)
	}
	return v, nil
}

// String writes v with its segments padded ("20.0" → "20.0.0").
func (v moduleVersion) String() string {
	var b strings.Builder
	for i, s := range v.segs {
		if i > 0 {
			b.WriteByte('.')
		}
		b.WriteString(strconv.FormatInt(s, 10))
	}
	if v.pre != "" {
		b.WriteString("-" + v.pre)
	}
	return b.String()
}

// compare orders versions: segments first (a missing segment is zero),
// then a release above its pre-releases, and pre-releases by semantic
// versioning's precedence (dot-separated identifiers: numbers numerically
// and below words, words in ASCII order, a shorter list first).
func (v moduleVersion) compare(o moduleVersion) int {
	for i := range max(len(v.segs), len(o.segs)) {
		a, b := segAt(v.segs, i), segAt(o.segs, i)
		if a != b {
			if a < b {
				return -1
			}
			return 1
		}
	}
	switch {
	case v.pre == o.pre:
		return 0
	case v.pre == "":
		return 1
	case o.pre == "":
		return -1
	}
	a, b := strings.Split(v.pre, "."), strings.Split(o.pre, ".")
	for i := range min(len(a), len(b)) {
		if c := comparePreID(a[i], b[i]); c != 0 {
			return c
		}
	}
	return cmp.Compare(len(a), len(b))
}

func segAt(s []int64, i int) int64 {
	if i < len(s) {
		return s[i]
	}
	return 0
}

func comparePreID(a, b string) int {
	na, aErr := strconv.ParseUint(a, 10, 64)
	nb, bErr := strconv.ParseUint(b, 10, 64)
	switch {
	case aErr == nil && bErr == nil:
		switch {
		case na < nb:
			return -1
		case na > nb:
			return 1
		}
		return 0
	case aErr == nil:
		return -1
	case bErr == nil:
		return 1
	}
	return strings.Compare(a, b)
}

// sameSegments reports whether v and o have the same numeric segments,
// written to the same length once padded.
func (v moduleVersion) sameSegments(o moduleVersion) bool { return slices.Equal(v.segs, o.segs) }

// versionConstraint is one condition of a constraint: an operator ("=",
// "!=", ">", ">=", "<", "<=", "~>") and a version.
type versionConstraint struct {
	op string
	v  moduleVersion
}

var constraintRE = regexp.MustCompile(`^\s*(=|!=|>=|<=|>|<|~>)?\s*(\S+)\s*$`)

// parseVersionConstraints parses a constraint string: conditions separated
// by commas, each an operator (none means =) and a version.
func parseVersionConstraints(s string) ([]versionConstraint, error) {
	var out []versionConstraint
	for _, part := range strings.Split(s, ",") {
		m := constraintRE.FindStringSubmatch(part)
		if m == nil {
			return nil, fmt.Errorf("malformed condition %q: want an operator (=, !=, >, >=, <, <=, ~>) and a version", strings.TrimSpace(part))
		}
		v, err := parseModuleVersion(m[2])
		if err != nil {
			return nil, fmt.Errorf("malformed condition %q: %v", strings.TrimSpace(part), err)
		}
		out = append(out, versionConstraint{op: cmpOr(m[1], "="), v: v})
	}
	return out, nil
}

// allowVersion reports whether v meets every condition of cs.
//
// Pre-releases: a version with a pre-release suffix meets a comparison
// (>, >=, <, <=, ~>) only when the condition's version is a pre-release of
// the same segments, and a pessimistic condition on a pre-release admits
// pre-releases only; = and != compare exactly. `~> X.Y` admits X.Y and
// later releases of X; `~> X.Y.Z` later patches of X.Y; a lone `~> X`
// admits anything from X on, as hashicorp/go-version does.
func allowVersion(cs []versionConstraint, v moduleVersion) bool {
	for _, c := range cs {
		if !c.allows(v) {
			return false
		}
	}
	return true
}

func (c versionConstraint) allows(v moduleVersion) bool {
	cmp := v.compare(c.v)
	switch c.op {
	case "=":
		return cmp == 0
	case "!=":
		return cmp != 0
	}
	if v.pre != "" && (c.v.pre == "" || !v.sameSegments(c.v)) {
		return false
	}
	switch c.op {
	case ">":
		return cmp > 0
	case ">=":
		return cmp >= 0
	case "<":
		return cmp < 0
	case "<=":
		return cmp <= 0
	}
	// ~>: at least c's version, with every written segment but the last
	// unchanged.
	if c.v.pre != "" && v.pre == "" || cmp < 0 || len(c.v.segs) > len(v.segs) {
		return false
	}
	for i := 0; i < c.v.given-1; i++ {
		if v.segs[i] != c.v.segs[i] {
			return false
		}
	}
	return true
}
