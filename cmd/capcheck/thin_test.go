package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestCommandStaysThin holds cmd/capcheck to flags, help, exit codes and
// wiring (docs/ARCHITECTURE.md): under 1,000 lines outside its tests.
// Pipelines and domain rules belong in workspace/ and below.
func TestCommandStaysThin(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	lines := 0
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		lines += bytes.Count(b, []byte("\n"))
	}
	if lines == 0 || lines >= 1000 {
		t.Errorf("cmd/capcheck holds %d non-test lines, want 1 to 999: move pipeline code to workspace/", lines)
	}
}
