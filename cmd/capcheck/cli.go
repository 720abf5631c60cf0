package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/capcheck/capcheck/internal/buildinfo"
	"github.com/capcheck/capcheck/internal/cli"
)

// Exit codes (docs/ARCHITECTURE.md, "Outputs and exit codes").
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
	args    string // what follows `capcheck NAME [flags]`, e.g. "[PATH]"
	summary string // one line for `capcheck help`
	help    string // what `capcheck NAME -h` says before the flags
	run     func(e *env, args []string) int
}

// Paragraphs shared by the help of the commands that read a repository.
const (
	helpPath = helpRoot + "; file positions in the output are relative to it."
	helpExit = "Exit codes: 0 pass (warnings allowed), 1 policy failure (or warnings with --fail-on-warn; " +
		"--no-fail turns it into 0), 2 could not evaluate (bad input, usage, I/O, API)."
)

func commands() []command {
	return []command{
		{"check", "[PATH]", "evaluate plans and Terraform, apply policies, report", `Reads the capacity plans and the Terraform under PATH, projects demand over each plan's horizon, computes headroom, N+k redundancy, the capacity cliff, backed GPUs and cost for every GPU pool, and applies the built-in and your Rego policies.

` + helpPath + ` Plans are PATH/capacity/**/*.{cue,yaml,yml,json} unless PATH/capcheck.yaml lists plans: globs; Terraform is every root module below PATH. --config and --var-file are relative to PATH; --plan-json, --catalog, --policy, --base, --compare-to and --out-file to the working directory (capcheck.yaml's paths are relative to PATH and may not leave it). With --base, --plan-json is PATH's plan: the base tree is read from its own Terraform or capcheck.yaml plan_json.

` + helpExit + `

Examples:
  capcheck check testdata/example
  capcheck check --format json --out-file result.json --format text .
  capcheck check --base ../base-checkout --format markdown .`, runCheck},
		{"suggest", "[PATH]", "the cheapest reservations to add or extend so every pool passes", helpSuggest, runSuggest},
		{"inventory", "[PATH]", "list the GPU reservations discovered in Terraform", `Lists the GPU capacity the Terraform under PATH declares, with its file:line and the plan pool that claims it: reservations and capacity blocks (guaranteed), node groups and autoscaling groups (elastic: their scaling maximum, never guaranteed), and groups that run inside a reservation (consumers: they add no GPUs). A resource whose size cannot be evaluated statically is listed as unresolved, never counted as zero.

` + helpPath + ` --config and --var-file are relative to PATH; --plan-json and --catalog to the working directory.`, runInventory},
		{"forecast", "SERIES.csv", "fit a demand series and project it with intervals", `Fits a demand series, chooses a model (linear, log-linear, ETS with daily or weekly seasonality, seasonal naive) and prints its forecast with 80% and 95% prediction intervals, a rolling-origin backtest (MASE, sMAPE, interval coverage) and the fitted monthly growth.

SERIES.csv (- reads standard input) has a header row and rows timestamp,value or timestamp,series,value; timestamps are RFC 3339, YYYY-MM-DD, YYYY-MM-DD HH:MM:SS or Unix seconds; values are observed demand, never negative, and zero or between 1e-15 and 1e15 (as in a plan and for audit). Capacity follows peaks, so sub-daily samples are first reduced to daily or hourly peaks (--peaks).

Example:
  capcheck forecast --format json requests.csv`, runForecast},
		{"audit", "[PATH]", "compare the plan with observed actuals (CSV or Prometheus)", `Compares each plan under PATH with what production did over --window ending at --now: workload demand (actuals: csv files relative to PATH, or prometheus queries with --prometheus) against the plan's projection (CAP020), GPU utilisation against the plan's warn and critical lines (CAP021), reserved GPUs in use (CAP022). It re-runs the capacity model at the observed levels to show where each pool's cliff moves. Workloads and pools without a source are reported as not audited.

` + helpPath + `

` + helpExit + `

Example:
  capcheck audit --prometheus https://prometheus.internal --window 28d --format json --out-file audit.json .`, runAudit},
		{"comment", "github RESULT.json", "post or update the sticky PR comment (or audit issue) from a JSON result", "Posts the pull request comment for a saved `capcheck check --format json` result (RESULT.json, or - for standard input), updating the one it posted before (found by a hidden marker on its own comments), or with --issue keeps one open issue for scheduled audits. The token is read from the environment ($GITHUB_TOKEN, see --token-env), never from a flag. Without write access (pull requests from forks) the report goes to the job summary and annotations instead.\n\nExample:\n  capcheck comment github --pr 12 result.json", runComment},
		{"verify", "[DIR...]", "run the Rego unit tests of built-in and user policies", "Runs the Rego unit tests (*_test.rego) of the built-in policies and of each policy directory given (relative to the working directory).\n\nExit codes: 0 every test passed, 1 a test failed, 2 no tests found or a policy does not compile.", runVerify},
		{"doc", "", "print the rule catalogue (Markdown)", "Prints the rule catalogue as Markdown: every built-in rule, and those of the --policy directories, with its level, enforcement, severity and description.", runDoc},
		{"init", "[PATH]", "scaffold a capacity plan for the reservations no plan claims", "Writes a capacity plan (YAML) with one pool per GPU model and region for the guaranteed reservations under PATH that no plan claims. What Terraform cannot tell (owner, lead times, prices, workloads) is left as TODO lines, which the first `capcheck check` names. It prints to stdout unless --out names a file (relative to the working directory, never overwritten).\n\n" + helpPath + "\n\nExample:\n  capcheck init --owner team-ml-platform --out capacity/gpu.yaml .", runInit},
		{"benchmarks", "import RESULT...", "turn load-test results into plan benchmark entries at the SLO", helpBenchmarks, runBenchmarks},
		{"export", "prometheus-rules|prometheus-rules-tests|grafana-dashboard [PATH]", "write Prometheus alerting rules, their promtool tests or a Grafana dashboard from the plans", helpExport, runExport},
		{"report", "[PATH]", "write the monthly capacity review as one self-contained HTML page", helpReport, runReport},
		{"version", "", "print the version", "Prints the version of capcheck.", runVersion},
	}
}

func lookup(name string) (command, bool) {
	for _, c := range commands() {
		if c.name == name {
			return c, true
		}
	}
	return command{}, false
}

// run is the whole program; main only wires the process to it.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	out := &cli.Output{W: stdout, Getenv: os.Getenv} // --color, --no-color, --quiet
	e := &env{ctx: ctx, stdin: stdin, stdout: out, stderr: stderr, getenv: os.Getenv, now: time.Now}
	p := &cli.Program{Name: "capcheck", Intro: usageIntro, Outro: usageOutro, UsageCode: exitError, Out: out, Hint: func(name string) string {
		if st, err := os.Stat(name); err == nil && st.IsDir() {
			return fmt.Sprintf("to check the repository in %s run: capcheck check %s", name, name)
		}
		return ""
	}}
	for _, c := range commands() {
		p.Commands = append(p.Commands, c.cli(e))
	}
	p.Commands = append(p.Commands, p.Completion(out, stderr))
	return p.Run(args, stdout, stderr)
}

// The text of `capcheck help` around the list of commands.
const (
	usageIntro = `capcheck keeps GPU capacity honest in GitOps repositories: it checks capacity
plans against the Terraform that reserves the GPUs, with OPA policies.

Usage: capcheck <command> [flags] [arguments]

`
	usageOutro = `
PATH is the root of the repository to read (default: the current directory).
Flags may come before or after the arguments.

Examples:
  capcheck check testdata/example
  capcheck inventory --format json .

Exit codes: 0 pass, 1 policy failure, 2 could not evaluate (bad input, usage, I/O, API).
Run 'capcheck help <command>' (or 'capcheck <command> -h') for a command's flags.
`
)

// newFlags returns a flag set for the command name that never exits the
// process (cli.NewFlags). synopsis is used for a command that commands()
// does not list.
func newFlags(e *env, name, synopsis string) *flag.FlagSet {
	c, ok := lookup(name)
	if !ok {
		c = command{name: name, args: strings.TrimSpace(strings.TrimPrefix(synopsis, "[flags]"))}
	}
	return cli.NewFlags(c.cli(e), placeholders, e.stdout, e.stderr)
}

// cli is c as the cli package describes a command, run in e.
func (c command) cli(e *env) cli.Command {
	return cli.Command{Prog: "capcheck", Name: c.name, Args: c.args, Help: c.help, Summary: c.summary,
		Run: func(args []string) int { return c.run(e, args) }}
}

// placeholders name the value of each flag in help ("--format FORMAT").
var placeholders = map[string]string{
	"api-url": "URL", "base": "DIR", "behavior": "MODE", "bot-login": "LOGIN",
	"engine-version": "TEXT", "gpu": "NAME", "gpus-per-replica": "N", "measured": "YYYY-MM-DD",
	"model": "NAME", "plan": "FILE", "slo-itl-p95-ms": "MS", "slo-ttft-p95-ms": "MS",
	"catalog": "FILE", "compare-to": "FILE", "config": "FILE", "format": "FORMAT",
	"horizon": "STEPS", "label": "LABEL", "marker": "TEXT", "methods": "LIST",
	"name": "NAME", "namespace": "NAME", "now": "YYYY-MM-DD", "out": "FILE", "out-file": "FILE",
	"override": "RULE", "owner": "TEAM", "path-prefix": "DIR", "peaks": "MODE",
	"plan-json": "FILE", "policy": "DIR", "pool": "NAME", "policy-timeout": "DURATION", "pr": "N",
	"prometheus": "URL", "prometheus-timeout": "DURATION", "repo": "OWNER/NAME", "rules-file": "FILE",
	"select": "METHOD", "series": "NAME", "server-url": "URL", "sha": "SHA",
	"step": "DURATION", "title": "TEXT", "token-env": "NAME", "var": "NAME=VALUE",
	"var-file": "FILE", "window": "DURATION",
}

// parseFlags parses args (cli.ParseArgs: flags may follow the
// arguments). It returns the positional arguments, or the exit code when
// parsing stopped: 0 after printing the help for -h, 2 after printing a
// usage error.
func parseFlags(fs *flag.FlagSet, args []string) ([]string, int, bool) {
	return cli.ParseArgs(fs, args, exitError)
}

// usageError prints a usage error for the command and how to get help,
// and returns the exit code of a usage error.
func usageError(e *env, name, msg string) int {
	cli.UsageError(e.stderr, named(name), msg)
	return exitError
}

// named is the command name as the cli package's errors name it.
func named(name string) cli.Command { return cli.Command{Prog: "capcheck", Name: name} }

// knownFormat reports a usage error when format is not one of known.
func knownFormat(e *env, name, format string, known []string) bool {
	return cli.OneOf(e.stderr, named(name), "format", format, known)
}

// helpRoot is what PATH is, after a wrong one.
const helpRoot = "PATH is the root of the repository to read (default: the current directory)"

// parsePath parses the flags of a command that takes [PATH] and returns
// the repository root (cli.ParseDir: checks run on the flags before PATH
// is looked at). When ok is false the command ends with code: help was
// printed, or a usage error was.
func parsePath(fs *flag.FlagSet, args []string, name string, checks ...func() bool) (root string, code int, ok bool) {
	return cli.ParseDir(fs, args, named(name), helpRoot, exitError, checks...)
}

// fail prints err (cli.PrintError: one diagnostic or error per line, each
// escaped) and returns the could-not-evaluate exit code.
func fail(e *env, err error) int {
	cli.PrintError(e.stderr, "capcheck", err)
	return exitError
}

type stringList = cli.StringList

func runVersion(e *env, args []string) int {
	if code, ok := cli.ParseNone(newFlags(e, "version", ""), args, named("version"), exitError); !ok {
		return code
	}
	fmt.Fprintf(e.stdout, "capcheck %s\n", buildinfo.Long(version))
	return exitPass
}

// parseDated is parsePath for a command evaluated on a date: it also
// resolves *flagNow (clock), printing a bad date as an error.
func parseDated(e *env, fs *flag.FlagSet, args []string, name string, flagNow *string, checks ...func() bool) (root string, now time.Time, code int, ok bool) {
	if root, code, ok = parsePath(fs, args, name, checks...); !ok {
		return "", now, code, false
	}
	now, err := clock(e, *flagNow)
	if err != nil {
		return "", now, fail(e, err), false
	}
	return root, now, exitPass, true
}

// clock returns the evaluation date: --now when given, else CAPCHECK_NOW,
// else today (UTC).
func clock(e *env, flagNow string) (time.Time, error) {
	return cli.Date("now", flagNow, "CAPCHECK_NOW", e.getenv, e.now())
}
