package schema

import (
	"os"
	"path/filepath"
	"runtime/debug"
	"syscall"
	"testing"
	"time"
)

// BenchmarkLoadPlans loads the three full fixtures (CUE, YAML, JSON) from
// a capacity/ directory, as a check of a small repository would.
func BenchmarkLoadPlans(b *testing.B) {
	root := b.TempDir()
	if err := os.MkdirAll(filepath.Join(root, "capacity"), 0o755); err != nil {
		b.Fatal(err)
	}
	for i, name := range []string{"full.yaml", "full.json", "full.cue"} {
		data, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			b.Fatal(err)
		}
		// Plan names must be unique across files.
		data = []byte(replaceOnce(string(data), "chat-platform", "chat-platform-"+string(rune('a'+i))))
		if err := os.WriteFile(filepath.Join(root, "capacity", name), data, 0o644); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportAllocs()
	for b.Loop() {
		plans, err := LoadPlans(root, nil)
		if err != nil || len(plans) != 3 {
			b.Fatalf("LoadPlans = %d plans, %v", len(plans), err)
		}
	}
}

// BenchmarkLoadPlanBytesYAML is one YAML plan alone.
func BenchmarkLoadPlanBytesYAML(b *testing.B) {
	data, err := os.ReadFile("testdata/full.yaml")
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := LoadPlanBytes("capacity/full.yaml", data); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkLoadPlanBytesSmall is the cost of one LoadPlanBytes call apart
// from the plan's size: a small valid plan, and a JSON syntax error caught
// before CUE evaluates anything. Compiling the schema on every call used
// to be most of both (about 0.8 ms).
func BenchmarkLoadPlanBytesSmall(b *testing.B) {
	for _, bc := range []struct{ name, file, data string }{
		{"valid", "capacity/p.yaml", hostileYAML},
		{"syntax error", "capacity/p.json", `{"name": ]`},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				_, err := LoadPlanBytes(bc.file, []byte(bc.data))
				if (err == nil) != (bc.name == "valid") {
					b.Fatalf("LoadPlanBytes: %v", err)
				}
			}
		})
	}
}

// BenchmarkLoadPlanBytes runs FuzzLoadPlanBytes's seed corpus through the
// call the fuzz target makes, with its settings (GC percent 400): one op is
// one pass over every seed, and ns/op ÷ seeds (reported as ns/exec) is the
// cost of one fuzz execution apart from the engine's own work. It must
// stay well under 1 ms (1,000 execs/s). cpu-ns/exec is the process's CPU
// time (user and system, GC included) over the same loop: on a machine
// other sessions load, wall time also counts the waits for a core.
func BenchmarkLoadPlanBytes(b *testing.B) {
	seeds := fuzzSeeds(b)
	defer debug.SetGCPercent(debug.SetGCPercent(400))
	b.ReportAllocs()
	cpu0 := cpuTime(b)
	for b.Loop() {
		for _, s := range seeds {
			name := fuzzName(uint8(s.fm))
			if p, err := LoadPlanBytes(name, s.data); err == nil && (p == nil || p.File != name) {
				b.Fatalf("nil error but plan %v", p)
			}
		}
	}
	execs := float64(b.N * len(seeds))
	b.ReportMetric(float64((cpuTime(b)-cpu0).Nanoseconds())/execs, "cpu-ns/exec")
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/execs, "ns/exec")
}

// cpuTime is the CPU time the process has used so far.
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func replaceOnce(s, old, new string) string {
	for i := 0; i+len(old) <= len(s); i++ {
		if s[i:i+len(old)] == old {
			return s[:i] + new + s[i+len(old):]
		}
	}
	return s
}
