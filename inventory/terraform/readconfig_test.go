package terraform

import (
	"context"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/capcheck/capcheck/internal/testkit"
)

// TestVarFileFIFO: a var file that is a named pipe is refused by the one
// bounded reader (repopath) without being opened, so the check does not
// block waiting for a writer; the message is the one the separate stat
// check gave before.
func TestVarFileFIFO(t *testing.T) {
	repo := testkit.TempTree(t, map[string]string{
		"main.tf": "variable \"n\" {\n  default = 1\n}\n",
		"gpu.tf":  reservation("r", "var.n"),
	})
	if err := syscall.Mkfifo(filepath.Join(repo, "pipe.tfvars"), 0o644); err != nil {
		testkit.SkipOrFailf(t, "mkfifo unavailable: %v", err)
	}
	_, err := Discover(context.Background(), repo, Options{VarFiles: []string{"pipe.tfvars"}})
	want := "pipe.tfvars: error: read var file: pipe.tfvars is not a regular file"
	if got := testkit.Lines(testkit.Diagnostics(t, err)); len(got) != 1 || got[0] != want {
		t.Errorf("Discover errors = %q, want [%q]", got, want)
	}
}
