package schema

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestSessionReuse: the schema is compiled once for many loads (compiling
// it on every LoadPlanBytes call was most of the cost of a small plan), but
// a session is not reused after an evaluation in it was abandoned, nor
// after maxSessionUses files.
func TestSessionReuse(t *testing.T) {
	idle.Lock()
	idle.sessions = nil
	idle.Unlock()
	first, err := getSession()
	if err != nil {
		t.Fatal(err)
	}
	first.release()
	again, _ := getSession()
	if again != first {
		t.Fatal("getSession after release compiled the schema again")
	}
	again.abandoned = true
	again.release()
	fresh, _ := getSession()
	if fresh == again {
		t.Fatal("getSession returned a session an evaluation was abandoned in")
	}
	fresh.uses = maxSessionUses
	fresh.release()
	if s, _ := getSession(); s == fresh {
		t.Fatalf("getSession returned a session used %d times", maxSessionUses)
	}
}

// TestSessionReuseSameResult: a plan loaded in a session that loaded other
// files (valid, invalid, another format) is the plan a fresh session loads.
func TestSessionReuseSameResult(t *testing.T) {
	s, err := newSession()
	if err != nil {
		t.Fatal(err)
	}
	want, ds := s.loadBytes("capacity/p.yaml", []byte(hostileYAML))
	if ds != nil {
		t.Fatal(ds)
	}
	for _, other := range []struct{ name, data string }{
		{"capacity/q.cue", hostileCUE},
		{"capacity/r.yaml", strings.Replace(hostileYAML, "lead_time_weeks: 8", "lead_time_weeks: -8", 1)},
		{"capacity/s.json", `{"name": 1}`},
	} {
		s.loadBytes(other.name, []byte(other.data))
		got, ds := s.loadBytes("capacity/p.yaml", []byte(hostileYAML))
		if ds != nil {
			t.Fatalf("after %s: %v", other.name, ds)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("plan after loading %s (-fresh +reused):\n%s", other.name, diff)
		}
	}
}
