package policies

import (
	"strings"
	"sync"

	"github.com/open-policy-agent/opa/v1/ast"
)

// removedReason says why a built-in is left out of the capabilities, keyed by
// built-in name; it completes the compiler's "undefined function" error.
var (
	capsOnce     sync.Once
	sandboxCaps  *ast.Capabilities
	removedNotes map[string]string
)

const (
	noteNetwork = "capcheck policies cannot use network or environment built-ins"
	noteClock   = "capcheck policies cannot read the clock: use input.now"
	noteRandom  = "capcheck policies cannot use non-deterministic built-ins"
)

// networkBuiltins reach the network or the environment beyond the net.*
// family.
var networkBuiltins = map[string]bool{
	"http.send":              true,
	"opa.runtime":            true,
	"providers.aws.sign_req": true,
}

// capabilities returns the sandboxed capabilities every capcheck policy is
// compiled with: this OPA version's built-ins less those that reach the
// network or environment and those whose result is not a function of their
// arguments, and no network access for schema references.
func capabilities() *ast.Capabilities {
	capsOnce.Do(func() {
		caps := ast.CapabilitiesForThisVersion()
		notes := map[string]string{}
		kept := caps.Builtins[:0:0]
		for _, b := range caps.Builtins {
			if note := removal(b); note != "" {
				notes[b.Name] = note
				continue
			}
			kept = append(kept, b)
		}
		caps.Builtins = kept
		caps.AllowNet = []string{}
		sandboxCaps, removedNotes = caps, notes
	})
	return sandboxCaps
}

// removal says why b is removed, or "" when it is kept.
func removal(b *ast.Builtin) string {
	switch {
	case networkBuiltins[b.Name] || strings.HasPrefix(b.Name, "net."):
		return noteNetwork
	case b.Name == "time.now_ns":
		return noteClock
	case b.Nondeterministic:
		return noteRandom
	}
	return ""
}

// removedNote returns the reason name was removed from the capabilities, or
// "" when it is not a removed built-in.
func removedNote(name string) string {
	capabilities()
	return removedNotes[name]
}
