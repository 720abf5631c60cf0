package policies

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata")

func TestDocGolden(t *testing.T) {
	e := newTestEngine(t, Options{})
	var buf bytes.Buffer
	if err := Doc(&buf, e.Rules()); err != nil {
		t.Fatal(err)
	}
	golden := filepath.Join("testdata", "doc.golden.md")
	if *update {
		if err := os.WriteFile(golden, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), buf.String()); diff != "" {
		t.Errorf("Doc output differs from %s (-want +got), rerun with -update if intended:\n%s", golden, diff)
	}
}

func TestDocEscapesAndDefaults(t *testing.T) {
	rules := []Rule{{
		ID: "ORG 1", Title: "a | b", Level: "warn", Enforcement: "soft-mandatory", DefaultEnforcement: "advisory",
		Package: "main",
	}}
	var buf bytes.Buffer
	if err := Doc(&buf, rules); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"| [ORG 1](#org-1) | warn | soft-mandatory | - | a \\| b |\n",
		"Level `warn`, enforcement `soft-mandatory` (default `advisory`), package `main`.\n",
	} {
		if !bytes.Contains(buf.Bytes(), []byte(want)) {
			t.Errorf("Doc output lacks %q:\n%s", want, buf.String())
		}
	}
}
