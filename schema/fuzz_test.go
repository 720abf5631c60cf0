package schema

import (
	"errors"
	"path/filepath"
	"runtime/debug"
	"strings"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/txtar"

	"github.com/capcheck/capcheck/internal/diag"
)

// maxFuzzBytes bounds the documents FuzzLoadPlanBytes loads. The fuzzing
// engine minimizes each input that reaches new code before it counts the
// executions that took: it tries every byte and every run of bytes removed,
// for up to -fuzzminimizetime (60 s by default) an input, reporting
// "0/sec" meanwhile. Seeded with the 4-5 KiB fixtures, at 2-8 ms a load,
// that minimization was the whole of a short run. Small seeds and this
// bound bring most minimizations down to a second; that of a small valid
// plan, where every byte counts, still takes about 35 s unless bounded:
//
//	go test -run '^$' -fuzz FuzzLoadPlanBytes -fuzztime 60s -fuzzminimizetime 5s -parallel 1 ./schema
//
// Large and expanding documents are the subject of hostile_test.go.
const maxFuzzBytes = 1 << 10

// FuzzLoadPlanBytes feeds arbitrary documents to the loader in each format.
// It must never panic, and a failure must always be positioned
// diagnostics in the named file.
func FuzzLoadPlanBytes(f *testing.F) {
	seed := func(fm format, data []byte) {
		if len(data) <= maxFuzzBytes {
			f.Add(uint8(fm), data)
		}
	}
	// Small valid plans (hostile_test.go) and the error cases.
	seed(formatYAML, []byte(hostileYAML))
	seed(formatJSON, []byte(strings.Replace(hostileJSON, "LT", "8", 1)))
	seed(formatCUE, []byte(hostileCUE))
	cases, _ := filepath.Glob("testdata/errors/*.txtar")
	for _, c := range cases {
		ar, err := txtar.ParseFile(c)
		if err != nil {
			f.Fatal(err)
		}
		for _, file := range ar.Files {
			if fm := formatOf(file.Name); fm != formatUnknown {
				seed(fm, file.Data)
			}
		}
	}
	// Hostile shapes (hostile_test.go): BOM, duplicate keys, a second
	// document, aliases, control bytes, deep nesting, CUE imports.
	for _, s := range []struct {
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
		seed(s.fm, []byte(s.data))
	}
	// Keep the fuzzer moving: an input that CUE evaluates for long is
	// still an error here, and reported as such.
	defer func(d time.Duration) { evalTimeout = d }(evalTimeout)
	evalTimeout = 2 * time.Second
	// CUE allocates half a MiB for a small plan: collecting less often makes
	// a quarter more executions (the heap stays small either way).
	defer debug.SetGCPercent(debug.SetGCPercent(400))
	names := map[format]string{formatCUE: "capacity/f.cue", formatYAML: "capacity/f.yaml", formatJSON: "capacity/f.json"}
	f.Fuzz(func(t *testing.T, fm uint8, data []byte) {
		// 1, 2, 3 are formatCUE, formatYAML, formatJSON as seeded.
		if len(data) > maxFuzzBytes {
			return
		}
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
