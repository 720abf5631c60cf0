package schema

import (
	"os"
	"path/filepath"
	"testing"
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

func replaceOnce(s, old, new string) string {
	for i := 0; i+len(old) <= len(s); i++ {
		if s[i:i+len(old)] == old {
			return s[:i] + new + s[i+len(old):]
		}
	}
	return s
}
