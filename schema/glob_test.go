package schema

import (
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestGlob(t *testing.T) {
	root := t.TempDir()
	for _, f := range []string{
		"capacity/a.yaml",
		"capacity/b.json",
		"capacity/notes.md",
		"capacity/team/x/c.cue",
		"capacity/team/d.yml",
		"capacity/.hidden/e.yaml",
		"capacity/.f.yaml",
		"other/g.yaml",
		"h.yaml",
		".git/i.yaml",
	} {
		writeFile(t, filepath.Join(root, filepath.FromSlash(f)), "")
	}
	for _, tc := range []struct {
		name     string
		patterns []string
		want     []string
		wantErr  string
	}{
		{
			name:     "defaults",
			patterns: DefaultPlanPatterns(),
			want:     []string{"capacity/a.yaml", "capacity/b.json", "capacity/team/d.yml", "capacity/team/x/c.cue"},
		},
		{
			name:     "braces equal the defaults",
			patterns: []string{"capacity/**/*.{cue,yaml,yml,json}"},
			want:     []string{"capacity/a.yaml", "capacity/b.json", "capacity/team/d.yml", "capacity/team/x/c.cue"},
		},
		{
			name:     "single star stays in one directory",
			patterns: []string{"capacity/*"},
			want:     []string{"capacity/a.yaml", "capacity/b.json", "capacity/notes.md"},
		},
		{
			name:     "double star alone",
			patterns: []string{"capacity/team/**"},
			want:     []string{"capacity/team/d.yml", "capacity/team/x/c.cue"},
		},
		{
			name:     "double star from the root skips dot directories",
			patterns: []string{"**/*.yaml"},
			want:     []string{"capacity/a.yaml", "h.yaml", "other/g.yaml"},
		},
		{
			name:     "explicit dot segment matches",
			patterns: []string{"capacity/.hidden/*.yaml", "capacity/.f.yaml"},
			want:     []string{"capacity/.f.yaml", "capacity/.hidden/e.yaml"},
		},
		{
			name:     "literal file and duplicates",
			patterns: []string{"h.yaml", "h.yaml", "*.yaml"},
			want:     []string{"h.yaml"},
		},
		{
			name:     "nested braces and classes",
			patterns: []string{"{capacity/{a,b},other/[f-h]}.*"},
			want:     []string{"capacity/a.yaml", "capacity/b.json", "other/g.yaml"},
		},
		{
			name:     "missing directory matches nothing",
			patterns: []string{"nowhere/**/*.yaml"},
		},
		{name: "leaves the root", patterns: []string{"../x/*.yaml"}, wantErr: `plan pattern "../x/*.yaml": pattern may not leave the repository`},
		{name: "absolute", patterns: []string{"/etc/*.yaml"}, wantErr: "must be relative"},
		{name: "bad class", patterns: []string{"capacity/[a-.yaml"}, wantErr: "syntax error in pattern"},
		{name: "unbalanced brace", patterns: []string{"capacity/{a,b.yaml"}, wantErr: `unmatched "{"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, ds := Glob(root, tc.patterns)
			if tc.wantErr != "" {
				if len(ds) != 1 || !strings.Contains(ds[0].Msg, tc.wantErr) {
					t.Fatalf("Glob(%q) diagnostics = %v, want one containing %q", tc.patterns, ds, tc.wantErr)
				}
				return
			}
			if len(ds) != 0 {
				t.Fatalf("Glob(%q) diagnostics: %v", tc.patterns, ds)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("Glob(%q) = %q, want %q", tc.patterns, got, tc.want)
			}
		})
	}
}

func TestExpandBraces(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []string
	}{
		{in: "a", want: []string{"a"}},
		{in: "*.{cue,yaml}", want: []string{"*.cue", "*.yaml"}},
		{in: "{a,b}/{c,d}", want: []string{"a/c", "a/d", "b/c", "b/d"}},
		{in: "x{a,{b,c}}y", want: []string{"xay", "xby", "xcy"}},
		{in: `\{a,b}`, want: []string{`\{a,b}`}},
		{in: "{,a}b", want: []string{"b", "ab"}},
	} {
		got, err := expandBraces(tc.in)
		if err != nil || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("expandBraces(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
}
