package repopath

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/capcheck/capcheck/internal/testkit"
)

// TestResolve: one rule for every path the repository names. Inside as
// written and as resolved is allowed; outside as written is refused
// without looking; outside through a link is refused once resolved.
func TestResolve(t *testing.T) {
	top := t.TempDir()
	repo := filepath.Join(top, "repo")
	for _, f := range []string{"repo/a/plan.json", "outside.json"} {
		p := filepath.Join(top, filepath.FromSlash(f))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte("{}"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for link, target := range map[string]string{"in.json": "a/plan.json", "out.json": "../outside.json", "a/up": ".."} {
		if err := os.Symlink(target, filepath.Join(repo, filepath.FromSlash(link))); err != nil {
			testkit.SkipOrFailf(t, "symlinks unavailable: %v", err)
		}
	}
	root, err := Root(repo)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, dir, path string
		want            string // slash path relative to root, or the error
	}{
		{name: "plain", dir: root, path: "a/plan.json", want: "a/plan.json"},
		{name: "relative to a directory", dir: filepath.Join(root, "a"), path: "plan.json", want: "a/plan.json"},
		{name: "link inside", dir: root, path: "in.json", want: "a/plan.json"},
		{name: "dot-dot staying inside", dir: filepath.Join(root, "a"), path: "../in.json", want: "a/plan.json"},
		{name: "directory link inside", dir: root, path: "a/up/a/plan.json", want: "a/plan.json"},
		{name: "dot-dot leaving", dir: root, path: "../outside.json", want: "../outside.json is outside the repository"},
		{name: "absolute outside", dir: root, path: filepath.Join(top, "outside.json"), want: filepath.Join(top, "outside.json") + " is outside the repository"},
		{name: "link leaving", dir: root, path: "out.json", want: "out.json resolves outside the repository"},
		{name: "missing", dir: root, path: "a/nope.json", want: "resolve a/nope.json: no such file or directory"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			real, err := Resolve(root, tc.dir, tc.path)
			got := ""
			if err != nil {
				got = err.Error()
			} else if rel, rerr := filepath.Rel(root, real); rerr == nil {
				got = filepath.ToSlash(rel)
			}
			if got != tc.want {
				t.Errorf("Resolve(%q) = %q, want %q", tc.path, got, tc.want)
			}
		})
	}
	if _, err := Resolve(root, root, "out.json"); Reason(err) != "resolves outside the repository" {
		t.Errorf("Reason = %q", Reason(err))
	}
	if _, err := Resolve(root, root, "a/nope.json"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing file error %v does not match fs.ErrNotExist", err)
	}
}

// TestReadFile: only regular files within the limit are read.
func TestReadFile(t *testing.T) {
	root, err := Root(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "big"), make([]byte, 11), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(root, "dir"), 0o755); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		limit int64
		want  string
	}{
		{"big", 10, "read big: larger than 10 bytes"},
		{"big", 0, ""},
		{"dir", 0, "read dir: is a directory, not a file"},
	}
	for _, tc := range tests {
		_, err := ReadFile(root, root, tc.name, tc.limit)
		got := ""
		if err != nil {
			got = err.Error()
		}
		if got != tc.want {
			t.Errorf("ReadFile(%q, %d) error = %q, want %q", tc.name, tc.limit, got, tc.want)
		}
	}
}
