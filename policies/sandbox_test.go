package policies

import (
	"strings"
	"testing"
)

func TestSandboxCapabilities(t *testing.T) {
	kept := map[string]bool{}
	for _, b := range capabilities().Builtins {
		kept[b.Name] = true
		if b.Nondeterministic {
			t.Errorf("non-deterministic built-in %s is available", b.Name)
		}
		if strings.HasPrefix(b.Name, "net.") {
			t.Errorf("network built-in %s is available", b.Name)
		}
	}
	for _, name := range []string{"http.send", "opa.runtime", "net.lookup_ip_addr", "net.cidr_contains", "time.now_ns", "rand.intn", "uuid.rfc4122", "providers.aws.sign_req"} {
		if kept[name] {
			t.Errorf("%s is available, want it removed", name)
		}
		if removedNote(name) == "" {
			t.Errorf("removedNote(%s) is empty", name)
		}
	}
	for _, name := range []string{"sprintf", "time.parse_ns", "numbers.range", "object.get", "trace", "print"} {
		if !kept[name] {
			t.Errorf("%s was removed, want it available", name)
		}
	}
	if c := capabilities(); c.AllowNet == nil || len(c.AllowNet) != 0 {
		t.Errorf("AllowNet = %v, want empty (no host)", c.AllowNet)
	}
}
