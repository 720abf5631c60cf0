package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/capcheck/capcheck/internal/diag"
)

// Exit codes (DESIGN.md section 7).
const (
	exitPass   = 0 // pass, warnings allowed
	exitPolicy = 1 // a policy failed (or warnings with --fail-on-warn)
	exitError  = 2 // could not evaluate: bad input, usage, I/O, API
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

// env is what a command sees of the process: streams, environment and
// clock, all injected so tests run commands in-process.
type env struct {
	ctx    context.Context
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
	getenv func(string) string
	now    func() time.Time
}

type command struct {
	name    string
	summary string
	run     func(e *env, args []string) int
}

func commands() []command {
	return []command{
		{"check", "evaluate plans and Terraform, apply policies, report", runCheck},
		{"inventory", "list the GPU reservations discovered in Terraform", runInventory},
		{"forecast", "fit a demand series and project it with intervals", runForecast},
		{"audit", "compare the plan with observed actuals (CSV or Prometheus)", runAudit},
		{"comment", "post or update the sticky PR comment (or audit issue) from a JSON result", runComment},
		{"verify", "run the Rego unit tests of built-in and user policies", runVerify},
		{"doc", "print the rule catalogue (Markdown)", runDoc},
		{"init", "scaffold a capacity plan for the reservations no plan claims", runInit},
		{"version", "print the version", runVersion},
	}
}

// run is the whole program; main only wires the process to it.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	e := &env{ctx: ctx, stdin: stdin, stdout: stdout, stderr: stderr, getenv: os.Getenv, now: time.Now}
	if len(args) == 0 {
		usage(stderr)
		return exitError
	}
	name := args[0]
	switch name {
	case "-h", "-help", "--help", "help":
		usage(stdout)
		return exitPass
	case "-version", "--version":
		name = "version"
	}
	for _, c := range commands() {
		if c.name == name {
			return c.run(e, args[1:])
		}
	}
	fmt.Fprintf(stderr, "capcheck: unknown command %q\n\n", name)
	usage(stderr)
	return exitError
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "capcheck keeps GPU capacity honest in GitOps repositories.")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Usage: capcheck <command> [flags] [path]")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Commands:")
	cs := commands()
	sort.Slice(cs, func(i, j int) bool { return cs[i].name < cs[j].name })
	for _, c := range cs {
		fmt.Fprintf(w, "  %-10s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Exit codes: 0 pass, 1 policy failure, 2 could not evaluate.")
	fmt.Fprintln(w, "Run 'capcheck <command> -h' for a command's flags.")
}

// newFlags returns a flag set that prints its usage to stderr and never
// exits the process.
func newFlags(e *env, name, synopsis string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	fs.Usage = func() {
		fmt.Fprintf(e.stderr, "Usage: capcheck %s %s\n\nFlags:\n", name, synopsis)
		fs.PrintDefaults()
	}
	return fs
}

// parseFlags parses args, allowing flags after positional arguments
// (`capcheck check testdata/example --format json`). It returns the
// positional arguments, or an exit code when parsing stopped.
func parseFlags(fs *flag.FlagSet, args []string) ([]string, int, bool) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, exitPass, false
			}
			return nil, exitError, false
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return pos, 0, true
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}

// onePath returns the single optional path argument (default ".").
func onePath(e *env, name string, pos []string) (string, bool) {
	switch len(pos) {
	case 0:
		return ".", true
	case 1:
		return pos[0], true
	}
	fmt.Fprintf(e.stderr, "capcheck %s: expected at most one path, got %q\n", name, strings.Join(pos, " "))
	return "", false
}

// fail prints err (one diagnostic per line when it is positioned) and
// returns the could-not-evaluate exit code.
func fail(e *env, err error) int {
	var ds diag.Diagnostics
	if errors.As(err, &ds) {
		for _, d := range ds {
			fmt.Fprintln(e.stderr, d.String())
		}
		return exitError
	}
	fmt.Fprintf(e.stderr, "capcheck: %v\n", err)
	return exitError
}

// stringList is a repeatable string flag.
type stringList []string

func (s *stringList) String() string     { return strings.Join(*s, ",") }
func (s *stringList) Set(v string) error { *s = append(*s, v); return nil }

// keyValues is a repeatable NAME=VALUE flag.
type keyValues map[string]string

func (kv keyValues) String() string {
	keys := make([]string, 0, len(kv))
	for k := range kv {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + "=" + kv[k]
	}
	return strings.Join(parts, ",")
}

func (kv keyValues) Set(v string) error {
	k, val, ok := strings.Cut(v, "=")
	if !ok || k == "" {
		return fmt.Errorf("want NAME=VALUE, got %q", v)
	}
	kv[k] = val
	return nil
}

func runVersion(e *env, args []string) int {
	fs := newFlags(e, "version", "")
	if _, code, ok := parseFlags(fs, args); !ok {
		return code
	}
	fmt.Fprintf(e.stdout, "capcheck %s\n", version)
	return exitPass
}

// clock returns the evaluation date: --now when given, else CAPCHECK_NOW,
// else today (UTC).
func clock(e *env, flagNow string) (time.Time, error) {
	s := flagNow
	if s == "" {
		s = e.getenv("CAPCHECK_NOW")
	}
	if s == "" {
		return e.now().UTC(), nil
	}
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		return time.Time{}, fmt.Errorf("--now %q: want YYYY-MM-DD", s)
	}
	return t, nil
}
