package testkit

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/capcheck/capcheck/internal/diag"
)

// recorder is a testing.TB whose Skip and Fatalf only record what the
// first of them said (the real ones stop the test there).
type recorder struct {
	testing.TB
	skipped, failed string
}

func (r *recorder) Helper() {}

func (r *recorder) Skip(args ...any) {
	if r.skipped == "" && r.failed == "" {
		r.skipped = fmt.Sprint(args...)
	}
}

func (r *recorder) Fatalf(format string, args ...any) {
	if r.skipped == "" && r.failed == "" {
		r.failed = fmt.Sprintf(format, args...)
	}
}

func TestSkipOrFail(t *testing.T) {
	tests := []struct {
		ci                  string
		wantSkip, wantFatal string
	}{
		{ci: "", wantSkip: "shellcheck not installed: .ci/run installs it"},
		{ci: "false", wantSkip: "shellcheck not installed: .ci/run installs it"},
		{ci: "true", wantFatal: "shellcheck not installed: .ci/run installs it (CI=true: must run, not skip)"},
		{ci: "1", wantFatal: "shellcheck not installed: .ci/run installs it (CI=1: must run, not skip)"},
	}
	for _, tc := range tests {
		t.Run("CI="+tc.ci, func(t *testing.T) {
			t.Setenv("CI", tc.ci)
			r := &recorder{TB: t}
			NeedCommand(r, "no-such-program-capcheck", ".ci/run installs it")
			// NeedCommand names the program it looked for.
			want := func(s string) string { return strings.Replace(s, "shellcheck", "no-such-program-capcheck", 1) }
			if r.skipped != want(tc.wantSkip) || r.failed != want(tc.wantFatal) {
				t.Errorf("skipped %q, failed %q; want skipped %q, failed %q", r.skipped, r.failed, want(tc.wantSkip), want(tc.wantFatal))
			}
		})
	}
}

func TestNeedData(t *testing.T) {
	t.Setenv("CI", "")
	r := &recorder{TB: t}
	p := NeedData(r, "no/such.csv")
	if !strings.HasSuffix(p, filepath.Join("shared", "data", "no", "such.csv")) {
		t.Errorf("NeedData path = %s, want it under ../shared/data", p)
	}
	if !strings.HasPrefix(r.skipped, "shared data no/such.csv absent (../shared/data beside the repository): ") || r.failed != "" {
		t.Errorf("NeedData(missing): skipped %q, failed %q", r.skipped, r.failed)
	}
}

// TestUnprivileged: a mode-000 file is unreadable inside Unprivileged,
// even as root, and the rest of the process keeps its privileges.
func TestUnprivileged(t *testing.T) {
	p := filepath.Join(t.TempDir(), "secret")
	if err := os.WriteFile(p, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(p, 0); err != nil {
		t.Fatal(err)
	}
	var err error
	Unprivileged(t, func() { _, err = os.ReadFile(p) })
	if !errors.Is(err, fs.ErrPermission) {
		t.Errorf("ReadFile(mode 000) inside Unprivileged = %v, want permission denied", err)
	}
	if os.Geteuid() == 0 {
		if _, err := os.ReadFile(p); err != nil {
			t.Errorf("ReadFile as root after Unprivileged = %v, want the process still privileged", err)
		}
	}
}

// TestNoBareSkips keeps the rule in one place: a test file that skips
// calls SkipOrFail (or NeedData, NeedCommand), never t.Skip itself, except
// for a -short skip (under testing.Short(), in the line or two above) or a
// fuzz-only one, whose reason says so.
func TestNoBareSkips(t *testing.T) {
	root, err := repoRoot()
	if err != nil {
		t.Fatal(err)
	}
	skip := regexp.MustCompile(`\.Skip(f|Now)?\(`)
	err = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == ".git" || d.Name() == "testdata" || p == filepath.Join(root, "internal", "testkit")) {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(p, "_test.go") {
			return nil
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		lines := strings.Split(string(data), "\n")
		for i, l := range lines {
			if !skip.MatchString(l) {
				continue
			}
			above := strings.Join(lines[max(0, i-2):i+1], "\n")
			if strings.Contains(above, "testing.Short()") || strings.Contains(strings.ToLower(l), "fuzz") {
				continue
			}
			rel, _ := filepath.Rel(root, p)
			t.Errorf("%s:%d: skips without testkit.SkipOrFail (which fails under CI=true instead):\n%s", filepath.ToSlash(rel), i+1, strings.TrimSpace(l))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestArchiveTreeAndFiles(t *testing.T) {
	dir := ArchiveTree(t, "comment\n-- a/b.txt --\nhello\n-- c.txt --\nworld\n")
	for rel, want := range map[string]string{"a/b.txt": "hello\n", "c.txt": "world\n"} {
		got, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(rel)))
		if err != nil || string(got) != want {
			t.Errorf("%s = %q, %v; want %q", rel, got, err, want)
		}
	}
}

func TestClose(t *testing.T) {
	tests := []struct {
		got, want float64
		close     bool
	}{
		{0.1 + 0.2, 0.3, true},             // rounding only
		{1e12 + 1e2, 1e12, true},           // 1e2 is 1e-10 of 1e12: relative
		{1e12 + 1e4, 1e12, false},          // 1e-8 relative
		{1e-10, 0, true}, {1e-8, 0, false}, // absolute below 1
	}
	for _, tc := range tests {
		if got := Close(tc.got, tc.want); got != tc.close {
			t.Errorf("Close(%g, %g) = %v, want %v", tc.got, tc.want, got, tc.close)
		}
	}
}

func TestDiagnosticsLines(t *testing.T) {
	err := fmt.Errorf("load: %w", diag.Errorf(diag.Pos{File: "a.tf", Line: 3, Column: 2}, "bad %s", "thing"))
	got := Lines(Diagnostics(t, err))
	if len(got) != 1 || got[0] != "a.tf:3:2: error: bad thing" {
		t.Errorf("Lines = %q, want [a.tf:3:2: error: bad thing]", got)
	}
	r := &recorder{TB: t}
	Diagnostics(r, errors.New("plain"))
	if !strings.Contains(r.failed, "want diag.Diagnostics") {
		t.Errorf("Diagnostics(plain error) failed with %q, want it to say diag.Diagnostics is wanted", r.failed)
	}
}
