package cli

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/capcheck/capcheck/internal/diag"
	"github.com/google/go-cmp/cmp"
)

// prog is a program of two commands that print their arguments; "ver"
// is its version command.
func prog(out *bytes.Buffer) Program {
	cmd := func(name string) Command {
		return Command{Prog: "p", Name: name, Summary: name + " things", Run: func(args []string) int {
			fmt.Fprintf(out, "%s %q\n", name, args)
			return 7
		}}
	}
	return Program{
		Name: "p", Intro: "Intro.\n\n", Outro: "\nOutro.\n", UsageCode: 2,
		Commands: []Command{cmd("check"), cmd("version")},
		Hint: func(name string) string {
			if name == "dir" {
				return "run: p check dir"
			}
			return ""
		},
	}
}

func TestProgramRun(t *testing.T) {
	usage := "Intro.\n\nCommands:\n  check    check things\n  version  version things\n\nOutro.\n"
	for _, tc := range []struct {
		args                 []string
		code                 int
		stdout, stderr, rans string
	}{
		{args: nil, code: 2, stderr: usage},
		{args: []string{"--help"}, code: 0, stdout: usage},
		{args: []string{"help"}, code: 0, stdout: usage},
		{args: []string{"check", "a", "-x"}, code: 7, rans: "check [\"a\" \"-x\"]\n"},
		{args: []string{"help", "check"}, code: 7, rans: "check [\"-h\"]\n"},
		{args: []string{"--version"}, code: 7, rans: "version []\n"},
		{args: []string{"help", "a", "b"}, code: 2, stderr: "p help: want at most one command, got \"a b\"\nRun 'p help' for the commands.\n"},
		// one edit away from check; "dir" gets the hint instead
		{args: []string{"chek"}, code: 2, stderr: "p: unknown command \"chek\"; did you mean \"check\"?\nRun 'p help' for the commands.\n"},
		{args: []string{"dir"}, code: 2, stderr: "p: unknown command \"dir\"; run: p check dir\nRun 'p help' for the commands.\n"},
		{args: []string{"help", "zzzzzz"}, code: 2, stderr: "p: unknown command \"zzzzzz\"\nRun 'p help' for the commands.\n"},
	} {
		var ran, stdout, stderr bytes.Buffer
		code := prog(&ran).Run(tc.args, &stdout, &stderr)
		if code != tc.code {
			t.Errorf("%q: exit %d, want %d", tc.args, code, tc.code)
		}
		for _, s := range []struct{ name, got, want string }{
			{"stdout", stdout.String(), tc.stdout}, {"stderr", stderr.String(), tc.stderr}, {"ran", ran.String(), tc.rans},
		} {
			if diff := cmp.Diff(s.want, s.got); diff != "" {
				t.Errorf("%q: %s (-want +got):\n%s", tc.args, s.name, diff)
			}
		}
	}
}

func TestSubcommands(t *testing.T) {
	c := Command{Prog: "p", Name: "export"}
	run := map[string]func([]string) int{
		"rules": func(args []string) int { return len(args) },
		"board": func(args []string) int { return 10 + len(args) },
	}
	var w bytes.Buffer
	if got := Subcommands(&w, c, []string{"board", "x"}, run, "rules", "rules or board", "p export rules|board", 2); got != 11 {
		t.Errorf("board x: %d, want 11", got)
	}
	if got := Subcommands(&w, c, []string{"-h"}, run, "rules", "rules or board", "p export rules|board", 2); got != 1 {
		t.Errorf("-h: %d, want rules run with [-h] (1)", got)
	}
	if w.Len() != 0 {
		t.Errorf("wrote %q", w.String())
	}
	Subcommands(&w, c, nil, run, "rules", "rules or board", "p export rules|board", 2)
	Subcommands(&w, c, []string{"x"}, run, "rules", "rules or board", "p export rules|board", 2)
	want := "p export: want the subcommand rules or board: p export rules|board\nRun 'p export -h' for usage.\n" +
		"p export: unknown subcommand \"x\"; want rules or board: p export rules|board\nRun 'p export -h' for usage.\n"
	if diff := cmp.Diff(want, w.String()); diff != "" {
		t.Errorf("usage errors (-want +got):\n%s", diff)
	}
}

func TestArgumentChecks(t *testing.T) {
	c := Command{Prog: "p", Name: "inv"}
	dir := t.TempDir()
	file := filepath.Join(dir, "f")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	var w bytes.Buffer
	if !OneOf(&w, c, "format", "json", []string{"text", "json"}) || !NoArgs(&w, c, nil) {
		t.Error("a known format, no arguments: want ok")
	}
	if got, ok := OptionalDir(&w, c, nil, "PATH is the root"); !ok || got != "." {
		t.Errorf("no PATH: %q %v, want . (the default)", got, ok)
	}
	if got, ok := OptionalDir(&w, c, []string{dir}, "PATH is the root"); !ok || got != dir {
		t.Errorf("a directory: %q %v", got, ok)
	}
	if w.Len() != 0 {
		t.Fatalf("wrote %q for good arguments", w.String())
	}
	OneOf(&w, c, "format", "yaml", []string{"text", "json"})
	NoArgs(&w, c, []string{"a", "b"})
	OptionalDir(&w, c, []string{"a", "b"}, "PATH is the root")
	OptionalDir(&w, c, []string{filepath.Join(dir, "none")}, "PATH is the root")
	OptionalDir(&w, c, []string{file}, "PATH is the root")
	want := strings.Join([]string{
		`p inv: unknown --format "yaml" (want text or json)`, "Run 'p inv -h' for usage.",
		`p inv: takes no arguments, got "a b"`, "Run 'p inv -h' for usage.",
		"p inv: want at most one PATH (the repository root), got 2 arguments: a b", "Run 'p inv -h' for usage.",
		"p inv: " + filepath.Join(dir, "none") + ": no such directory; PATH is the root",
		"p inv: " + file + " is a file, not a directory; PATH is the root",
	}, "\n") + "\n"
	if diff := cmp.Diff(want, w.String()); diff != "" {
		t.Errorf("errors (-want +got):\n%s", diff)
	}
}

// ParseDir runs the checks on the flags before it looks at the
// directory: a bad --format is the error even when PATH is missing too.
func TestParseDir(t *testing.T) {
	c := Command{Prog: "p", Name: "inv"}
	var out, errb bytes.Buffer
	fs := NewFlags(c, nil, &out, &errb)
	format := fs.String("format", "text", "")
	check := func() bool { return OneOf(&errb, c, "format", *format, []string{"text"}) }
	if _, code, ok := ParseDir(fs, []string{"missing-dir", "--format", "x"}, c, "PATH …", 2, check); ok || code != 2 {
		t.Errorf("ParseDir = %d, %v; want 2, false", code, ok)
	}
	if want := "p inv: unknown --format \"x\" (want text)\nRun 'p inv -h' for usage.\n"; errb.String() != want {
		t.Errorf("stderr %q, want %q", errb.String(), want)
	}
	fs = NewFlags(c, nil, &out, &errb)
	if _, code, ok := ParseDir(fs, []string{"-h"}, c, "PATH …", 2); ok || code != 0 {
		t.Errorf("-h: %d, %v; want 0 (help), false", code, ok)
	}
}

func TestDate(t *testing.T) {
	now := time.Date(2026, 11, 21, 15, 4, 0, 0, time.FixedZone("x", 3600))
	env := map[string]string{}
	getenv := func(k string) string { return env[k] }
	day := func(s string) time.Time { d, _ := time.Parse("2006-01-02", s); return d }
	if got, err := Date("now", "", "NOW", getenv, now); err != nil || !got.Equal(now) || got.Location() != time.UTC {
		t.Errorf("default: %v %v, want now in UTC", got, err)
	}
	env["NOW"] = "2026-01-02"
	if got, _ := Date("now", "", "NOW", getenv, now); !got.Equal(day("2026-01-02")) {
		t.Errorf("from the environment: %v", got)
	}
	if got, _ := Date("now", "2025-05-06", "NOW", getenv, now); !got.Equal(day("2025-05-06")) {
		t.Errorf("the flag wins: %v", got)
	}
	env["NOW"] = "2026-13-01"
	if _, err := Date("now", "", "NOW", getenv, now); err == nil || err.Error() != `$NOW "2026-13-01": want a date YYYY-MM-DD: month out of range` {
		t.Errorf("bad environment value: %v", err)
	}
	if _, err := Date("now", "x", "NOW", getenv, now); err == nil || !strings.HasPrefix(err.Error(), `--now "x": want a date YYYY-MM-DD`) {
		t.Errorf("bad flag value: %v", err)
	}
}

func TestPrintError(t *testing.T) {
	ds := diag.Diagnostics{{Msg: "first"}, {Msg: "second"}}
	var w bytes.Buffer
	PrintError(&w, "p", fmt.Errorf("wrapped: %w", ds))
	PrintError(&w, "p", errors.Join(errors.New("a"), errors.New("b\nc")))
	want := ds[0].String() + "\n" + ds[1].String() + "\n" + "p: a\n" + "p: " + diag.Text("b\nc") + "\n"
	if diff := cmp.Diff(want, w.String()); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if strings.Count(w.String(), "\n") != 4 {
		t.Errorf("want 4 lines (a newline in a message is escaped): %q", w.String())
	}
}
