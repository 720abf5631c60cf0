package schema

import (
	"path/filepath"
	"reflect"
	"slices"
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

// hostileStars is eight "**" before a literal: a recursive match tries
// every way the stars can share the segments before the last, C(59+7, 7)
// ≈ 7.8×10^8 of them for the 60-segment path below, and takes minutes.
var hostileStars = strings.Split("**/**/**/**/**/**/**/**/x", "/")

// TestMatchSegmentsStars: many "**" against a long path give the right
// answer at once (the recursive match was exponential in the stars).
func TestMatchSegmentsStars(t *testing.T) {
	long := strings.Split(strings.Repeat("a/", 59)+"y", "/") // 60 segments
	if matchSegments(hostileStars, long) {
		t.Errorf("matchSegments(%q, 59×a + y) = true, want false: the last segment is not x", hostileStars)
	}
	long[59] = "x"
	if !matchSegments(hostileStars, long) {
		t.Errorf("matchSegments(%q, 59×a + x) = false, want true", hostileStars)
	}
	// A file below a/…/a (59 segments) can still end in x, so the walk
	// descends; "**" never enters a dot directory, so not below .git.
	if !canDescend(hostileStars, long[:59]) {
		t.Errorf("canDescend(%q, 59×a) = false, want true", hostileStars)
	}
	if canDescend(hostileStars, append(slices.Clone(long[:30]), ".git")) {
		t.Errorf("canDescend(%q, 30×a + .git) = true, want false: ** does not enter dot directories", hostileStars)
	}
}

// TestMatchSegmentsSameAsRecursive compares matchSegments and canDescend
// with the recursive definitions they replace, on every pattern of up to
// four segments over {**, *, a, .a, [ab]} and every name of up to four
// segments over {a, b, .a}.
func TestMatchSegmentsSameAsRecursive(t *testing.T) {
	pats := sequences([]string{"**", "*", "a", ".a", "[ab]"}, 4)
	names := sequences([]string{"a", "b", ".a"}, 4)
	n := 0
	for _, p := range pats {
		for _, name := range names {
			if got, want := matchSegments(p, name), matchRecursive(p, name); got != want {
				t.Errorf("matchSegments(%q, %q) = %v, recursive %v", p, name, got, want)
			}
			if len(name) > 0 {
				if got, want := canDescend(p, name), descendRecursive(p, name); got != want {
					t.Errorf("canDescend(%q, %q) = %v, recursive %v", p, name, got, want)
				}
			}
			n++
		}
	}
	// 1+5+25+125+625 = 781 patterns × 1+3+9+27+81 = 121 names.
	if n != 781*121 {
		t.Fatalf("compared %d pairs, want %d", n, 781*121)
	}
}

// sequences lists every sequence of at most n elements of alphabet.
func sequences(alphabet []string, n int) [][]string {
	out := [][]string{{}}
	last := [][]string{{}}
	for range n {
		var more [][]string
		for _, s := range last {
			for _, a := range alphabet {
				more = append(more, append(slices.Clone(s), a))
			}
		}
		out, last = append(out, more...), more
	}
	return out
}

// matchRecursive and descendRecursive are the recursive matchSegments and
// canDescend that reach replaced.
func matchRecursive(pat, name []string) bool {
	for len(pat) > 0 {
		if pat[0] == "**" {
			if matchRecursive(pat[1:], name) {
				return true
			}
			if len(name) == 0 || strings.HasPrefix(name[0], ".") {
				return false
			}
			name = name[1:]
			continue
		}
		if len(name) == 0 || !segmentMatch(pat[0], name[0]) {
			return false
		}
		pat, name = pat[1:], name[1:]
	}
	return len(name) == 0
}

func descendRecursive(pat, dir []string) bool {
	for len(dir) > 0 {
		if len(pat) == 0 {
			return false
		}
		if pat[0] == "**" {
			if descendRecursive(pat[1:], dir) {
				return true
			}
			if strings.HasPrefix(dir[0], ".") {
				return false
			}
			dir = dir[1:]
			continue
		}
		if !segmentMatch(pat[0], dir[0]) {
			return false
		}
		pat, dir = pat[1:], dir[1:]
	}
	return len(pat) > 0
}

// BenchmarkMatchSegmentsStars is the hostile pattern against a 60-segment
// path that does not match.
func BenchmarkMatchSegmentsStars(b *testing.B) {
	long := strings.Split(strings.Repeat("a/", 59)+"y", "/")
	b.ReportAllocs()
	for b.Loop() {
		if matchSegments(hostileStars, long) {
			b.Fatal("matched")
		}
	}
}
