package loadtest

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// mergeEntry is a short entry to merge; its rendered fields are the ones
// Render writes.
func mergeEntry(id string, rps float64) Entry {
	return Entry{ID: id, Model: "m", GPU: "H100-SXM", GPUsPerReplica: 1, InputTokens: 100, OutputTokens: 10,
		RequestsPerS: rps, MeetsSLO: true, Measured: time.Date(2026, 10, 2, 0, 0, 0, 0, time.UTC),
		Tool: "vllm bench serve", EngineVersion: "vllm 0.11.0", Source: "r.jsonl:1", Note: "n"}
}

// fieldsAt renders mergeEntry's fields, one a line, at indent.
func fieldsAt(indent string, rps string) string {
	return strings.ReplaceAll(`model: "m"
gpu: "H100-SXM"
gpus_per_replica: 1
input_tokens: 100
output_tokens: 10
requests_per_s: RPS
meets_slo: true
measured: "2026-10-02"
tool: "vllm bench serve"
engine_version: "vllm 0.11.0"
source: "r.jsonl:1"
note: "n"
`, "RPS", rps)
}

func indentLines(s, indent string) string {
	lines := strings.SplitAfter(s, "\n")
	for i, l := range lines {
		if l != "" {
			lines[i] = indent + l
		}
	}
	return strings.Join(lines, "")
}

func TestMerge(t *testing.T) {
	tests := []struct {
		name         string
		file, src    string
		entries      []Entry
		want         string
		wantReplaced int
		wantAdded    int
	}{
		{
			// "a" is replaced where it stands, its comment and the one
			// before "b" kept; "c" is appended after "b", before the
			// comment and key that end the block.
			name:    "yaml replace and append",
			file:    "plan.yaml",
			src:     "name: p\n# the measured points\nbenchmarks:\n  # hand-typed\n  a:\n    model: old\n\n  # kept with b\n  \"b\": {model: x}\n# trailing\nworkloads: {}\n",
			entries: []Entry{mergeEntry("a", 2), mergeEntry("c", 3)},
			want: "name: p\n# the measured points\nbenchmarks:\n  # hand-typed\n  \"a\":\n" + indentLines(fieldsAt("", "2"), "    ") +
				"\n  # kept with b\n  \"b\": {model: x}\n  \"c\":\n" + indentLines(fieldsAt("", "3"), "    ") + "# trailing\nworkloads: {}\n",
			wantReplaced: 1, wantAdded: 1,
		},
		{
			name: "yaml without benchmarks", file: "plan.yml",
			src:       "name: p",
			entries:   []Entry{mergeEntry("a", 2)},
			want:      "name: p\n\nbenchmarks:\n  \"a\":\n" + indentLines(fieldsAt("", "2"), "    "),
			wantAdded: 1,
		},
		{
			// The field's line keeps its indentation; the rendered fields
			// go one tab deeper. The comment inside the struct stays.
			name:    "cue replace and append",
			file:    "plan.cue",
			src:     "name: \"p\"\n// measured\nbenchmarks: {\n\t// hand-typed\n\t\"a\": {model: \"old\", gpu: \"x\"}\n\tb: {model: \"x\"} // trailing b\n}\nworkloads: {}\n",
			entries: []Entry{mergeEntry("a", 2), mergeEntry("c", 3)},
			want: "name: \"p\"\n// measured\nbenchmarks: {\n\t// hand-typed\n\t\"a\": {\n" + indentLines(fieldsAt("", "2"), "\t\t") + "\t}\n\tb: {model: \"x\"} // trailing b\n" +
				"\t\"c\": {\n" + indentLines(fieldsAt("", "3"), "\t\t") + "\t}\n}\nworkloads: {}\n",
			wantReplaced: 1, wantAdded: 1,
		},
		{
			name: "cue empty struct on one line", file: "plan.cue",
			src:       "name: \"p\"\nbenchmarks: {}\n",
			entries:   []Entry{mergeEntry("a", 2)},
			want:      "name: \"p\"\nbenchmarks: {\n\t\"a\": {\n" + indentLines(fieldsAt("", "2"), "\t\t") + "\t}\n}\n",
			wantAdded: 1,
		},
		{
			name: "cue without benchmarks", file: "plan.cue",
			src:       "name: \"p\"\n",
			entries:   []Entry{mergeEntry("a", 2)},
			want:      "name: \"p\"\n\nbenchmarks: {\n\t\"a\": {\n" + indentLines(fieldsAt("", "2"), "\t\t") + "\t}\n}\n",
			wantAdded: 1,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, m, err := Merge(tc.file, []byte(tc.src), tc.entries)
			if err != nil {
				t.Fatalf("Merge: %v", err)
			}
			if d := cmp.Diff(tc.want, string(got)); d != "" {
				t.Errorf("Merge text (-want +got):\n%s", d)
			}
			if m.Replaced != tc.wantReplaced || m.Added != tc.wantAdded {
				t.Errorf("Merge = %d replaced, %d added; want %d, %d", m.Replaced, m.Added, tc.wantReplaced, tc.wantAdded)
			}
		})
	}
}

// TestMergeRefuses: what --write cannot edit safely is an error at its
// position, never a guess.
func TestMergeRefuses(t *testing.T) {
	tests := []struct {
		name, file, src, want string
	}{
		{name: "json", file: "c/plan.json", src: `{"name": "p"}`,
			want: "c/plan.json: error: --write edits YAML and CUE plans only"},
		{name: "yaml flow mapping", file: "plan.yaml", src: "name: p\nbenchmarks: {a: {model: x}}\n",
			want: "plan.yaml:2:13: error: --write merges into benchmarks written as a block mapping"},
		{name: "yaml list", file: "plan.yaml", src: "benchmarks:\n  - model: x\n",
			want: "plan.yaml:2:3: error: benchmarks is a list"},
		{name: "cue shorthand", file: "plan.cue", src: "name: \"p\"\nbenchmarks: a: {model: \"x\"}\n",
			want: "plan.cue:2:13: error: --write merges into benchmarks written as a struct"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := Merge(tc.file, []byte(tc.src), []Entry{mergeEntry("a", 1)})
			if err == nil || !strings.HasPrefix(err.Error(), tc.want) {
				t.Fatalf("Merge error = %v, want %q…", err, tc.want)
			}
		})
	}
}
