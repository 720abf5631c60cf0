package policies

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"
)

// TestHealthyJSONIsRegoFixture keeps testdata/healthy.json (the Go tests'
// input) equal to data.capcheck.test.fixtures.doc (the Rego tests' input);
// -update rewrites the JSON from the Rego.
func TestHealthyJSONIsRegoFixture(t *testing.T) {
	checkRegoFixture(t, "doc", "healthy.json")
}

// checkRegoFixture fails t unless testdata/name holds, as indented JSON,
// the Rego tests' fixture data.capcheck.test.fixtures.<fixture>; -update
// rewrites the file from the Rego first. It returns the file's contents.
func checkRegoFixture(t *testing.T, fixture, name string) []byte {
	t.Helper()
	srcs, err := builtinSources()
	if err != nil {
		t.Fatal(err)
	}
	opts := []func(*rego.Rego){rego.Query("data.capcheck.test.fixtures." + fixture), rego.SetRegoVersion(ast.RegoV1)}
	for _, s := range srcs {
		opts = append(opts, rego.Module(s.Name, s.Text))
	}
	rs, err := rego.New(opts...).Eval(context.Background())
	if err != nil || len(rs) != 1 {
		t.Fatalf("evaluate the fixture: %v (%d results)", err, len(rs))
	}
	want, err := json.MarshalIndent(rs[0].Expressions[0].Value, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	want = append(want, '\n')
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, want, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Fatalf("%s differs from rego/fixtures_test.rego's %s (-rego +json), rerun with -update:\n%s", path, fixture, diff)
	}
	return got
}
