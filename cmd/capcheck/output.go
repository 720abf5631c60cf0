package main

import (
	"bytes"
	"flag"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/capcheck/capcheck/evaluator"
	"github.com/capcheck/capcheck/internal/diag"
	"github.com/capcheck/capcheck/policies"
	"github.com/capcheck/capcheck/report"
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
	fs.Var(&rf.formats, "format", "output format: "+formatList()+" (repeatable, paired in order with --out-file)")
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
func (rf *reportFlags) outputs(e *env, name string) ([]output, bool) {
	outs, err := pairOutputs(rf.formats, rf.outFiles)
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

func formatList() string {
	fs := report.Formats()
	return strings.Join(fs[:len(fs)-1], ", ") + " or " + fs[len(fs)-1]
}

// policyEngine compiles the built-in policies, the trusted workspace's
// configured policy directories (relative to trustedDir) and extra
// --policy directories (relative to the working directory), with the
// trusted side's enforcement configuration: once per run.
func policyEngine(e *env, trusted *workspace, trustedDir string, extra []string, timeout time.Duration) (*policies.Engine, error) {
	dirs := append([]string{}, trusted.config.Policies...)
	for _, d := range extra {
		abs, err := filepath.Abs(d)
		if err != nil {
			return nil, fmt.Errorf("--policy %s: %w", d, err)
		}
		dirs = append(dirs, abs)
	}
	return policies.New(e.ctx, policies.Options{
		Root:        trustedDir,
		Dirs:        dirs,
		Enforcement: trusted.config.Enforcement,
		Timeout:     timeout,
	})
}

// judgeWith evaluates doc with a compiled engine. A figure the model
// computed as NaN or ±Inf is an error at what it came from, before the
// policies (whose input is JSON) or any output could see it.
func judgeWith(e *env, engine *policies.Engine, doc *evaluator.Document, overrides []string) (*report.Check, error) {
	if err := doc.CheckFinite(); err != nil {
		return nil, err
	}
	res, err := engine.Eval(e.ctx, doc, overrides)
	if err != nil {
		return nil, err
	}
	return report.NewCheck(doc, res), nil
}

// judge compiles the policies (see policyEngine) and evaluates doc.
func judge(e *env, trusted *workspace, trustedDir string, extra []string, timeout time.Duration, doc *evaluator.Document, overrides []string) (*report.Check, []policies.Rule, error) {
	engine, err := policyEngine(e, trusted, trustedDir, extra, timeout)
	if err != nil {
		return nil, nil, err
	}
	chk, err := judgeWith(e, engine, doc, overrides)
	if err != nil {
		return nil, nil, err
	}
	return chk, engine.Rules(), nil
}

// reportOptions are the rendering options: flags first, then the GitHub
// Actions environment.
func reportOptions(e *env, rules []policies.Rule, repo, sha, serverURL string) report.Options {
	return report.Options{
		Rules:     rules,
		Repo:      firstNonEmpty(repo, e.getenv("GITHUB_REPOSITORY")),
		SHA:       firstNonEmpty(sha, e.getenv("GITHUB_SHA")),
		ServerURL: firstNonEmpty(serverURL, e.getenv("GITHUB_SERVER_URL"), report.DefaultServerURL),
	}
}

// emit renders chk in every output before writing any of them, so a
// rendering error never leaves a partial report behind.
func emit(e *env, outputs []output, chk *report.Check, opts report.Options) error {
	rendered := make([][]byte, len(outputs))
	for i, o := range outputs {
		var buf bytes.Buffer
		if err := report.Write(&buf, o.format, chk, opts); err != nil {
			return err
		}
		rendered[i] = buf.Bytes()
	}
	for i, o := range outputs {
		if err := writeOutput(e.stdout, o.file, rendered[i]); err != nil {
			return err
		}
	}
	return nil
}
