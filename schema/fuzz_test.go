package schema

import (
	"errors"
	"flag"
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
// plan, where every byte counts (its run-removal pass alone tries n²/2
// documents), still takes over 30 s, so the target bounds minimization to
// fuzzMinimizeTime unless -fuzzminimizetime is given.
//
// Large and expanding documents are the subject of hostile_test.go.
const maxFuzzBytes = 1 << 10

// FuzzLoadPlanBytes feeds arbitrary documents to the loader in each format.
// It must never panic, and a failure must always be positioned
// diagnostics in the named file.
func FuzzLoadPlanBytes(f *testing.F) {
	for _, s := range fuzzSeeds(f) {
		f.Add(uint8(s.fm), s.data)
	}
	// Keep the fuzzer moving: an input that CUE evaluates for long is
	// still an error here, and reported as such.
	defer func(d time.Duration) { evalTimeout = d }(evalTimeout)
	evalTimeout = 2 * time.Second
	// CUE allocates half a MiB for a small plan: collecting less often makes
	// a quarter more executions (the heap stays small either way).
	defer debug.SetGCPercent(debug.SetGCPercent(400))
	boundMinimizeTime(f, fuzzMinimizeTime)
	f.Fuzz(func(t *testing.T, fm uint8, data []byte) {
		if len(data) > maxFuzzBytes {
			return
		}
		name := fuzzName(fm)
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

// fuzzMinimizeTime bounds the engine's minimization of each new input of
// FuzzLoadPlanBytes (see maxFuzzBytes) when -fuzzminimizetime is not
// given: the default, 60 s, is spent on the first valid plan a mutation
// finds, so that `go test -fuzz FuzzLoadPlanBytes -fuzztime 30s` counted
// 83 executions in 30 s (2026-12-03). Every input still runs the checks;
// a crasher is still minimized, for a second.
const fuzzMinimizeTime = time.Second

// boundMinimizeTime sets -test.fuzzminimizetime to d unless the command
// line set it. The flag is read when f.Fuzz starts fuzzing.
func boundMinimizeTime(f *testing.F, d time.Duration) {
	const name = "test.fuzzminimizetime"
	given := false
	flag.Visit(func(fl *flag.Flag) { given = given || fl.Name == name })
	if given {
		return
	}
	if err := flag.Set(name, d.String()); err != nil {
		f.Fatal(err)
	}
}

// fuzzSeed is one input of FuzzLoadPlanBytes's seed corpus.
type fuzzSeed struct {
	fm   format
	data []byte
}

// fuzzSeeds is the seed corpus of FuzzLoadPlanBytes (BenchmarkLoadPlanBytes
// runs it too): small valid plans (hostile_test.go), the error cases of
// testdata/errors and hostile shapes, each at most maxFuzzBytes long.
func fuzzSeeds(tb testing.TB) []fuzzSeed {
	var seeds []fuzzSeed
	seed := func(fm format, data []byte) {
		if len(data) <= maxFuzzBytes {
			seeds = append(seeds, fuzzSeed{fm, data})
		}
	}
	seed(formatYAML, []byte(hostileYAML))
	seed(formatJSON, []byte(strings.Replace(hostileJSON, "LT", "8", 1)))
	seed(formatCUE, []byte(hostileCUE))
	cases, _ := filepath.Glob("testdata/errors/*.txtar")
	for _, c := range cases {
		ar, err := txtar.ParseFile(c)
		if err != nil {
			tb.Fatal(err)
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
	return seeds
}

// fuzzNames are the file names FuzzLoadPlanBytes loads its inputs as.
var fuzzNames = map[format]string{formatCUE: "capacity/f.cue", formatYAML: "capacity/f.yaml", formatJSON: "capacity/f.json"}

// fuzzName is the file name of FuzzLoadPlanBytes's format byte: 1, 2, 3
// are formatCUE, formatYAML, formatJSON as seeded, and any other byte one
// of them.
func fuzzName(fm uint8) string { return fuzzNames[format((int(fm)+2)%3+1)] }
