package workspace

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/capcheck/capcheck/forecast"
	"github.com/capcheck/capcheck/internal/testkit"
	"github.com/capcheck/capcheck/loadtest"
)

// TestUserFilesRefuseFIFO: the files a user names on the command line
// (the forecast's series, benchmarks import's results and --plan) are
// read through repopath.ReadUserFile, so a named pipe is refused with an
// error naming it instead of blocking the command until a writer comes
// (this test would hang otherwise), and a missing file is named as given.
func TestUserFilesRefuseFIFO(t *testing.T) {
	dir := t.TempDir()
	pipe := filepath.Join(dir, "pipe.csv")
	if err := syscall.Mkfifo(pipe, 0o644); err != nil {
		testkit.SkipOrFailf(t, "mkfifo unavailable: %v", err)
	}
	slash := filepath.ToSlash(pipe)
	missing := filepath.ToSlash(filepath.Join(dir, "missing.csv"))
	slo := loadtest.SLO{TTFTP95Ms: 800, ITLP95Ms: 60}
	for _, tc := range []struct {
		name string
		run  func() error
		want string
	}{
		{"forecast series FIFO", func() error {
			_, err := FitFile(pipe, "", "none", forecast.Options{})
			return err
		}, "read series: " + slash + " is not a regular file (p---------), want a CSV file"},
		{"forecast series missing", func() error {
			_, err := FitFile(filepath.FromSlash(missing), "", "none", forecast.Options{})
			return err
		}, "read series: " + missing + ": no such file or directory"},
		{"benchmarks result FIFO", func() error {
			_, _, err := (&BenchmarkImport{Results: []string{pipe}, SLO: slo}).Run()
			return err
		}, "read result: " + slash + ": not a regular file (p---------)"},
		{"benchmarks --plan FIFO", func() error {
			return sloFromPlan(pipe, "m", &loadtest.SLO{}, &loadtest.Options{})
		}, "read --plan: " + slash + ": not a regular file (p---------)"},
		{"benchmarks --plan FIFO on write", func() error {
			_, err := WriteBenchmarks(pipe, nil)
			return err
		}, "read --plan: " + slash + ": not a regular file (p---------)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.run()
			if err == nil || err.Error() != tc.want {
				t.Errorf("err = %v, want %q", err, tc.want)
			}
		})
	}
	// The result size bound: one byte past it is refused unread (a sparse
	// file, so nothing is written).
	big := filepath.Join(dir, "big.jsonl")
	if err := os.WriteFile(big, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(big, maxResultBytes+1); err != nil {
		t.Fatal(err)
	}
	_, _, err := (&BenchmarkImport{Results: []string{big}, SLO: slo}).Run()
	if want := "read result: " + filepath.ToSlash(big) + ": larger than 268435456 bytes"; err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("oversized result: err = %v, want %q (256 MiB = 268 435 456 bytes)", err, want)
	}
}
