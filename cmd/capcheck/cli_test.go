package main

import (
	"bytes"
	"context"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// runCLI runs capcheck in-process and returns its exit code and streams.
func runCLI(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(context.Background(), args, strings.NewReader(""), &out, &errb)
	return code, out.String(), errb.String()
}

// writeFiles writes files (slash path → content) below dir, making the
// directories they need.
func writeFiles(t *testing.T, dir string, files map[string]string) {
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

// TestHelpEveryFlagNamed runs `capcheck CMD -h` for every command: help
// goes to stdout with exit 0, and every flag has a placeholder of its own
// (a new flag without one shows VALUE and fails here).
func TestHelpEveryFlagNamed(t *testing.T) {
	for _, c := range commands() {
		t.Run(c.name, func(t *testing.T) {
			code, stdout, stderr := runCLI(t, c.name, "-h")
			if code != exitPass || stderr != "" {
				t.Fatalf("capcheck %s -h: exit %d, stderr %q; want 0 and nothing", c.name, code, stderr)
			}
			if !strings.HasPrefix(stdout, "Usage: capcheck "+c.name) {
				t.Errorf("help starts %q, want the usage line", strings.SplitN(stdout, "\n", 2)[0])
			}
			for _, line := range strings.Split(stdout, "\n") {
				if strings.HasPrefix(line, "  --") && strings.HasSuffix(line, " VALUE") {
					t.Errorf("flag without a placeholder: %q (add it to placeholders)", line)
				}
				if len(line) > 80 && !strings.HasPrefix(line, "  capcheck ") {
					t.Errorf("line wider than 80 columns: %q", line)
				}
			}
		})
	}
}

func TestUsageErrors(t *testing.T) {
	tests := []struct {
		name       string
		args       []string
		wantCode   int
		wantStderr string
	}{
		{name: "unknown command close to one", args: []string{"inventroy"}, wantCode: exitError,
			wantStderr: "capcheck: unknown command \"inventroy\"; did you mean \"inventory\"?\nRun 'capcheck help' for the commands.\n"},
		{name: "unknown command far from all", args: []string{"deploy"}, wantCode: exitError,
			wantStderr: "capcheck: unknown command \"deploy\"\nRun 'capcheck help' for the commands.\n"},
		{name: "unknown flag", args: []string{"inventory", "--formt", "json"}, wantCode: exitError,
			wantStderr: "capcheck inventory: unknown flag --formt; did you mean --format?\nRun 'capcheck inventory -h' for usage.\n"},
		{name: "flag without value", args: []string{"forecast", "--horizon"}, wantCode: exitError,
			wantStderr: "capcheck forecast: flag --horizon needs a value: --horizon STEPS\nRun 'capcheck forecast -h' for usage.\n"},
		{name: "bad int", args: []string{"forecast", "--horizon", "x", "a.csv"}, wantCode: exitError,
			wantStderr: "capcheck forecast: invalid value \"x\" for flag --horizon: parse error\nRun 'capcheck forecast -h' for usage.\n"},
		{name: "bad format before reading", args: []string{"inventory", "--format", "yaml", "does-not-exist"}, wantCode: exitError,
			wantStderr: "capcheck inventory: unknown --format \"yaml\" (want text or json)\nRun 'capcheck inventory -h' for usage.\n"},
		{name: "version with argument", args: []string{"version", "now"}, wantCode: exitError,
			wantStderr: "capcheck version: takes no arguments, got \"now\"\nRun 'capcheck version -h' for usage.\n"},
		{name: "help with two commands", args: []string{"help", "check", "audit"}, wantCode: exitError,
			wantStderr: "capcheck help: want at most one command, got \"check audit\"\nRun 'capcheck help' for the commands.\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, stdout, stderr := runCLI(t, tc.args...)
			if code != tc.wantCode {
				t.Errorf("exit = %d, want %d", code, tc.wantCode)
			}
			if stdout != "" {
				t.Errorf("stdout = %q, want nothing", stdout)
			}
			if diff := cmp.Diff(tc.wantStderr, stderr); diff != "" {
				t.Errorf("stderr (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseFlags(t *testing.T) {
	tests := []struct {
		name       string
		args       []string
		wantPos    []string
		wantFormat string
	}{
		{name: "flags first", args: []string{"--format", "json", "repo"}, wantPos: []string{"repo"}, wantFormat: "json"},
		{name: "flags after the path", args: []string{"repo", "--format", "json"}, wantPos: []string{"repo"}, wantFormat: "json"},
		{name: "between two arguments", args: []string{"a", "-format=json", "b"}, wantPos: []string{"a", "b"}, wantFormat: "json"},
		{name: "double dash ends flags", args: []string{"--format", "json", "--", "--format", "x"}, wantPos: []string{"--format", "x"}, wantFormat: "json"},
		{name: "no arguments", args: nil, wantPos: nil, wantFormat: "text"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			e := &env{stdout: &out, stderr: &errb}
			fs := newFlags(e, "inventory", "")
			format := fs.String("format", "text", "")
			pos, code, ok := parseFlags(fs, tc.args)
			if !ok {
				t.Fatalf("parseFlags(%q) stopped with %d: %s", tc.args, code, errb.String())
			}
			if diff := cmp.Diff(tc.wantPos, pos); diff != "" {
				t.Errorf("positional (-want +got):\n%s", diff)
			}
			if *format != tc.wantFormat {
				t.Errorf("--format = %q, want %q", *format, tc.wantFormat)
			}
		})
	}
}

func TestClosest(t *testing.T) {
	names := []string{"check", "inventory", "forecast", "audit", "comment", "verify", "doc", "init", "version"}
	tests := []struct {
		name, in, want string
	}{
		{name: "one transposition is two edits", in: "chcek", want: "check"},
		{name: "one deletion", in: "chck", want: "check"},
		{name: "prefix", in: "inv", want: "inventory"},
		{name: "too far", in: "deploy", want: ""},
		{name: "two edits from audit, doc and init: a tie, no suggestion", in: "dit", want: ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := closest(tc.in, names); got != tc.want {
				t.Errorf("closest(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestEditDistance(t *testing.T) {
	tests := []struct {
		a, b string
		want int
	}{
		{"", "", 0},
		{"check", "check", 0},
		{"chck", "check", 1},     // insert e
		{"chcek", "check", 2},    // two substitutions
		{"kitten", "sitting", 3}, // k→s, e→i, +g
		{"", "doc", 3},
	}
	for _, tc := range tests {
		if got := editDistance(tc.a, tc.b); got != tc.want {
			t.Errorf("editDistance(%q, %q) = %d, want %d", tc.a, tc.b, got, tc.want)
		}
	}
}

func TestDefaultText(t *testing.T) {
	fs := flag.NewFlagSet("x", flag.ContinueOnError)
	fs.Duration("step", time.Hour, "")
	fs.Duration("timeout", 90*time.Second, "")
	fs.String("title", "capcheck audit", "")
	fs.String("format", "text", "")
	fs.String("empty", "", "")
	fs.Bool("off", false, "")
	fs.Bool("on", true, "")
	fs.Int("horizon", 0, "")
	want := map[string]string{
		"step":    "1h",    // not 1h0m0s
		"timeout": "1m30s", // nothing to drop
		"title":   `"capcheck audit"`,
		"format":  "text",
		"empty":   "",
		"off":     "",
		"on":      "true",
		"horizon": "",
	}
	for name, w := range want {
		if got := defaultText(fs.Lookup(name)); got != w {
			t.Errorf("defaultText(--%s) = %q, want %q", name, got, w)
		}
	}
}

func TestWrap(t *testing.T) {
	got := wrap("aaa bbb ccc ddd", "  ", 10)
	// "  aaa bbb" is 9 columns; " ccc" would make 13 > 10.
	want := "  aaa bbb\n  ccc ddd"
	if got != want {
		t.Errorf("wrap = %q, want %q", got, want)
	}
}

func TestSynopsis(t *testing.T) {
	tests := []struct {
		c    command
		want string
	}{
		{command{name: "check", args: "[PATH]"}, "capcheck check [flags] [PATH]"},
		{command{name: "comment", args: "github RESULT.json"}, "capcheck comment github [flags] RESULT.json"},
		{command{name: "forecast", args: "SERIES.csv"}, "capcheck forecast [flags] SERIES.csv"},
		{command{name: "version"}, "capcheck version [flags]"},
	}
	for _, tc := range tests {
		if got := tc.c.synopsis(); got != tc.want {
			t.Errorf("synopsis(%s) = %q, want %q", tc.c.name, got, tc.want)
		}
	}
}
