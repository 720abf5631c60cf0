package main

import (
	"cmp"
	"fmt"

	"github.com/capcheck/capcheck/internal/cli"
	"github.com/capcheck/capcheck/workspace"
)

// checkFlags are `capcheck check`'s flags.
type checkFlags struct {
	load loadFlags
	reportFlags
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
	gh := workspace.GitHubOverride{Getenv: e.getenv} // the override verified through the GitHub API (docs/ARCHITECTURE.md, "Policies")
	github := fs.Bool("github-override", false, "in a pull request run, clear soft-mandatory denies when the trusted capcheck.yaml's override label is on the PR, applied last by an active member of one of its override teams (read through the GitHub API; nothing when the config has no override)")
	fs.StringVar(&gh.TokenEnv, "token-env", "GITHUB_TOKEN", "environment variable holding the token for --github-override (needs issues read and organization members read)")
	suggest := fs.Bool("suggest", false, "add each failing pool's cheapest fix (as `capcheck suggest` finds it) to the text, JSON and Markdown output; the verdict and exit code are unchanged")
	fs.StringVar(&cf.base, "base", "", "checkout of the base branch: report base → head and judge with the base's configuration, catalog, policies, thresholds and exceptions (the PR's changes to them are reported by CAP014)")
	fs.StringVar(&cf.compareTo, "compare-to", "", "saved `capcheck check --format json` result to use as the base (it carries plan thresholds and exceptions, not configuration: capcheck.yaml, the catalog and policy files are then the head's own)")
	fs.StringVar(&cf.repo, "repo", "", "owner/name for links in Markdown (default: $GITHUB_REPOSITORY)")
	fs.StringVar(&cf.sha, "sha", "", "head commit for links in Markdown (default: $GITHUB_SHA)")
	fs.StringVar(&cf.serverURL, "server-url", "", "GitHub server URL (default: $GITHUB_SERVER_URL, else https://github.com)")
	fs.StringVar(&cf.pathPrefix, "path-prefix", "", "where PATH sits in the repository, for links, annotations and SARIF (default: PATH relative to the enclosing git repository)")
	root, now, code, ok := parseDated(e, fs, args, "check", &cf.now)
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
	opts := workspace.CheckOptions{Load: cf.load.options(), Now: now, Policy: cf.policy(), Base: cf.base, CompareTo: cf.compareTo, Log: cli.NotesTo(e.stdout, e.stderr)}
	if *github {
		gh.Repo, opts.Override = cf.repo, &gh
	}
	chk, rules, err := workspace.Check(e.ctx, root, opts)
	if err != nil {
		return fail(e, err)
	}
	if *suggest {
		attachSuggestions(e, root, now, &cf, chk)
	}
	chk.PathPrefix = cmp.Or(cf.pathPrefix, workspace.RepoPrefix(root))
	return cf.emit(e, outputs, chk, reportOptions(e, started, rules, cf.repo, cf.sha, cf.serverURL))
}
