package cli

import (
	"flag"
	"fmt"
	"io"
	"os"
)

// Output is a program's standard output as its commands write to it: the
// stream, and how text on it is styled. Every flag set [NewFlags] makes
// with an Output as its stdout registers --color and --no-color on it; a
// command that has a quiet mode registers --quiet with [QuietFlag]. The
// renderers ask [ColorOf] and [QuietOf]; any other writer is plain and
// never quiet.
type Output struct {
	W io.Writer
	// Getenv reads $NO_COLOR and $TERM (nil reads nothing).
	Getenv func(string) string
	color  string // "auto" (also ""), "always" or "never"
	quiet  bool
	// flags, while set, receives the flag set of a command run with -h
	// instead of its help being printed ([Program.Completion]).
	flags func(*flag.FlagSet)
}

// Write writes p to the stream.
func (o *Output) Write(p []byte) (int, error) { return o.W.Write(p) }

// ColorModes are the values of --color.
var ColorModes = []string{"auto", "always", "never"}

// Color reports whether text on o is coloured. --color always and never
// decide (--no-color is --color never; the later flag wins). Under auto,
// the default, text is coloured only when the stream is a terminal,
// $NO_COLOR is empty (https://no-color.org: any non-empty value turns
// colour off) and $TERM is not "dumb". An explicit --color always
// therefore beats $NO_COLOR, as it does in git, ripgrep and cargo.
func (o *Output) Color() bool {
	switch o.color {
	case "always":
		return true
	case "never":
		return false
	}
	if o.Getenv != nil && (o.Getenv("NO_COLOR") != "" || o.Getenv("TERM") == "dumb") {
		return false
	}
	return isTerminal(o.W)
}

// Quiet reports whether --quiet was given.
func (o *Output) Quiet() bool { return o.quiet }

// isTerminal reports whether w is a character device (a terminal; also
// /dev/null, where colour is harmless). Pipes, files and buffers are not.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// ColorOf reports whether text written to w is coloured: w is an
// [Output] whose Color is true.
func ColorOf(w io.Writer) bool {
	o, ok := w.(*Output)
	return ok && o.Color()
}

// QuietOf reports whether w is an [Output] under --quiet.
func QuietOf(w io.Writer) bool {
	o, ok := w.(*Output)
	return ok && o.Quiet()
}

// colorFlag is --color MODE.
type colorFlag struct{ o *Output }

func (f colorFlag) String() string {
	if f.o == nil || f.o.color == "" {
		return "auto"
	}
	return f.o.color
}

func (f colorFlag) Set(v string) error {
	for _, m := range ColorModes {
		if v == m {
			f.o.color = v
			return nil
		}
	}
	return fmt.Errorf("want %s", OrList(ColorModes))
}

// noColorFlag is --no-color, --color never as a switch.
type noColorFlag struct{ o *Output }

func (f noColorFlag) String() string   { return "false" }
func (f noColorFlag) IsBoolFlag() bool { return true }

func (f noColorFlag) Set(v string) error {
	switch v {
	case "true":
		f.o.color = "never"
	case "false":
		if f.o.color == "never" {
			f.o.color = "auto"
		}
	default:
		return fmt.Errorf("parse error")
	}
	return nil
}

// registerColor adds --color and --no-color, bound to o, to fs.
func registerColor(fs *flag.FlagSet, o *Output) {
	fs.Var(colorFlag{o}, "color", "colour the text output: auto (only on a terminal, and not when $NO_COLOR is set), always (even when $NO_COLOR is set) or never; machine formats are never coloured")
	fs.Var(noColorFlag{o}, "no-color", "never colour the text output (--color never)")
}

// QuietFlag adds --quiet (and its short form -q) to fs, a flag set made
// by [NewFlags]; usage says what the command still prints.
func QuietFlag(fs *flag.FlagSet, usage string) {
	o := &Output{}
	if s, ok := fs.Output().(*sink); ok {
		o = s.out
	}
	fs.BoolVar(&o.quiet, "quiet", false, usage+" (short: -q)")
	fs.BoolVar(&o.quiet, "q", false, "")
}

// hidden reports whether f is left out of the help: a one-letter alias
// documented by its long form.
func hidden(f *flag.Flag) bool { return len(f.Name) == 1 && f.Usage == "" }

// NotesTo is where a command's notes go: stderr, or nowhere when stdout
// is an [Output] under --quiet (errors are printed either way).
func NotesTo(stdout, stderr io.Writer) io.Writer {
	if QuietOf(stdout) {
		return io.Discard
	}
	return stderr
}
