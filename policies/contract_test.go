package policies

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"testing"

	"github.com/capcheck/capcheck/evaluator"
)

// TestFixtureMatchesDocument keeps the hand-written policy input (the Rego
// tests' fixture, dumped to testdata/healthy.json) in step with the
// evaluator's Document: no field the evaluator does not produce, and every
// field it does produce present.
func TestFixtureMatchesDocument(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("testdata", "healthy.json"))
	if err != nil {
		t.Fatal(err)
	}
	checkDocumentFields(t, "testdata/healthy.json (rego/fixtures_test.rego)", decodeDocument(t, "testdata/healthy.json", b), b)
}

// decodeDocument decodes b, the policy input in file, as an
// evaluator.Document, failing t on any field the Document lacks.
func decodeDocument(t *testing.T, file string, b []byte) *evaluator.Document {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var d evaluator.Document
	if err := dec.Decode(&d); err != nil {
		t.Fatalf("%s is not an evaluator.Document: %v", file, err)
	}
	return &d
}

// checkDocumentFields fails t, naming the input as what, for every field of
// d, the Document decoded from b, that the evaluator produces (that
// encoding d again writes) and b lacks.
func checkDocumentFields(t *testing.T, what string, d *evaluator.Document, b []byte) {
	t.Helper()
	round, err := json.Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	var full, mine any
	if err := json.Unmarshal(round, &full); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &mine); err != nil {
		t.Fatal(err)
	}
	var missing []string
	missingKeys("", full, mine, &missing)
	sort.Strings(missing)
	for _, m := range missing {
		t.Errorf("%s lacks %s", what, m)
	}
}

func missingKeys(path string, full, mine any, out *[]string) {
	switch f := full.(type) {
	case map[string]any:
		m, _ := mine.(map[string]any)
		for k, v := range f {
			mv, ok := m[k]
			if !ok {
				*out = append(*out, path+"."+k)
				continue
			}
			missingKeys(path+"."+k, v, mv, out)
		}
	case []any:
		m, _ := mine.([]any)
		for i := range f {
			if i < len(m) {
				missingKeys(path+"[]", f[i], m[i], out)
			}
		}
	}
}
