package schema

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

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
	// Hostile shapes (hostile_test.go): BOM, duplicate keys, a second
	// document, aliases, control bytes, deep nesting, CUE imports.
	for _, seed := range []struct {
		fm   format
		data string
	}{
		{formatYAML, "\ufeffname: a\nname: b\n"},
		{formatYAML, "a: 1\n---\nb: 2\n"},
		{formatYAML, "x0: &a [lol]\nx1: &b [*a,*a,*a]\nx2: [*b,*b,*b]\n"},
		{formatYAML, "owner: te\x00am\nregion: \xff\n"},
		{formatYAML, "x: [[[[[[[[[[]]]]]]]]]]\n"},
		{formatJSON, `{"name":"a","name":"a","n":1e400,"m":-0}`},
		{formatJSON, "{}\n{}"},
		{formatCUE, "import \"tool/exec\"\nx: exec.Run\n"},
		{formatCUE, "@extern(embed)\npackage p\nx: _ @embed(file=\"a\")\n"},
	} {
		f.Add(uint8(seed.fm), []byte(seed.data))
	}
	// Keep the fuzzer moving: an input that CUE evaluates for long is
	// still an error here, and reported as such.
	defer func(d time.Duration) { evalTimeout = d }(evalTimeout)
	evalTimeout = 2 * time.Second
	names := map[format]string{formatCUE: "capacity/f.cue", formatYAML: "capacity/f.yaml", formatJSON: "capacity/f.json"}
	f.Fuzz(func(t *testing.T, fm uint8, data []byte) {
		// 1, 2, 3 are formatCUE, formatYAML, formatJSON as seeded.
		name := names[format((int(fm)+2)%3+1)]
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
		if strings.Contains(err.Error(), "evaluation took longer") || strings.Contains(err.Error(), "evaluation used more") {
			t.Logf("bounded: %q", data)
		}
		for _, d := range ds {
			if d.Pos.File != name || d.Msg == "" {
				t.Fatalf("diagnostic without file or message: %q", d.String())
			}
		}
	})
}
