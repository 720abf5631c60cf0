package cli

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/capcheck/capcheck/internal/diag"
)

// Program is a program of named commands, `PROG COMMAND [flags] [ARGS]`:
// the command table, the program's usage and the dispatch to a command.
type Program struct {
	Name     string
	Commands []Command // each with Summary and Run
	// Intro and Outro are the usage text before and after the list of
	// commands.
	Intro, Outro string
	// Hint, when set, is advice for an unknown command name ("" for
	// none); without advice the closest command name is suggested.
	Hint func(name string) string
	// UsageCode is the exit code of a usage error.
	UsageCode int
	// Out, when set, is the stdout the commands write to: [Program.Completion]
	// reads each command's flags through it.
	Out *Output
}

// Lookup returns the command called name.
func (p Program) Lookup(name string) (Command, bool) {
	for _, c := range p.Commands {
		if c.Name == name {
			return c, true
		}
	}
	return Command{}, false
}

// Run runs the command args[0] names with the rest of args: `-h` (or
// `-help`, `--help`) prints the usage to stdout, no arguments print it to
// stderr as a usage error, `help [COMMAND]` prints the usage or the
// command's help, and `-version`/`--version` run the command "version".
func (p Program) Run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		p.Usage(stderr)
		return p.UsageCode
	}
	name := args[0]
	switch name {
	case "-h", "-help", "--help":
		p.Usage(stdout)
		return 0
	case "help":
		return p.help(args[1:], stdout, stderr)
	case "-version", "--version":
		name = "version"
	}
	if c, ok := p.Lookup(name); ok {
		return c.Run(args[1:])
	}
	p.unknown(stderr, name)
	return p.UsageCode
}

// help is `PROG help [COMMAND]`.
func (p Program) help(args []string, stdout, stderr io.Writer) int {
	switch len(args) {
	case 0:
		p.Usage(stdout)
		return 0
	case 1:
		if c, ok := p.Lookup(args[0]); ok {
			return c.Run([]string{"-h"})
		}
		p.unknown(stderr, args[0])
		return p.UsageCode
	}
	fmt.Fprintf(stderr, "%s help: want at most one command, got %q\nRun '%s help' for the commands.\n", p.Name, strings.Join(args, " "), p.Name)
	return p.UsageCode
}

func (p Program) unknown(w io.Writer, name string) {
	msg := fmt.Sprintf("%s: unknown command %q", p.Name, name)
	names := make([]string, 0, len(p.Commands))
	for _, c := range p.Commands {
		names = append(names, c.Name)
	}
	hint := ""
	if p.Hint != nil {
		hint = p.Hint(name)
	}
	if hint != "" {
		msg += "; " + hint
	} else if s := Closest(name, names); s != "" {
		msg += fmt.Sprintf("; did you mean %q?", s)
	}
	fmt.Fprintln(w, msg)
	fmt.Fprintf(w, "Run '%s help' for the commands.\n", p.Name)
}

// Usage prints Intro, the commands (each `NAME ARGS` and its summary),
// then Outro.
func (p Program) Usage(w io.Writer) {
	fmt.Fprint(w, p.Intro)
	fmt.Fprintln(w, "Commands:")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, c := range p.Commands {
		fmt.Fprintf(tw, "  %s\t%s\n", strings.TrimSpace(c.Name+" "+c.Args), c.Summary)
	}
	tw.Flush()
	fmt.Fprint(w, p.Outro)
}

// Subcommands runs the sub-command of c that args[0] names (the key of
// run) with the rest of args; `-h` runs the help of the sub-command
// named help. Anything else is a usage error of c: want lists the
// sub-commands as the message should name them ("import", "a or b") and
// synopsis is c's usage line.
func Subcommands(w io.Writer, c Command, args []string, run map[string]func([]string) int, help, want, synopsis string, usageCode int) int {
	if len(args) > 0 {
		if f, ok := run[args[0]]; ok {
			return f(args[1:])
		}
		if args[0] == "-h" || args[0] == "-help" || args[0] == "--help" {
			return run[help]([]string{"-h"})
		}
	}
	msg := fmt.Sprintf("want the subcommand %s: %s", want, synopsis)
	if len(args) > 0 {
		msg = fmt.Sprintf("unknown subcommand %q; want %s: %s", args[0], want, synopsis)
	}
	UsageError(w, c, msg)
	return usageCode
}

// OneOf reports a usage error of c, and false, when the value of the
// flag is not one of known.
func OneOf(w io.Writer, c Command, flag, value string, known []string) bool {
	if slices.Contains(known, value) {
		return true
	}
	UsageError(w, c, fmt.Sprintf("unknown --%s %q (want %s)", flag, value, OrList(known)))
	return false
}

// NoArgs reports a usage error of c, and false, when c, which takes no
// arguments, got some.
func NoArgs(w io.Writer, c Command, pos []string) bool {
	if len(pos) == 0 {
		return true
	}
	UsageError(w, c, fmt.Sprintf("takes no arguments, got %q", strings.Join(pos, " ")))
	return false
}

// OptionalDir returns the single optional directory argument of c
// (default "."), after checking that it is a directory; what says what
// the argument is, after a missing or wrong one ("PATH is the root of
// …"). It prints the error and returns false otherwise.
func OptionalDir(w io.Writer, c Command, pos []string, what string) (string, bool) {
	if len(pos) > 1 {
		UsageError(w, c, fmt.Sprintf("want at most one PATH (the repository root), got %d arguments: %s", len(pos), strings.Join(pos, " ")))
		return "", false
	}
	dir := "."
	if len(pos) == 1 {
		dir = pos[0]
	}
	st, err := os.Stat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		fmt.Fprintf(w, "%s %s: %s: no such directory; %s\n", c.Prog, c.Name, dir, what)
		return "", false
	case err != nil:
		fmt.Fprintf(w, "%s %s: %v\n", c.Prog, c.Name, err)
		return "", false
	case !st.IsDir():
		fmt.Fprintf(w, "%s %s: %s is a file, not a directory; %s\n", c.Prog, c.Name, dir, what)
		return "", false
	}
	return dir, true
}

// Date is a date flag's value: flagValue when set, else the
// environment variable env (read through getenv), else now's UTC. A bad
// value is an error naming where it came from (--FLAG or $ENV).
func Date(flag, flagValue, env string, getenv func(string) string, now time.Time) (time.Time, error) {
	s, from := flagValue, "--"+flag
	if s == "" {
		s, from = getenv(env), "$"+env
	}
	if s == "" {
		return now.UTC(), nil
	}
	t, err := ParseDate(s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%s %q: %w", from, s, err)
	}
	return t, nil
}

// PrintError prints err to w: one diagnostic per line when it is
// positioned (diag.Diagnostics), one line per joined error otherwise,
// each "PROG: message". Errors carry user text (file names, keys), so
// every line goes through diag.Text: none can start a line of its own
// or a workflow command.
func PrintError(w io.Writer, prog string, err error) {
	var ds diag.Diagnostics
	if errors.As(err, &ds) {
		for _, d := range ds {
			fmt.Fprintln(w, d.String())
		}
		return
	}
	if j, ok := err.(interface{ Unwrap() []error }); ok && len(j.Unwrap()) > 0 {
		for _, err := range j.Unwrap() {
			PrintError(w, prog, err)
		}
		return
	}
	fmt.Fprintf(w, "%s: %s\n", prog, diag.Text(err.Error()))
}

// ParseArgs parses args as [Parse] does and says how the command goes
// on: ok with the positional arguments, or the exit code to end with, 0
// after printing the help (-h) and usageCode after a usage error.
func ParseArgs(fs *flag.FlagSet, args []string, usageCode int) (pos []string, code int, ok bool) {
	pos, err := Parse(fs, args)
	switch {
	case errors.Is(err, flag.ErrHelp):
		return nil, 0, false
	case err != nil:
		return nil, usageCode, false
	}
	return pos, 0, true
}

// ParseDir is [ParseArgs] for a command that takes one optional
// directory ([OptionalDir]; c names the command in its errors, what says
// what the directory is). checks run on the flags before the directory
// is looked at, each printing its own usage error, so theirs is the one
// reported when the directory is wrong too. Errors go to the stderr of
// a flag set made by [NewFlags].
func ParseDir(fs *flag.FlagSet, args []string, c Command, what string, usageCode int, checks ...func() bool) (dir string, code int, ok bool) {
	pos, code, ok := ParseArgs(fs, args, usageCode)
	if !ok {
		return "", code, false
	}
	for _, check := range checks {
		if !check() {
			return "", usageCode, false
		}
	}
	var w io.Writer = io.Discard
	if s, ok := fs.Output().(*sink); ok {
		w = s.stderr
	}
	if dir, ok = OptionalDir(w, c, pos, what); !ok {
		return "", usageCode, false
	}
	return dir, 0, true
}

// ParseNone is [ParseArgs] for a command that takes no arguments: any is
// a usage error of c ([NoArgs]), printed to the stderr of a flag set
// made by [NewFlags].
func ParseNone(fs *flag.FlagSet, args []string, c Command, usageCode int) (code int, ok bool) {
	pos, code, ok := ParseArgs(fs, args, usageCode)
	if !ok {
		return code, false
	}
	var w io.Writer = io.Discard
	if s, ok := fs.Output().(*sink); ok {
		w = s.stderr
	}
	if !NoArgs(w, c, pos) {
		return usageCode, false
	}
	return 0, true
}
