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

func replaceOnce(s, old, new string) string {
	for i := 0; i+len(old) <= len(s); i++ {
		if s[i:i+len(old)] == old {
			return s[:i] + new + s[i+len(old):]
		}
	}
	return s
}
