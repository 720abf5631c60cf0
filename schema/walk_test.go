package schema

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"

	cueformat "cuelang.org/go/cue/format"
	"github.com/google/go-cmp/cmp"
	"github.com/rogpeppe/go-internal/txtar"

	"github.com/capcheck/capcheck/internal/diag"
)

// walkInputs are documents for TestNodeWalks: the fuzz seeds, the full
// fixtures and every file of testdata/errors.
func walkInputs(t *testing.T) []fuzzSeed {
	in := fuzzSeeds(t)
	for _, name := range []string{"full.yaml", "full.json", "full.cue"} {
		data, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			t.Fatal(err)
		}
		in = append(in, fuzzSeed{formatOf(name), data})
	}
	cases, _ := filepath.Glob("testdata/errors/*.txtar")
	for _, c := range cases {
		ar, err := txtar.ParseFile(c)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range ar.Files {
			if fm := formatOf(f.Name); fm != formatUnknown {
				in = append(in, fuzzSeed{fm, f.Data})
			}
		}
	}
	return in
}

// TestNodeWalks: the skeleton built from the nodes collect kept is the
// skeleton of the document's value, and decoding with the nodes
// requiredAndConcrete kept gives the plan and positions that listing
// every value's fields again gives. Each input is checked that it got as
// far as the walk compared.
func TestNodeWalks(t *testing.T) {
	s, err := newSession()
	if err != nil {
		t.Fatal(err)
	}
	skeletons, decoded := 0, 0
	for _, in := range walkInputs(t) {
		name := fuzzName(uint8(in.fm))
		doc, ds := s.parse(name, in.data)
		if ds != nil {
			continue
		}
		got, err := cueformat.Node(doc.skeleton())
		if err != nil {
			t.Fatal(err)
		}
		want, err := cueformat.Node(skeleton(doc.v))
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != string(want) {
			t.Errorf("%q: skeleton from nodes\n%s\nwant\n%s", in.data, got, want)
		}
		skeletons++

		u, ds := doc.validate(s.ctx, s.plan)
		if len(ds) > 0 {
			continue
		}
		fromNodes, fromValues := &Plan{}, &Plan{}
		dn := &decoder{doc: doc, positions: map[string]diag.Pos{}}
		dn.decodeNode(u, doc.utree, reflect.ValueOf(fromNodes).Elem(), "")
		dv := &decoder{doc: doc, positions: map[string]diag.Pos{}}
		dv.decode(u, reflect.ValueOf(fromValues).Elem(), "")
		if diff := cmp.Diff(fromValues, fromNodes); diff != "" {
			t.Errorf("%q: plan decoded with nodes (-values +nodes):\n%s", in.data, diff)
		}
		if diff := cmp.Diff(dv.positions, dn.positions); diff != "" || len(dn.positions) == 0 {
			t.Errorf("%q: positions decoded with nodes (-values +nodes):\n%s", in.data, diff)
		}
		if len(dn.diags) > 0 || len(dv.diags) > 0 {
			t.Errorf("%q: decode diagnostics %v (values: %v)", in.data, dn.diags, dv.diags)
		}
		decoded++
	}
	// Of the inputs (on 2026-12-03), 46 parse and have a skeleton, and 18
	// are valid plans to decode (hostile_test.go's three, the full
	// fixtures, the valid cases of testdata/errors).
	if skeletons < 40 || decoded < 15 {
		t.Fatalf("compared %d skeletons and %d decodes, want at least 40 and 15", skeletons, decoded)
	}
}
