package schema

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/capcheck/capcheck/internal/diag"
	"github.com/capcheck/capcheck/internal/testkit"
)

// hostileYAML is a valid plan; the cases below break it in one place.
// Line numbers in the expectations count from its first line.
const hostileYAML = `name: minimal
owner: team
reviewed: 2026-01-15
scenarios:
  conservative: {monthly_growth: 0}
  moderate: {monthly_growth: 0.01}
  aggressive: {monthly_growth: 0.02}
pools:
  p:
    gpu: h100
    region: r
    lead_time_weeks: 8
    price_per_gpu_hour: {reserved: 1, on_demand: 2}
    reservations: []
workloads:
  train: {kind: training, pool: p, gpu_hours_per_month: 10}
`

// hostileJSON is the same plan in JSON on one line; LT is replaced.
const hostileJSON = `{"name":"m","owner":"t","reviewed":"2026-01-15","scenarios":{"conservative":{"monthly_growth":0},"moderate":{"monthly_growth":0.01},"aggressive":{"monthly_growth":0.02}},"pools":{"p":{"gpu":"h100","region":"r","lead_time_weeks":LT,"price_per_gpu_hour":{"reserved":1,"on_demand":2},"reservations":[]}},"workloads":{"t":{"kind":"training","pool":"p","gpu_hours_per_month":10}}}`

// hostileCUE is the same plan in CUE.
const hostileCUE = `name: "m"
owner: "t"
reviewed: "2026-01-15"
scenarios: {conservative: monthly_growth: 0, moderate: monthly_growth: 0.01, aggressive: monthly_growth: 0.02}
pools: p: {gpu: "h100", region: "r", lead_time_weeks: 8, price_per_gpu_hour: {reserved: 1, on_demand: 2}, reservations: []}
workloads: t: {kind: "training", pool: "p", gpu_hours_per_month: 10}
`

func yamlWith(old, new string) string { return strings.Replace(hostileYAML, old, new, 1) }

// laughs builds nested anchors: level i is a list of n aliases of level i-1.
func laughs(levels, n int) string {
	var b strings.Builder
	b.WriteString(hostileYAML)
	b.WriteString("x0: &a0 [lol]\n")
	for i := 1; i < levels; i++ {
		fmt.Fprintf(&b, "x%d: &a%d [%s]\n", i, i, strings.TrimSuffix(strings.Repeat(fmt.Sprintf("*a%d,", i-1), n), ","))
	}
	return b.String()
}

func TestLoadPlanBytesHostile(t *testing.T) {
	bigScalar := strings.Repeat("a", 1<<20)
	tests := []struct {
		name string
		file string
		data string
		// want is the first diagnostic; wantN the number of diagnostics.
		want  string
		wantN int
		// ok cases load; check what was loaded.
		okPool, okGPU string
	}{
		// Aliases: CUE's decoder stops at 50000 expanded nodes (10 levels of
		// 10 aliases would be 10^9), naming the line of the anchored value
		// being copied when the count runs out (x1, line 18).
		{name: "billion laughs", file: "c/x.yaml", data: laughs(10, 10), want: "c/x.yaml:18: error: aliases expand to more than 50000 nodes", wantN: 1},
		// A 1 MiB anchored scalar used 40 times. The file is 373 (the plan)
		// + 7 ("s: &s \"") + 1048576 + 6 ("\"\nx: [") + 3×40 + 2 = 1049084
		// bytes; 31 × 1049084 < 32 MiB < 32 × 1049084, so the 32nd alias
		// trips the budget: column 4 + 3×31 + 1 = 98.
		{name: "aliases of a large scalar", file: "c/x.yaml", data: hostileYAML + "s: &s \"" + bigScalar + "\"\nx: [" + strings.Repeat("*s,", 40) + "]\n",
			want: "c/x.yaml:18:98: error: too many YAML aliases for a file of 1049084 bytes: expanding them could copy more than 32 MiB (use fewer aliases)", wantN: 1},
		{name: "deep flow sequence", file: "c/x.yaml", data: hostileYAML + "x: " + strings.Repeat("[", 5000) + strings.Repeat("]", 5000) + "\n",
			// the 101st "[" is one level too many: column 4 + 100.
			want: "c/x.yaml:17:104: error: nesting is deeper than 100 levels", wantN: 1},
		{name: "deep flow mapping", file: "c/x.yaml", data: hostileYAML + "x: " + strings.Repeat("{a: ", 5000) + "1" + strings.Repeat("}", 5000) + "\n",
			// 4 bytes per level: the 101st "{" is at 4 + 4×100.
			want: "c/x.yaml:17:404: error: nesting is deeper than 100 levels", wantN: 1},
		{name: "deep JSON", file: "c/x.json", data: `{"x":` + strings.Repeat("[", 5000) + strings.Repeat("]", 5000) + "}",
			// the first "[" is column 6, the 101st column 106.
			want: "c/x.json:1:106: error: nesting is deeper than 100 levels", wantN: 1},
		{name: "deep CUE", file: "c/x.cue", data: "x: " + strings.Repeat("{a: ", 5000) + "1" + strings.Repeat("}", 5000) + "\n",
			want: "c/x.cue:1:404: error: nesting is deeper than 100 levels", wantN: 1},
		{name: "huge scalar over the size cap", file: "c/x.yaml", data: yamlWith("owner: team", "owner: "+strings.Repeat("a", MaxFileBytes)),
			// 373 - len("team") + 8 MiB = 8388977 bytes.
			want: "c/x.yaml: error: file is 8388977 bytes, larger than the 8 MiB limit for a plan or configuration file", wantN: 1},
		{name: "NUL byte", file: "c/x.yaml", data: yamlWith("owner: team", "owner: te\x00am"),
			want: "c/x.yaml:2:10: error: control character U+0000 is not allowed in a plan", wantN: 1},
		{name: "invalid UTF-8 in YAML", file: "c/x.yaml", data: yamlWith("region: r", "region: r\xff"),
			want: "c/x.yaml:11:14: error: invalid UTF-8 byte 0xff (plans must be UTF-8 text)", wantN: 1},
		{name: "invalid UTF-8 in JSON", file: "c/x.json", data: "{\n  \"name\": \"\xc3\"\n}",
			want: "c/x.json:2:12: error: invalid UTF-8 byte 0xc3 (plans must be UTF-8 text)", wantN: 1},
		{name: "BOM in the middle", file: "c/x.cue", data: "name: \"a\ufeffb\"\n",
			want: "c/x.cue:1:9: error: control character U+FEFF is not allowed in a plan", wantN: 1},
		{name: "BOM then YAML", file: "c/x.yaml", data: "\ufeff" + hostileYAML, okPool: "p", okGPU: "h100"},
		{name: "BOM then JSON", file: "c/x.json", data: "\ufeff" + strings.Replace(hostileJSON, "LT", "8", 1), okPool: "p", okGPU: "h100"},
		{name: "CRLF", file: "c/x.yaml", data: strings.ReplaceAll(hostileYAML, "\n", "\r\n"), okPool: "p", okGPU: "h100"},
		{name: "CRLF keeps positions", file: "c/x.yaml", data: strings.ReplaceAll(yamlWith("lead_time_weeks: 8", "lead_time_weeks: -8"), "\n", "\r\n"),
			want: "c/x.yaml:12:22: error: pools.p.lead_time_weeks: invalid value -8 (out of bound >=0)", wantN: 1},
		{name: "duplicate top-level key", file: "c/x.yaml", data: hostileYAML + "owner: other\n",
			want: `c/x.yaml:17:1: error: duplicate key "owner" (first given at line 2, column 1)`, wantN: 1},
		{name: "duplicate key, same value", file: "c/x.yaml", data: yamlWith("    gpu: h100\n", "    gpu: h100\n    gpu: h100\n"),
			want: `c/x.yaml:11:5: error: duplicate key "gpu" (first given at line 10, column 5)`, wantN: 1},
		{name: "duplicate key in a flow mapping", file: "c/x.yaml", data: yamlWith("{reserved: 1, on_demand: 2}", "{reserved: 1, on_demand: 2, reserved: 1}"),
			// "{" is column 25: "reserved" 26, "on_demand" 26+13, the second "reserved" 39+14.
			want: `c/x.yaml:13:53: error: duplicate key "reserved" (first given at line 13, column 26)`, wantN: 1},
		// CUE places a JSON key just inside its opening quote.
		{name: "duplicate JSON key", file: "c/x.json", data: strings.Replace(strings.Replace(hostileJSON, "LT", "8", 1), `"name":"m"`, `"name":"m","name":"m"`, 1),
			want: `c/x.json:1:14: error: duplicate key "name" (first given at line 1, column 3)`, wantN: 1},
		{name: "merge key override is not a duplicate", file: "c/x.yaml",
			data: yamlWith("  train: {kind: training, pool: p, gpu_hours_per_month: 10}\n", "  train: &t {kind: training, pool: p, gpu_hours_per_month: 10}\n  t2: {<<: *t, gpu_hours_per_month: 5}\n"), okPool: "p", okGPU: "h100"},
		{name: "!!binary", file: "c/x.yaml", data: yamlWith("owner: team", "owner: !!binary aGVsbG8="),
			want: "c/x.yaml:2:8: error: owner: conflicting values 'hello' and string (mismatched types bytes and string)", wantN: 1},
		{name: "!!python/object", file: "c/x.yaml", data: yamlWith("owner: team", "owner: !!python/object:os.system [ls]"),
			want: `c/x.yaml:2:8: error: owner: conflicting values ["ls"] and string (mismatched types list and string)`, wantN: 1},
		{name: "unknown tag", file: "c/x.yaml", data: yamlWith("owner: team", "owner: !foo team"),
			want: `c/x.yaml:2: error: cannot unmarshal tag "!foo"`, wantN: 1},
		// Multi-document streams are an error, at the second "---".
		{name: "two documents", file: "c/x.yaml", data: hostileYAML + "---\nname: other\n",
			want: "c/x.yaml:17:1: error: a second YAML document starts here: a plan file holds exactly one document", wantN: 1},
		{name: "explicit start, two documents", file: "c/x.yaml", data: "# plan\n---\n" + hostileYAML + "--- \n" + hostileYAML,
			want: "c/x.yaml:19:1: error: a second YAML document starts here: a plan file holds exactly one document", wantN: 1},
		{name: "explicit start, one document", file: "c/x.yaml", data: "# plan\n---\n" + hostileYAML, okPool: "p", okGPU: "h100"},
		// YAML 1.2: yes/no/on/off are strings.
		{name: "pool named on, GPU named no", file: "c/x.yaml",
			data: strings.Replace(yamlWith("  p:\n    gpu: h100", "  on:\n    gpu: no"), "pool: p", "pool: on", 1), okPool: "on", okGPU: "no"},
		{name: "GPU named true", file: "c/x.yaml", data: yamlWith("gpu: h100", "gpu: true"),
			want: "c/x.yaml:10:10: error: pools.p.gpu: conflicting values true and string (mismatched types bool and string)", wantN: 1},
		{name: "empty YAML", file: "c/x.yaml", data: "# nothing\n",
			want: "c/x.yaml:1:1: error: the file is empty: a plan is a mapping of fields", wantN: 1},
		{name: "empty JSON", file: "c/x.json", data: " \n",
			want: "c/x.json:1:1: error: the file is empty: a plan is a mapping of fields", wantN: 1},
		{name: "long value quoted back shortened", file: "c/x.yaml", data: yamlWith("lead_time_weeks: 8", "lead_time_weeks: "+strings.Repeat("x", 1000)),
			want: `c/x.yaml:12:22: error: pools.p.lead_time_weeks: conflicting values "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx…(1002 bytes)…xxxxxxxxxxxxxxx" and number (mismatched types string and number)`, wantN: 1},
		// JSON numbers.
		{name: "JSON 1e400", file: "c/x.json", data: strings.Replace(hostileJSON, "LT", "1e400", 1),
			want: "c/x.json:1:229: error: pools.p.lead_time_weeks: 1e+400 is too large: figures are at most 1e+15 in magnitude, so that nothing derived from them overflows", wantN: 1},
		{name: "JSON -0 is zero", file: "c/x.json", data: strings.Replace(hostileJSON, "LT", "-0", 1), okPool: "p", okGPU: "h100"},
		{name: "JSON NaN", file: "c/x.json", data: strings.Replace(hostileJSON, "LT", "NaN", 1),
			want: "c/x.json:1:229: error: invalid JSON: invalid character 'N' looking for beginning of value", wantN: 1},
		{name: "JSON NaN string", file: "c/x.json", data: strings.Replace(hostileJSON, "LT", `"NaN"`, 1),
			want: `c/x.json:1:229: error: pools.p.lead_time_weeks: conflicting values "NaN" and number (mismatched types string and number)`, wantN: 1},
		{name: "JSON integer beyond 64 bits", file: "c/x.json", data: strings.Replace(strings.Replace(hostileJSON, "LT", "8", 1), `"name":"m"`, `"name":"m","policy":{"redundancy":{"n_plus":99999999999999999999}}`, 1),
			want: "c/x.json:1:46: error: policy.redundancy.n_plus: 99999999999999999999 is too large: figures are at most 1e+15 in magnitude, so that nothing derived from them overflows", wantN: 1},
		{name: "JSON trailing data", file: "c/x.json", data: strings.Replace(hostileJSON, "LT", "8", 1) + "\n{}",
			want: "c/x.json:2:1: error: invalid JSON: data after the top-level value", wantN: 1},
		// CUE.
		{name: "CUE non-stdlib import", file: "c/x.cue", data: "import \"example.com/foo\"\n" + hostileCUE,
			want: `c/x.cue:1:8: error: import "example.com/foo" is not allowed in a plan (allowed: list, math, math/bits, regexp, strconv, strings, struct, time)`, wantN: 1},
		{name: "CUE tool/exec import", file: "c/x.cue", data: "import \"tool/exec\"\n" + hostileCUE,
			want: `c/x.cue:1:8: error: import "tool/exec" is not allowed in a plan (allowed: list, math, math/bits, regexp, strconv, strings, struct, time)`, wantN: 1},
		{name: "CUE encoding/yaml import", file: "c/x.cue", data: "import (\n\t\"strings\"\n\t\"encoding/yaml\"\n)\n" + hostileCUE,
			want: `c/x.cue:3:2: error: import "encoding/yaml" is not allowed in a plan (allowed: list, math, math/bits, regexp, strconv, strings, struct, time)`, wantN: 1},
		{name: "CUE @embed", file: "c/x.cue", data: "@extern(embed)\npackage p\n" + hostileCUE + "x: _ @embed(file=\"/etc/passwd\", type=text)\n",
			want: "c/x.cue:1:1: error: @extern is not allowed in a plan: a plan cannot read other files", wantN: 2},
		{name: "CUE package clause and other attributes are fine", file: "c/x.cue", data: "package capacity\n" + strings.Replace(hostileCUE, `owner: "t"`, `owner: "t" @doc(team)`, 1), okPool: "p", okGPU: "h100"},
		{name: "CUE stdlib import", file: "c/x.cue", data: "import \"strings\"\n" + strings.Replace(hostileCUE, `gpu: "h100"`, `gpu: strings.ToUpper("h100")`, 1), okPool: "p", okGPU: "H100"},
		{name: "CUE comprehension", file: "c/x.cue", data: "import \"list\"\n" + hostileCUE + "pools: {for i in list.Range(0, 50, 1) {\"q\\(i)\": {gpu: \"a100\", region: \"r\", lead_time_weeks: 1, price_per_gpu_hour: {reserved: 1, on_demand: 2}, reservations: []}}}\n", okPool: "q49", okGPU: "a100"},
		{name: "CUE recursive definition", file: "c/x.cue", data: hostileCUE + "#R: {a: #R}\nowner: #R\n",
			want: `c/x.cue:2:8: error: owner: conflicting values "t" and {a:#R} (mismatched types string and struct)`, wantN: 1},
		{name: "CUE non-concrete", file: "c/x.cue", data: strings.Replace(hostileCUE, "lead_time_weeks: 8", "lead_time_weeks: number", 1),
			want: "c/x.cue:5:55: error: pools.p.lead_time_weeks: incomplete value >=0 (must be concrete)", wantN: 1},
		// The user's file cannot see or replace the schema's definitions.
		{name: "CUE redefines #Plan", file: "c/x.cue", data: hostileCUE + "#Plan: {}\n", okPool: "p", okGPU: "h100"},
		{name: "CUE refers to #Text", file: "c/x.cue", data: hostileCUE + "owner: #Text\n",
			want: `c/x.cue:7:8: error: owner: reference "#Text" not found`, wantN: 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, err := LoadPlanBytes(tc.file, []byte(tc.data))
			if tc.want == "" {
				if err != nil {
					t.Fatalf("LoadPlanBytes: %v", err)
				}
				pool, ok := p.Pools[tc.okPool]
				if !ok || pool.GPU != tc.okGPU {
					t.Fatalf("pool %q = %+v, want GPU %q", tc.okPool, pool, tc.okGPU)
				}
				return
			}
			var ds diag.Diagnostics
			if !errors.As(err, &ds) || len(ds) == 0 {
				t.Fatalf("LoadPlanBytes error = %v (%T), want diagnostics", err, err)
			}
			if got := ds[0].String(); got != tc.want || len(ds) != tc.wantN {
				t.Errorf("first of %d diagnostics:\n got %s\nwant %s (of %d)", len(ds), got, tc.want, tc.wantN)
			}
		})
	}
}

func writeFile(t *testing.T, path, data string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestLoadPlanFileHostile(t *testing.T) {
	outside := t.TempDir()
	writeFile(t, filepath.Join(outside, "secret.yaml"), hostileYAML)
	tests := []struct {
		name  string
		setup func(t *testing.T, root string) // creates capacity/x.yaml
		want  string
	}{
		{name: "symlink outside the repository", setup: func(t *testing.T, root string) {
			os.MkdirAll(filepath.Join(root, "capacity"), 0o755)
			if err := os.Symlink(filepath.Join(outside, "secret.yaml"), filepath.Join(root, "capacity/x.yaml")); err != nil {
				testkit.SkipOrFailf(t, "symlinks unavailable: %v", err)
			}
		}, want: "capacity/x.yaml: error: read plan: capacity/x.yaml resolves outside the repository"},
		{name: "directory named like a plan", setup: func(t *testing.T, root string) {
			os.MkdirAll(filepath.Join(root, "capacity/x.yaml"), 0o755)
		}, want: "capacity/x.yaml: error: read plan: is a directory, not a file"},
		{name: "file over the size cap", setup: func(t *testing.T, root string) {
			writeFile(t, filepath.Join(root, "capacity/x.yaml"), "")
			// A sparse 100 MB file: nothing of it is read.
			if err := os.Truncate(filepath.Join(root, "capacity/x.yaml"), 100<<20); err != nil {
				t.Fatal(err)
			}
		}, want: "capacity/x.yaml: error: read plan: file is 104857600 bytes, larger than the 8 MiB limit for a plan or configuration file"},
		{name: "unreadable file", setup: func(t *testing.T, root string) {
			writeFile(t, filepath.Join(root, "capacity/x.yaml"), hostileYAML)
			os.Chmod(filepath.Join(root, "capacity/x.yaml"), 0)
		}, want: "capacity/x.yaml: error: read plan: open capacity/x.yaml: permission denied"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			root := t.TempDir()
			tc.setup(t, root)
			var err error
			// Without root's file capabilities, so mode 000 holds.
			testkit.Unprivileged(t, func() { _, err = LoadPlanFile(root, "capacity/x.yaml") })
			if err == nil || err.Error() != tc.want {
				t.Errorf("LoadPlanFile error =\n%v\nwant\n%s", err, tc.want)
			}
		})
	}
	t.Run("glob skips a directory named like a plan", func(t *testing.T) {
		root := t.TempDir()
		os.MkdirAll(filepath.Join(root, "capacity/d.yaml"), 0o755)
		writeFile(t, filepath.Join(root, "capacity/ok.yaml"), hostileYAML)
		plans, err := LoadPlans(root, nil)
		if err != nil || len(plans) != 1 || plans[0].File != "capacity/ok.yaml" {
			t.Fatalf("LoadPlans = %v, %v; want only capacity/ok.yaml", plans, err)
		}
	})
}

// TestEvaluationBounds lowers the memory bound and feeds a CUE file whose
// string interpolation grows tenfold per level (10^8 bytes at s7): the
// load stops with a positioned error instead of running away, and the
// next file of the same LoadPlans call still loads in a fresh session.
// TestEvaluationBounds: a file whose evaluation blows the memory bound is
// abandoned with an error at its first line, and the next file is loaded
// in a fresh session.
func TestEvaluationBounds(t *testing.T) {
	defer func(h uint64, d time.Duration) { evalHeapLimit, evalTimeout = h, d }(evalHeapLimit, evalTimeout)
	evalHeapLimit = 64 << 20
	evalTimeout = time.Minute // the memory bound must trip first
	// Trip the bound for a.cue however fast this machine evaluates it
	// (the real heap watch is a poll, which a fast evaluation can beat).
	heapTrip = func(name string) bool { return name == "capacity/a.cue" }
	defer func() { heapTrip = nil }()
	var b strings.Builder
	b.WriteString(hostileCUE)
	b.WriteString("s0: \"aaaaaaaaaa\"\n")
	for i := 1; i <= 7; i++ {
		fmt.Fprintf(&b, "s%d: \"%s\"\n", i, strings.Repeat(fmt.Sprintf(`\(s%d)`, i-1), 10))
	}
	b.WriteString("owner: s7\n")
	root := t.TempDir()
	writeFile(t, filepath.Join(root, "capacity/a.cue"), b.String())
	writeFile(t, filepath.Join(root, "capacity/b.yaml"), hostileYAML)
	plans, err := LoadPlans(root, nil)
	want := "capacity/a.cue:1:1: error: evaluation used more than 64 MiB of memory: the file expands to too much (comprehensions, interpolation or references multiplying values?)"
	if err == nil || err.Error() != want {
		t.Errorf("LoadPlans error =\n%v\nwant\n%s", err, want)
	}
	if len(plans) != 1 || plans[0].File != "capacity/b.yaml" {
		t.Errorf("LoadPlans loaded %v, want capacity/b.yaml after the abandoned file", plans)
	}
}

// TestBoundedTimeout: an evaluation that outlasts evalTimeout is abandoned
// and its session marked, so no later file shares its context.
func TestBoundedTimeout(t *testing.T) {
	defer func(d time.Duration) { evalTimeout = d }(evalTimeout)
	evalTimeout = 20 * time.Millisecond
	s, err := newSession()
	if err != nil {
		t.Fatal(err)
	}
	release := make(chan struct{})
	defer close(release)
	ds := s.bounded("c/slow.cue", func() diag.Diagnostics { <-release; return nil })
	if want := "c/slow.cue:1:1: error: evaluation took longer than 20ms: the file expands to too much (comprehensions, interpolation or references multiplying values?)"; ds.Error() != want {
		t.Errorf("bounded(slow) = %v, want %s", ds, want)
	}
	if ds := s.bounded("c/next.cue", func() diag.Diagnostics { return nil }); ds == nil || !strings.Contains(ds.Error(), "internal error") {
		t.Errorf("abandoned session evaluated again: %v", ds)
	}
}

func TestBoundedPanics(t *testing.T) {
	s, err := newSession()
	if err != nil {
		t.Fatal(err)
	}
	ds := s.bounded("c/x.cue", func() diag.Diagnostics { panic("boom") })
	if want := "c/x.cue:1:1: error: cannot evaluate the file (internal error: boom)"; ds.Error() != want {
		t.Errorf("bounded(panic) = %v, want %s", ds, want)
	}
}

// BenchmarkLoadPlansMany loads 2000 small plan files: go test -bench
// LoadPlansMany ./schema.
func BenchmarkLoadPlansMany(b *testing.B) {
	root := b.TempDir()
	for i := range 2000 {
		data := strings.Replace(hostileYAML, "name: minimal", fmt.Sprintf("name: plan-%d", i), 1)
		if err := os.MkdirAll(filepath.Join(root, "capacity", fmt.Sprint(i%20)), 0o755); err != nil {
			b.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(root, "capacity", fmt.Sprint(i%20), fmt.Sprintf("p%d.yaml", i)), []byte(data), 0o644); err != nil {
			b.Fatal(err)
		}
	}
	for b.Loop() {
		plans, err := LoadPlans(root, nil)
		if err != nil || len(plans) != 2000 {
			b.Fatalf("LoadPlans: %d plans, %v", len(plans), err)
		}
	}
}

// TestLoadPlanFileFIFO: a named pipe is refused without being opened
// (opening it would block until a writer came).
func TestLoadPlanFileFIFO(t *testing.T) {
	root := t.TempDir()
	if err := os.MkdirAll(filepath.Join(root, "capacity"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mkfifo(filepath.Join(root, "capacity", "pipe.yaml"), 0o644); err != nil {
		testkit.SkipOrFailf(t, "mkfifo unavailable: %v", err)
	}
	_, err := LoadPlanFile(root, "capacity/pipe.yaml")
	if err == nil || !strings.Contains(err.Error(), "is not a regular file") {
		t.Errorf("LoadPlanFile(fifo) = %v, want a not-a-regular-file error", err)
	}
}
