package main

import (
	"fmt"

	"github.com/capcheck/capcheck/action"
	"github.com/capcheck/capcheck/report"
	"github.com/capcheck/capcheck/workspace"
)

type commentFlags struct {
	repo, sha, serverURL string
	pr                   int
	issue                bool
	title                string
	labels               stringList
	behavior             string
	marker               string
	botLogin             string
	tokenEnv             string
	apiURL               string
	dryRun               bool
	annotations          bool
}

// runComment is `capcheck comment github [flags] RESULT.json`: render a
// saved `check --format json` result as the sticky PR comment (or the
// audit issue with --issue) and post it. When the token cannot write (a
// fork PR's read-only token), the report goes to the job summary and the
// findings to annotations, and the command still exits 0: the job's
// verdict is `check`'s own exit code.
func runComment(e *env, args []string) int {
	fs := newFlags(e, "comment", "github [flags] RESULT.json")
	var cf commentFlags
	fs.StringVar(&cf.repo, "repo", "", "owner/name (default: $GITHUB_REPOSITORY, else the event's repository)")
	fs.IntVar(&cf.pr, "pr", 0, "pull request number (default: from $GITHUB_EVENT_PATH; required for workflow_run)")
	fs.StringVar(&cf.sha, "sha", "", "commit for links (default: the PR head from the event, else $GITHUB_SHA)")
	fs.StringVar(&cf.serverURL, "server-url", "", "GitHub server URL for links (default: $GITHUB_SERVER_URL, else https://github.com)")
	fs.BoolVar(&cf.issue, "issue", false, "keep one open issue (scheduled audits) instead of a PR comment")
	fs.StringVar(&cf.title, "title", "capcheck audit", "title of a new issue (with --issue)")
	fs.Var(&cf.labels, "label", "label of a new issue (repeatable, with --issue)")
	fs.StringVar(&cf.behavior, "behavior", string(action.Update), "what to do with the previous comment: update, new, hide-and-new or delete-and-new")
	fs.StringVar(&cf.marker, "marker", "", "hidden marker line (default: "+report.DefaultMarker+", or "+action.DefaultIssueMarker+" with --issue)")
	fs.StringVar(&cf.botLogin, "bot-login", "", "login of the token's user (default: GET /user, else "+action.FallbackBotLogin+")")
	fs.StringVar(&cf.tokenEnv, "token-env", "GITHUB_TOKEN", "environment variable holding the token (never passed as a flag)")
	fs.StringVar(&cf.apiURL, "api-url", "", "REST API root (default: $GITHUB_API_URL, else "+action.DefaultAPIURL+")")
	fs.BoolVar(&cf.dryRun, "dry-run", false, "print what would be posted; read but write nothing")
	fs.BoolVar(&cf.annotations, "annotations", true, "when the comment cannot be posted, print the findings as annotations (turn off when `check --format github` already did)")
	pos, code, ok := parseFlags(fs, args)
	if !ok {
		return code
	}
	if len(pos) != 2 || pos[0] != "github" {
		fmt.Fprintln(e.stderr, "capcheck comment: usage: capcheck comment github [flags] RESULT.json")
		return exitError
	}
	behavior, err := action.ParseBehavior(cf.behavior)
	if err != nil {
		return fail(e, err)
	}
	if cf.pr < 0 {
		return fail(e, fmt.Errorf("--pr %d: want a pull request number", cf.pr))
	}

	c := workspace.Comment{
		Result: pos[1], Repo: cf.repo, SHA: cf.sha, ServerURL: cf.serverURL, PR: cf.pr,
		Issue: cf.issue, Title: cf.title, Labels: cf.labels, Behavior: behavior, Marker: cf.marker,
		BotLogin: cf.botLogin, TokenEnv: cf.tokenEnv, APIURL: cf.apiURL, DryRun: cf.dryRun, Annotations: cf.annotations,
		Getenv: e.getenv, Stdout: e.stdout, Stderr: e.stderr,
	}
	out, err := c.Post(e.ctx)
	if err != nil {
		return fail(e, err)
	}
	if !out.Record {
		return exitPass
	}
	return writeCommentOutputs(e, out.Action, out.URL)
}

func writeCommentOutputs(e *env, outcome, url string) int {
	path := e.getenv("GITHUB_OUTPUT")
	if path == "" {
		return exitPass
	}
	if err := action.AppendOutputs(path, action.Output{Name: "comment-outcome", Value: outcome}, action.Output{Name: "comment-url", Value: url}); err != nil {
		return fail(e, err)
	}
	return exitPass
}
