package main

import (
	"flag"
	"fmt"
	"time"

	"github.com/capcheck/capcheck/internal/buildinfo"
	"github.com/capcheck/capcheck/internal/cli"
	"github.com/capcheck/capcheck/internal/diag"
	"github.com/capcheck/capcheck/policies"
	"github.com/capcheck/capcheck/report"
	"github.com/capcheck/capcheck/workspace"
)

// reportFlags are the flags `check` and `audit` share: outputs, policies,
// overrides, exit behaviour and the clock.
type reportFlags struct {
	formats    stringList
	outFiles   stringList
	pol        workspace.Policy
	failOnWarn bool
	noFail     bool
	now        string
}

// register adds the shared flags; overrideHelp and nowHelp say what
// --override and --now mean for the command.
func (rf *reportFlags) register(fs *flag.FlagSet, overrideHelp, nowHelp string) {
	fs.Var(&rf.formats, "format", "output format: "+workspace.FormatList()+" (repeatable, paired in order with --out-file)")
	fs.Var(&rf.outFiles, "out-file", "write the matching --format to this file instead of stdout (repeatable)")
	fs.Var((*stringList)(&rf.pol.Dirs), "policy", "directory of extra Rego policies (repeatable)")
	fs.Var((*stringList)(&rf.pol.Overrides), "override", overrideHelp)
	fs.BoolVar(&rf.failOnWarn, "fail-on-warn", false, "exit 1 on warnings too")
	fs.BoolVar(&rf.noFail, "no-fail", false, "exit 0 on policy failures (errors still exit 2)")
	fs.StringVar(&rf.now, "now", "", nowHelp)
	fs.DurationVar(&rf.pol.Timeout, "policy-timeout", 10*time.Second, "time limit for policy evaluation")
	cli.QuietFlag(fs, "print only the blocking findings (the deny lines that fail the check) and errors: no tables, verdict or notes; the exit code is unchanged, and --out-file files and other formats are written in full")
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

// emit writes chk in every output and returns the exit code for its
// verdict under the flags (docs/ARCHITECTURE.md, "Outputs and exit codes").
func (rf *reportFlags) emit(e *env, outputs []workspace.Output, chk *report.Check, opts report.Options) int {
	if err := workspace.Emit(e.stdout, outputs, chk, opts); err != nil {
		return fail(e, err)
	}
	switch {
	case chk.Verdict == policies.VerdictFail && !rf.noFail,
		chk.Verdict == policies.VerdictWarn && rf.failOnWarn && !rf.noFail:
		return exitPolicy
	}
	return exitPass
}

// policy is how the flags judge a result.
func (rf *reportFlags) policy() workspace.Policy { return rf.pol }

// reportOptions are the rendering options of a run that began at
// started (workspace.RenderOptions: flags first, then the GitHub Actions
// environment).
func reportOptions(e *env, started time.Time, rules []policies.Rule, repo, sha, serverURL string) report.Options {
	return workspace.RenderOptions(e.getenv, started, e.now(), rules, workspace.Origin{Repo: repo, SHA: sha, ServerURL: serverURL}, buildinfo.Version(version))
}
