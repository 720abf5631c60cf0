package cli

import (
	"bytes"
	"flag"
	"os"
	"strings"
	"testing"
)

// TestColor is the precedence of the colour switches: --color always and
// never decide, --no-color is never, the later of two flags wins, and
// under auto $NO_COLOR (any non-empty value) or TERM=dumb turn colour off
// and only a terminal gets it.
func TestColor(t *testing.T) {
	env := func(kv ...string) func(string) string {
		return func(k string) string {
			for i := 0; i+1 < len(kv); i += 2 {
				if kv[i] == k {
					return kv[i+1]
				}
			}
			return ""
		}
	}
	for _, tc := range []struct {
		name   string
		args   []string
		getenv func(string) string
		want   bool
	}{
		{"auto, not a terminal", nil, env(), false},
		{"always", []string{"--color", "always"}, env(), true},
		{"always beats NO_COLOR", []string{"--color=always"}, env("NO_COLOR", "1"), true},
		{"NO_COLOR=0 is set too", []string{"--color=always", "--no-color"}, env("NO_COLOR", "0"), false},
		{"never", []string{"--color", "never"}, env(), false},
		{"no-color then always: the later wins", []string{"--no-color", "--color", "always"}, env(), true},
		{"always then no-color: the later wins", []string{"--color", "always", "--no-color"}, env(), false},
		{"no-color=false leaves auto", []string{"--color", "never", "--no-color=false"}, env(), false},
		{"auto with NO_COLOR", []string{"--color", "auto"}, env("NO_COLOR", "x"), false},
	} {
		out := &Output{W: &bytes.Buffer{}, Getenv: tc.getenv}
		fs := NewFlags(Command{Prog: "p", Name: "c"}, nil, out, &bytes.Buffer{})
		if _, err := Parse(fs, tc.args); err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if got := out.Color(); got != tc.want {
			t.Errorf("%s: Color() = %v, want %v", tc.name, got, tc.want)
		}
		if got := ColorOf(out); got != tc.want {
			t.Errorf("%s: ColorOf = %v, want %v", tc.name, got, tc.want)
		}
	}
	// A plain writer is never coloured, whatever the flags say.
	var plain bytes.Buffer
	fs := NewFlags(Command{Prog: "p", Name: "c"}, nil, &plain, &bytes.Buffer{})
	if _, err := Parse(fs, []string{"--color", "always"}); err != nil || ColorOf(&plain) {
		t.Errorf("a bytes.Buffer stdout: err %v, ColorOf %v, want nil and false", err, ColorOf(&plain))
	}
	// A pipe is not a terminal; auto gives no colour.
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	if (&Output{W: w}).Color() {
		t.Error("a pipe is coloured under auto")
	}
}

func TestColorErrors(t *testing.T) {
	var stderr bytes.Buffer
	fs := NewFlags(Command{Prog: "p", Name: "c"}, nil, &Output{W: &bytes.Buffer{}}, &stderr)
	if _, err := Parse(fs, []string{"--color", "rainbow"}); err != ErrUsage {
		t.Fatalf("err %v, want ErrUsage", err)
	}
	if want := "p c: invalid value \"rainbow\" for flag --color: want auto, always or never\n"; !strings.HasPrefix(stderr.String(), want) {
		t.Errorf("stderr %q, want %q first", stderr.String(), want)
	}
}

// TestQuietFlag: --quiet and -q set the Output's Quiet; the help lists
// --quiet alone; NotesTo drops notes under it.
func TestQuietFlag(t *testing.T) {
	for _, args := range [][]string{{"-q"}, {"--quiet"}, {"x", "-q"}} {
		out := &Output{W: &bytes.Buffer{}}
		fs := NewFlags(Command{Prog: "p", Name: "c"}, nil, out, &bytes.Buffer{})
		QuietFlag(fs, "print only errors")
		if _, err := Parse(fs, args); err != nil {
			t.Fatal(err)
		}
		if !out.Quiet() || !QuietOf(out) {
			t.Errorf("%q: not quiet", args)
		}
		var stderr bytes.Buffer
		if NotesTo(out, &stderr) == &stderr {
			t.Errorf("%q: notes still go to stderr", args)
		}
	}
	var help, stderr bytes.Buffer
	out := &Output{W: &help}
	fs := NewFlags(Command{Prog: "p", Name: "c"}, nil, out, &stderr)
	QuietFlag(fs, "print only errors")
	if _, err := Parse(fs, []string{"-h"}); err != flag.ErrHelp {
		t.Fatalf("err %v, want ErrHelp", err)
	}
	want := "Flags:\n  --color WHEN\n" // then its usage
	if !strings.Contains(help.String(), want) || !strings.Contains(help.String(), "\n  --quiet\n      print only errors (short: -q)\n") || strings.Contains(help.String(), "\n  --q\n") || strings.Contains(help.String(), "\n  -q") {
		t.Errorf("help:\n%s", help.String())
	}
	if out.Quiet() || NotesTo(out, &stderr) != &stderr {
		t.Error("quiet without the flag")
	}
}

func TestParseNone(t *testing.T) {
	var stderr bytes.Buffer
	c := Command{Prog: "p", Name: "version"}
	if code, ok := ParseNone(NewFlags(c, nil, &bytes.Buffer{}, &stderr), nil, c, 2); !ok || code != 0 {
		t.Errorf("no arguments: %d %v", code, ok)
	}
	if code, ok := ParseNone(NewFlags(c, nil, &bytes.Buffer{}, &stderr), []string{"extra"}, c, 2); ok || code != 2 {
		t.Errorf("an argument: %d %v", code, ok)
	}
	if want := "p version: takes no arguments, got \"extra\"\n"; !strings.HasPrefix(stderr.String(), want) {
		t.Errorf("stderr %q", stderr.String())
	}
}
