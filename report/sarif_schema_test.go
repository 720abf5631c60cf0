package report

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/xeipuuv/gojsonschema"

	"github.com/capcheck/capcheck/internal/testkit"
	"github.com/capcheck/capcheck/policies"

	// go-sarif carries the OASIS SARIF 2.1.0 schema (errata 01) as the
	// source text of its package; the blank import keeps the module (and
	// so that text) in go.mod and the module cache.
	_ "github.com/owenrumney/go-sarif/v3/pkg/report/v210/sarif"
)

var oasisSchema struct {
	once   sync.Once
	schema *gojsonschema.Schema
	err    error
}

// sarifSchemaOf compiles the SARIF 2.1.0 JSON schema, read from the
// source of go-sarif's v210 package in the module cache (the backquoted
// `schema` constant of schema.go).
func sarifSchemaOf(t *testing.T) *gojsonschema.Schema {
	t.Helper()
	testkit.NeedCommand(t, "go", "the SARIF schema is read from the go-sarif module the go command locates")
	oasisSchema.once.Do(func() {
		out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/owenrumney/go-sarif/v3").Output()
		if err != nil {
			oasisSchema.err = fmt.Errorf("go list go-sarif: %v", err)
			return
		}
		src, err := os.ReadFile(filepath.Join(strings.TrimSpace(string(out)), "pkg", "report", "v210", "sarif", "schema.go"))
		if err != nil {
			oasisSchema.err = err
			return
		}
		_, text, ok := strings.Cut(string(src), "const schema = `")
		text, _, ok2 := strings.Cut(text, "`")
		if !ok || !ok2 || !strings.Contains(text, `"Static Analysis Results Format (SARIF) Version 2.1.0 JSON Schema"`) {
			oasisSchema.err = fmt.Errorf("go-sarif's schema.go does not hold the SARIF 2.1.0 schema constant")
			return
		}
		oasisSchema.schema, oasisSchema.err = gojsonschema.NewSchema(gojsonschema.NewStringLoader(text))
	})
	if oasisSchema.err != nil {
		t.Fatal(oasisSchema.err)
	}
	return oasisSchema.schema
}

// validateSARIF validates a SARIF log, as written, against the schema.
func validateSARIF(t *testing.T, log []byte) error {
	t.Helper()
	var v any
	if err := json.NewDecoder(bytes.NewReader(log)).Decode(&v); err != nil {
		return err
	}
	res, err := sarifSchemaOf(t).Validate(gojsonschema.NewGoLoader(v))
	if err != nil {
		return err
	}
	if !res.Valid() {
		var msgs []string
		for _, e := range res.Errors() {
			msgs = append(msgs, e.String())
		}
		return fmt.Errorf("%s", strings.Join(msgs, "; "))
	}
	return nil
}

// TestSARIFSchema validates the SARIF capcheck writes — the full check
// (deny, warn, excepted, overridden, existing and fixed findings, rules
// with help) and a check without findings — against the OASIS SARIF 2.1.0
// JSON schema.
func TestSARIFSchema(t *testing.T) {
	cases := map[string]*Check{
		"fixture":     fixtureCheck(),
		"no findings": NewCheck(fixtureDoc(), &policies.Result{Verdict: "pass"}),
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			out := render(t, "sarif", c, fixtureOptions())
			if err := validateSARIF(t, []byte(out)); err != nil {
				t.Errorf("SARIF does not validate against the 2.1.0 schema: %v", err)
			}
		})
	}
}

// TestSARIFSchemaCatches shows the validation can fail: a result level
// the schema does not allow, and a run without its tool, are refused.
func TestSARIFSchemaCatches(t *testing.T) {
	out := render(t, "sarif", fixtureCheck(), fixtureOptions())
	for name, bad := range map[string]string{
		"level":   strings.Replace(out, `"level": "error"`, `"level": "fatal"`, 1),
		"no tool": strings.Replace(out, `"tool":`, `"toolx":`, 1),
	} {
		if bad == out {
			t.Fatalf("%s: the mutation did not apply", name)
		}
		if err := validateSARIF(t, []byte(bad)); err == nil {
			t.Errorf("%s: a mutated log validated", name)
		}
	}
}
