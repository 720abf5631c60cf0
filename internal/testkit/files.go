package testkit

import (
	"errors"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/capcheck/capcheck/internal/diag"
	"github.com/rogpeppe/go-internal/txtar"
)

// WriteFiles writes files (slash path → content) below dir, making the
// directories they need.
func WriteFiles(t testing.TB, dir string, files map[string]string) {
	t.Helper()
	for name, text := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// TempTree writes files (see [WriteFiles]) into a new t.TempDir and
// returns it.
func TempTree(t testing.TB, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	WriteFiles(t, dir, files)
	return dir
}

// ArchiveTree writes the files of a txtar archive into a new t.TempDir
// and returns it: a whole repository written in one test string.
func ArchiveTree(t testing.TB, archive string) string {
	t.Helper()
	ar := txtar.Parse([]byte(archive))
	files := make(map[string]string, len(ar.Files))
	for _, f := range ar.Files {
		files[f.Name] = string(f.Data)
	}
	return TempTree(t, files)
}

// Close reports whether got is within 1e-9 of want, relative to want's
// magnitude when it exceeds 1 (absolute below): equal up to rounding.
func Close(got, want float64) bool {
	return Within(got, want, 1e-9*math.Max(1, math.Abs(want)))
}

// Within reports whether got is within tol of want.
func Within(got, want, tol float64) bool { return math.Abs(got-want) <= tol }

// Diagnostics returns the positioned diagnostics err holds, failing t
// when err is nil or holds none (a bare error would print without a
// position).
func Diagnostics(t testing.TB, err error) diag.Diagnostics {
	t.Helper()
	if err == nil {
		t.Fatal("no error, want diagnostics")
	}
	var ds diag.Diagnostics
	if !errors.As(err, &ds) || len(ds) == 0 {
		t.Fatalf("error is %T, want diag.Diagnostics: %v", err, err)
	}
	return ds
}

// Lines is each diagnostic as it prints ("file:line:col: error: msg").
func Lines(ds diag.Diagnostics) []string {
	out := make([]string, len(ds))
	for i, d := range ds {
		out[i] = d.String()
	}
	return out
}
