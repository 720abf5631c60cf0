package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/capcheck/capcheck/action"
	"github.com/capcheck/capcheck/report"
)

// summaryMaxChars bounds the full report written to the job summary
// (GitHub takes up to 1 MiB per step).
const summaryMaxChars = 1000000

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

	chk, err := readCheckResult(pos[1])
	if err != nil {
		return fail(e, err)
	}

	var ev *action.Event
	if p := e.getenv("GITHUB_EVENT_PATH"); p != "" {
		if ev, err = action.ReadEvent(e.getenv("GITHUB_EVENT_NAME"), p); err != nil {
			return fail(e, err)
		}
	}
	repo := firstNonEmpty(cf.repo, e.getenv("GITHUB_REPOSITORY"))
	number, sha := cf.pr, cf.sha
	if ev != nil {
		repo = firstNonEmpty(repo, ev.Repo)
		if number == 0 {
			number = ev.Number
		}
		sha = firstNonEmpty(sha, ev.HeadSHA)
	}
	sha = firstNonEmpty(sha, e.getenv("GITHUB_SHA"))
	owner, name, err := action.SplitRepo(repo)
	if err != nil {
		return fail(e, fmt.Errorf("%w (pass --repo or set $GITHUB_REPOSITORY)", err))
	}
	if !cf.issue && number == 0 {
		return fail(e, errors.New("no pull request number: pass --pr N (a workflow_run event names none for forks)"))
	}
	marker := cf.marker
	if marker == "" {
		marker = report.DefaultMarker
		if cf.issue {
			marker = action.DefaultIssueMarker
		}
	}

	opts := report.Options{
		Repo:      repo,
		SHA:       sha,
		ServerURL: firstNonEmpty(cf.serverURL, e.getenv("GITHUB_SERVER_URL"), report.DefaultServerURL),
		Marker:    marker,
	}
	body, err := renderCheck(chk, "markdown", opts)
	if err != nil {
		return fail(e, err)
	}
	// The job summary gets the whole report, also when posting fails.
	if summary := e.getenv("GITHUB_STEP_SUMMARY"); summary != "" && !cf.dryRun {
		opts.MaxChars = summaryMaxChars
		full, err := renderCheck(chk, "markdown", opts)
		if err != nil {
			return fail(e, err)
		}
		if err := action.AppendSummary(summary, full); err != nil {
			return fail(e, err)
		}
	}

	token := e.getenv(cf.tokenEnv)
	if token == "" && !cf.dryRun {
		return fail(e, fmt.Errorf("no token in $%s (the token is read from the environment only)", cf.tokenEnv))
	}
	apiURL := firstNonEmpty(cf.apiURL, e.getenv("GITHUB_API_URL"), action.DefaultAPIURL)
	client, err := action.NewClient(apiURL, token, &action.Retry{Log: e.stderr})
	if err != nil {
		return fail(e, err)
	}
	p := &action.Poster{
		Client:   client,
		Owner:    owner,
		Repo:     name,
		Marker:   marker,
		Behavior: behavior,
		BotLogin: cf.botLogin,
		DryRun:   cf.dryRun,
		Log:      e.stdout,
	}
	if cf.apiURL == "" {
		p.GraphQLURL = e.getenv("GITHUB_GRAPHQL_URL")
	}
	if token == "" && p.BotLogin == "" {
		// A dry run without a token cannot ask GET /user who it is.
		p.BotLogin = action.FallbackBotLogin
	}

	var out action.Outcome
	if cf.issue {
		out, err = p.PostIssue(e.ctx, cf.title, cf.labels, body)
	} else {
		// The two-stage flow's PR number comes from the untrusted first
		// stage: check it against the run GitHub says triggered us.
		if ev != nil && ev.Name == "workflow_run" && cf.pr != 0 {
			if err := action.VerifyPR(e.ctx, client, owner, name, number, ev); err != nil {
				if errors.Is(err, action.ErrStale) {
					fmt.Fprintf(e.stderr, "capcheck comment: not posting: %v; the newer run will post its own comment\n", err)
					return exitPass
				}
				return fail(e, err)
			}
		}
		out, err = p.Post(e.ctx, number, body)
	}
	if errors.Is(err, action.ErrNoPermission) {
		return commentFallback(e, chk, cf, body, err)
	}
	if err != nil {
		return fail(e, err)
	}
	what := "comment"
	if cf.issue {
		what = "issue"
	}
	switch {
	case out.DryRun:
		fmt.Fprintf(e.stderr, "capcheck comment: dry run: %s would be %s\n", what, out.Action)
	case out.URL != "":
		fmt.Fprintf(e.stderr, "capcheck comment: %s %s: %s\n", what, out.Action, out.URL)
	default:
		fmt.Fprintf(e.stderr, "capcheck comment: %s %s\n", what, out.Action)
	}
	return writeCommentOutputs(e, string(out.Action), out.URL)
}

// commentFallback is the answer to a token that cannot write: the report
// is already in the job summary (or goes to stdout without one), the
// findings become annotations, a warning says why, and the exit code stays
// 0.
func commentFallback(e *env, chk *report.Check, cf commentFlags, body string, err error) int {
	help := action.NoPermissionHelp(err)
	if cf.annotations {
		ann, rerr := renderCheck(chk, "github", report.Options{})
		if rerr != nil {
			return fail(e, rerr)
		}
		fmt.Fprint(e.stdout, ann)
	}
	if e.getenv("GITHUB_STEP_SUMMARY") == "" {
		fmt.Fprint(e.stdout, body)
		help = strings.Replace(help, "The report is in the job summary", "The report is printed above", 1)
	}
	fmt.Fprint(e.stdout, action.Warning("capcheck", help))
	fmt.Fprintf(e.stderr, "capcheck comment: %s\n", help)
	return writeCommentOutputs(e, "fallback", "")
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

// readResult reads a saved `capcheck check --format json` result.
func readCheckResult(file string) (*report.Check, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, fmt.Errorf("read result: %w", err)
	}
	defer f.Close()
	chk, err := report.ReadCheck(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w (want the output of `capcheck check --format json`)", file, err)
	}
	return chk, nil
}

func renderCheck(chk *report.Check, format string, opts report.Options) (string, error) {
	var buf bytes.Buffer
	if err := report.Write(&buf, format, chk, opts); err != nil {
		return "", err
	}
	return buf.String(), nil
}
