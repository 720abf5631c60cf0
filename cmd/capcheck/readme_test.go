package main

import (
	"os"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/txtar"
)

// TestREADMEExcerpts keeps the README's output excerpts true: every line of
// its `$ capcheck check testdata/example` block (but the "…" elisions) is a
// line of the golden output in check_example.txtar, and every finding of its
// PR comment excerpt is in diff_remove.txtar's golden comment.
func TestREADMEExcerpts(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		script  string // txtar under testdata/script
		file    string // golden file in it
		excerpt []string
	}{
		{
			name: "check output", script: "check_example.txtar", file: "want.txt",
			excerpt: block(string(readme), "$ capcheck check testdata/example"),
		},
		{
			name: "PR comment", script: "diff_remove.txtar", file: "want.md",
			excerpt: commentFindings(string(readme)),
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if len(tc.excerpt) < 2 {
				t.Fatalf("README excerpt not found (%d lines)", len(tc.excerpt))
			}
			golden := goldenLines(t, tc.script, tc.file)
			for _, line := range tc.excerpt {
				if !golden[line] {
					t.Errorf("README line is not in %s %s (update the README):\n%s", tc.script, tc.file, line)
				}
			}
		})
	}
}

// block returns the lines of the fenced block whose first line is first,
// without the "…" elisions and blank lines.
func block(md, first string) []string {
	_, after, ok := strings.Cut(md, "```\n"+first+"\n")
	if !ok {
		return nil
	}
	body, _, _ := strings.Cut(after, "```")
	var out []string
	for _, l := range strings.Split(body, "\n") {
		if l != "" && l != "…" {
			out = append(out, l)
		}
	}
	return out
}

// commentFindings returns the README's quoted comment findings ("> - **CAP…")
// and verdict heading as the golden Markdown writes them: the link cut and
// "$" escaped.
func commentFindings(md string) []string {
	var out []string
	for _, l := range strings.Split(md, "\n") {
		switch {
		case strings.HasPrefix(l, "> ### "):
			out = append(out, strings.TrimPrefix(l, "> "))
		case strings.HasPrefix(l, "> - **CAP"):
			l, _, _ = strings.Cut(strings.TrimPrefix(l, "> "), " — [")
			out = append(out, l)
		}
	}
	return out
}

// goldenLines is the set of lines of file in the txtar script, findings
// also without their " — [link](…)" tail.
func goldenLines(t *testing.T, script, file string) map[string]bool {
	t.Helper()
	ar, err := txtar.ParseFile("../../testdata/script/" + script)
	if err != nil {
		t.Fatal(err)
	}
	set := map[string]bool{}
	for _, f := range ar.Files {
		if f.Name != file {
			continue
		}
		for _, l := range strings.Split(string(f.Data), "\n") {
			set[l] = true
			if head, _, ok := strings.Cut(l, " — ["); ok {
				set[head] = true
			}
		}
	}
	if len(set) == 0 {
		t.Fatalf("%s has no %s", script, file)
	}
	return set
}
