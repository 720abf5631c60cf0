package main

import (
	"cmp"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/capcheck/capcheck/internal/diag"
	"github.com/capcheck/capcheck/policies"
	"github.com/capcheck/capcheck/report"
	"github.com/capcheck/capcheck/workspace"
)

// reportFlags are the flags `check` and `audit` share: outputs, policies,
// overrides, exit behaviour and the clock.
type reportFlags struct {
	formats       stringList
	outFiles      stringList
	policyDirs    stringList
	overrides     stringList
	failOnWarn    bool
	noFail        bool
	now           string
	policyTimeout time.Duration
}

// register adds the shared flags; overrideHelp and nowHelp say what
// --override and --now mean for the command.
func (rf *reportFlags) register(fs *flag.FlagSet, overrideHelp, nowHelp string) {
	fs.Var(&rf.formats, "format", "output format: "+workspace.FormatList()+" (repeatable, paired in order with --out-file)")
	fs.Var(&rf.outFiles, "out-file", "write the matching --format to this file instead of stdout (repeatable)")
	fs.Var(&rf.policyDirs, "policy", "directory of extra Rego policies (repeatable)")
	fs.Var(&rf.overrides, "override", overrideHelp)
	fs.BoolVar(&rf.failOnWarn, "fail-on-warn", false, "exit 1 on warnings too")
	fs.BoolVar(&rf.noFail, "no-fail", false, "exit 0 on policy failures (errors still exit 2)")
	fs.StringVar(&rf.now, "now", "", nowHelp)
	fs.DurationVar(&rf.policyTimeout, "policy-timeout", 10*time.Second, "time limit for policy evaluation")
}

// outputs pairs the formats with their files, printing a usage error for
// the command name when they do not pair.
func (rf *reportFlags) outputs(e *env, name string) ([]workspace.Output, bool) {
	outs, err := workspace.PairOutputs(rf.formats, rf.outFiles)
	if err != nil {
		fmt.Fprintf(e.stderr, "capcheck %s: %s\n", name, diag.Text(err.Error()))
		return nil, false
	}
	return outs, true
}

// exit is the exit code for a verdict under the flags.
func (rf *reportFlags) exit(verdict string) int {
	return exitCode(verdict, rf.failOnWarn, rf.noFail)
}

// policy is how the flags judge a result.
func (rf *reportFlags) policy() workspace.Policy {
	return workspace.Policy{Dirs: rf.policyDirs, Timeout: rf.policyTimeout, Overrides: rf.overrides}
}

// reportOptions are the rendering options: flags first, then the GitHub
// Actions environment; the build's version, and the run's start (read
// from the injected clock when the command began), duration and host.
func reportOptions(e *env, started time.Time, rules []policies.Rule, repo, sha, serverURL string) report.Options {
	host, _ := os.Hostname() // "" renders as localhost
	return report.Options{
		Rules:     rules,
		Repo:      cmp.Or(repo, e.getenv("GITHUB_REPOSITORY")),
		SHA:       cmp.Or(sha, e.getenv("GITHUB_SHA")),
		ServerURL: cmp.Or(serverURL, e.getenv("GITHUB_SERVER_URL"), report.DefaultServerURL),
		Version:   buildVersion(),
		Started:   started,
		Elapsed:   e.now().Sub(started),
		Hostname:  host,
	}
}
