// Package testkit holds the one rule for tests that need something the
// repository does not carry (the shared real-data sets beside it, a
// program such as prometheus or shellcheck, an operating-system feature):
// without it a test skips and says why in one line; under CI (CI=true),
// where all of it is provided, the test fails with that same line instead,
// so that `go test ./...` printing ok in CI means every test ran.
package testkit

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
)

// CI reports whether the tests run under CI ($CI is true, as GitHub
// Actions and .ci/run's callers set it).
func CI() bool {
	ci, _ := strconv.ParseBool(os.Getenv("CI"))
	return ci
}

// SkipOrFail skips t with reason, one line saying what is missing and
// where it comes from; under CI it fails t with the same reason.
func SkipOrFail(t testing.TB, reason string) {
	t.Helper()
	if CI() {
		t.Fatalf("%s (CI=%s: must run, not skip)", reason, os.Getenv("CI"))
	}
	t.Skip(reason)
}

// SkipOrFailf is SkipOrFail with a formatted reason.
func SkipOrFailf(t testing.TB, format string, args ...any) {
	t.Helper()
	SkipOrFail(t, fmt.Sprintf(format, args...))
}

// NeedData returns the path of rel in the shared read-only data set, the
// directory shared/data beside the repository (../shared/data from its
// root), or skips or fails t (SkipOrFail) when that file is not there.
func NeedData(t testing.TB, rel string) string {
	t.Helper()
	root, err := repoRoot()
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(root, "..", "shared", "data", filepath.FromSlash(rel))
	if _, err := os.Stat(p); err != nil {
		SkipOrFailf(t, "shared data %s absent (../shared/data beside the repository): %v", rel, err)
	}
	return p
}

// NeedCommand returns the path of the program name on $PATH, or skips or
// fails t (SkipOrFail) saying where it comes from (from, e.g. ".ci/run
// installs Debian's prometheus package").
func NeedCommand(t testing.TB, name, from string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		SkipOrFailf(t, "%s not installed: %s", name, from)
	}
	return p
}

// repoRoot is the nearest directory above the working directory (a test's
// package directory) that holds go.mod.
func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for d := dir; ; {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return d, nil
		}
		up := filepath.Dir(d)
		if up == d {
			return "", fmt.Errorf("no go.mod above %s", dir)
		}
		d = up
	}
}
