package main

import (
	"cmp"
	"flag"
	"fmt"
	"time"

	"github.com/capcheck/capcheck/policies"
	"github.com/capcheck/capcheck/report"
	"github.com/capcheck/capcheck/workspace"
)

// checkFlags are `capcheck check`'s flags.
type checkFlags struct {
	load loadFlags
	reportFlags
	override   overrideFlags
	base       string
	compareTo  string
	repo       string
	sha        string
	serverURL  string
	pathPrefix string
}

func runCheck(e *env, args []string) int {
	started := e.now()
	fs := newFlags(e, "check", "[flags] [path]")
	var cf checkFlags
	cf.load.register(fs)
	cf.reportFlags.register(fs,
		"rule id whose soft-mandatory denies are overridden (verified by the caller, e.g. a PR label checked through the API; repeatable)",
		"evaluation date YYYY-MM-DD (default: $CAPCHECK_NOW, else today)")
	cf.override.register(fs)
	suggest := fs.Bool("suggest", false, "add each failing pool's cheapest fix (as `capcheck suggest` finds it) to the text, JSON and Markdown output; the verdict and exit code are unchanged")
	fs.StringVar(&cf.base, "base", "", "checkout of the base branch: report base → head and judge with the base's configuration, catalog, policies, thresholds and exceptions (the PR's changes to them are reported by CAP014)")
	fs.StringVar(&cf.compareTo, "compare-to", "", "saved `capcheck check --format json` result to use as the base (it carries plan thresholds and exceptions, not configuration: capcheck.yaml, the catalog and policy files are then the head's own)")
	fs.StringVar(&cf.repo, "repo", "", "owner/name for links in Markdown (default: $GITHUB_REPOSITORY)")
	fs.StringVar(&cf.sha, "sha", "", "head commit for links in Markdown (default: $GITHUB_SHA)")
	fs.StringVar(&cf.serverURL, "server-url", "", "GitHub server URL (default: $GITHUB_SERVER_URL, else https://github.com)")
	fs.StringVar(&cf.pathPrefix, "path-prefix", "", "where PATH sits in the repository, for links, annotations and SARIF (default: PATH relative to the enclosing git repository)")
	root, code, ok := parsePath(e, fs, args, "check")
	if !ok {
		return code
	}
	if cf.base != "" && cf.compareTo != "" {
		fmt.Fprintln(e.stderr, "capcheck check: --base and --compare-to cannot be used together")
		return exitError
	}
	outputs, ok := cf.outputs(e, "check")
	if !ok {
		return exitError
	}
	now, err := clock(e, cf.now)
	if err != nil {
		return fail(e, err)
	}

	chk, rules, err := check(e, root, now, &cf)
	if err == nil && *suggest {
		attachSuggestions(e, root, now, &cf, chk)
	}
	if err != nil {
		return fail(e, err)
	}

	chk.PathPrefix = cmp.Or(cf.pathPrefix, workspace.RepoPrefix(root))
	if err := workspace.Emit(e.stdout, outputs, chk, reportOptions(e, started, rules, cf.repo, cf.sha, cf.serverURL)); err != nil {
		return fail(e, err)
	}
	return cf.exit(chk.Verdict)
}

// check wires the flags to workspace.Check.
func check(e *env, root string, now time.Time, cf *checkFlags) (*report.Check, []policies.Rule, error) {
	opts := workspace.CheckOptions{
		Load:      cf.load.options(),
		Now:       now,
		Policy:    cf.policy(),
		Base:      cf.base,
		CompareTo: cf.compareTo,
		Log:       e.stderr,
	}
	if cf.override.github {
		opts.Override = &workspace.GitHubOverride{TokenEnv: cf.override.tokenEnv, Repo: cf.repo, Getenv: e.getenv}
	}
	return workspace.Check(e.ctx, root, opts)
}

// overrideFlags are `capcheck check`'s flags for the soft-mandatory
// override verified through the GitHub API (docs/ARCHITECTURE.md, "Policies").
type overrideFlags struct {
	github   bool
	tokenEnv string
}

func (of *overrideFlags) register(fs *flag.FlagSet) {
	fs.BoolVar(&of.github, "github-override", false, "in a pull request run, clear soft-mandatory denies when the trusted capcheck.yaml's override label is on the PR, applied last by an active member of one of its override teams (read through the GitHub API; nothing when the config has no override)")
	fs.StringVar(&of.tokenEnv, "token-env", "GITHUB_TOKEN", "environment variable holding the token for --github-override (needs issues read and organization members read)")
}

// exitCode maps a verdict to the process exit code (docs/ARCHITECTURE.md, "Outputs and exit codes").
func exitCode(verdict string, failOnWarn, noFail bool) int {
	code := exitPass
	switch verdict {
	case policies.VerdictFail:
		code = exitPolicy
	case policies.VerdictWarn:
		if failOnWarn {
			code = exitPolicy
		}
	}
	if noFail && code == exitPolicy {
		return exitPass
	}
	return code
}
