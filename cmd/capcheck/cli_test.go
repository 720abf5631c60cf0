package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// runCLI runs capcheck in-process and returns its exit code and streams.
func runCLI(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(context.Background(), args, strings.NewReader(""), &out, &errb)
	return code, out.String(), errb.String()
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
