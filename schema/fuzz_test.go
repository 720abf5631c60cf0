package schema

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/rogpeppe/go-internal/txtar"

	"github.com/capcheck/capcheck/internal/diag"
)

// FuzzLoadPlanBytes feeds arbitrary documents to the loader in each format.
// It must never panic, and a failure must always be positioned
// diagnostics in the named file.
func FuzzLoadPlanBytes(f *testing.F) {
	for _, name := range []string{"full.yaml", "full.json", "full.cue"} {
		data, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(uint8(formatOf(name)), data)
	}
	cases, _ := filepath.Glob("testdata/errors/*.txtar")
	for _, c := range cases {
		ar, err := txtar.ParseFile(c)
		if err != nil {
			f.Fatal(err)
		}
		for _, file := range ar.Files {
			if fm := formatOf(file.Name); fm != formatUnknown {
				f.Add(uint8(fm), file.Data)
			}
		}
	}
	names := map[format]string{formatCUE: "capacity/f.cue", formatYAML: "capacity/f.yaml", formatJSON: "capacity/f.json"}
	f.Fuzz(func(t *testing.T, fm uint8, data []byte) {
		name := names[format(fm%3+1)]
		p, err := LoadPlanBytes(name, data)
		if err == nil {
			if p == nil || p.File != name {
				t.Fatalf("nil error but plan %v", p)
			}
			return
		}
		var ds diag.Diagnostics
		if !errors.As(err, &ds) || len(ds) == 0 {
			t.Fatalf("error is not diagnostics: %T %v", err, err)
		}
		for _, d := range ds {
			if d.Pos.File != name || d.Msg == "" {
				t.Fatalf("diagnostic without file or message: %q", d.String())
			}
		}
	})
}
