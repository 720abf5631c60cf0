package main

import (
	"fmt"

	"github.com/capcheck/capcheck/action"
	"github.com/capcheck/capcheck/report"
	"github.com/capcheck/capcheck/workspace"
)

// runComment is `capcheck comment github [flags] RESULT.json`: render a
// saved `check --format json` result as the sticky PR comment (or the
// audit issue with --issue) and post it. When the token cannot write (a
// fork PR's read-only token), the report goes to the job summary and the
// findings to annotations, and the command still exits 0: the job's
// verdict is `check`'s own exit code.
func runComment(e *env, args []string) int {
	fs := newFlags(e, "comment", "github [flags] RESULT.json")
	c := workspace.Comment{Getenv: e.getenv, Stdout: e.stdout, Stderr: e.stderr}
	var behavior string
	fs.StringVar(&c.Repo, "repo", "", "owner/name (default: $GITHUB_REPOSITORY, else the event's repository)")
	fs.IntVar(&c.PR, "pr", 0, "pull request number (default: from $GITHUB_EVENT_PATH; required for workflow_run)")
	fs.StringVar(&c.SHA, "sha", "", "commit for links (default: the PR head from the event, else $GITHUB_SHA)")
	fs.StringVar(&c.ServerURL, "server-url", "", "GitHub server URL for links (default: $GITHUB_SERVER_URL, else https://github.com)")
	fs.BoolVar(&c.Issue, "issue", false, "keep one open issue (scheduled audits) instead of a PR comment")
	fs.StringVar(&c.Title, "title", "capcheck audit", "title of a new issue (with --issue)")
	fs.Var((*stringList)(&c.Labels), "label", "label of a new issue (repeatable, with --issue)")
	fs.StringVar(&behavior, "behavior", string(action.Update), "what to do with the previous comment: update, new, hide-and-new or delete-and-new")
	fs.StringVar(&c.Marker, "marker", "", "hidden marker line (default: "+report.DefaultMarker+", or "+action.DefaultIssueMarker+" with --issue)")
	fs.StringVar(&c.BotLogin, "bot-login", "", "login of the token's user (default: GET /user, else "+action.FallbackBotLogin+")")
	fs.StringVar(&c.TokenEnv, "token-env", "GITHUB_TOKEN", "environment variable holding the token (never passed as a flag)")
	fs.StringVar(&c.APIURL, "api-url", "", "REST API root (default: $GITHUB_API_URL, else "+action.DefaultAPIURL+")")
	fs.BoolVar(&c.DryRun, "dry-run", false, "print what would be posted; read but write nothing")
	fs.BoolVar(&c.Annotations, "annotations", true, "when the comment cannot be posted, print the findings as annotations (turn off when `check --format github` already did)")
	pos, code, ok := parseFlags(fs, args)
	if !ok {
		return code
	}
	if len(pos) != 2 || pos[0] != "github" {
		fmt.Fprintln(e.stderr, "capcheck comment: usage: capcheck comment github [flags] RESULT.json")
		return exitError
	}
	var err error
	if c.Behavior, err = action.ParseBehavior(behavior); err != nil {
		return fail(e, err)
	}
	if c.PR < 0 {
		return fail(e, fmt.Errorf("--pr %d: want a pull request number", c.PR))
	}
	c.Result = pos[1]
	out, err := c.Post(e.ctx)
	if err == nil {
		err = out.WriteOutputs(e.getenv)
	}
	if err != nil {
		return fail(e, err)
	}
	return exitPass
}
