package policies

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/format"
)

// TestRegoFormatted keeps the built-in and example policies in `opa fmt`
// style (Rego v1), so that they read like any other Rego.
func TestRegoFormatted(t *testing.T) {
	files, err := filepath.Glob("rego/*.rego")
	if err != nil {
		t.Fatal(err)
	}
	more, _ := filepath.Glob("testdata/custom/*.rego")
	files = append(files, more...)
	if len(files) < 20 {
		t.Fatalf("found %d Rego files, want the built-ins and the example", len(files))
	}
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		got, err := format.SourceWithOpts(f, src, format.Opts{RegoVersion: ast.RegoV1})
		if err != nil {
			t.Errorf("format %s: %v", f, err)
			continue
		}
		if diff := cmp.Diff(string(src), string(got)); diff != "" {
			t.Errorf("%s is not formatted (-have +opa fmt):\n%s", f, strings.TrimSpace(diff))
		}
	}
}
