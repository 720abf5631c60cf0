package workspace

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/capcheck/capcheck/action"
	"github.com/capcheck/capcheck/internal/repopath"
	"github.com/capcheck/capcheck/report"
)

// summaryMaxChars bounds the full report written to the job summary
// (GitHub takes up to 1 MiB per step).
const summaryMaxChars = 1000000

// Comment says where and how a saved result is posted.
type Comment struct {
	Result               string // saved `capcheck check --format json` result
	Repo, SHA, ServerURL string // default: the GitHub Actions environment, then the event
	PR                   int    // default: the event's pull request
	Issue                bool   // keep one open issue instead of a PR comment
	Title                string
	Labels               []string
	Behavior             action.Behavior
	Marker               string // default: report.DefaultMarker, or action.DefaultIssueMarker with Issue
	BotLogin             string
	TokenEnv             string
	APIURL               string // default: $GITHUB_API_URL, else action.DefaultAPIURL
	DryRun               bool
	Annotations          bool // on fallback, print the findings as annotations

	Getenv         func(string) string
	Stdout, Stderr io.Writer
}

// CommentOutcome is what posting did: Action is the poster's action (or
// "fallback" when the token could not write), URL the comment's or
// issue's. Record is false when nothing is to be recorded (a stale
// two-stage run that left the posting to the newer one).
type CommentOutcome struct {
	Action, URL string
	Record      bool
}

// Post renders the saved result as the sticky PR comment (or the audit
// issue) and posts it. The job summary gets the whole report, also when
// posting fails. When the token cannot write (a fork PR's read-only
// token), the report goes to the job summary and the findings to
// annotations, and the outcome is "fallback", not an error: the job's
// verdict is check's own exit code.
func (c *Comment) Post(ctx context.Context) (CommentOutcome, error) {
	chk, err := readCheckResult(c.Result)
	if err != nil {
		return CommentOutcome{}, err
	}
	var ev *action.Event
	if p := c.Getenv("GITHUB_EVENT_PATH"); p != "" {
		if ev, err = action.ReadEvent(c.Getenv("GITHUB_EVENT_NAME"), p); err != nil {
			return CommentOutcome{}, err
		}
	}
	repo := cmp.Or(c.Repo, c.Getenv("GITHUB_REPOSITORY"))
	number, sha := c.PR, c.SHA
	if ev != nil {
		repo = cmp.Or(repo, ev.Repo)
		if number == 0 {
			number = ev.Number
		}
		sha = cmp.Or(sha, ev.HeadSHA)
	}
	sha = cmp.Or(sha, c.Getenv("GITHUB_SHA"))
	owner, name, err := action.SplitRepo(repo)
	if err != nil {
		return CommentOutcome{}, fmt.Errorf("%w (pass --repo or set $GITHUB_REPOSITORY)", err)
	}
	if !c.Issue && number == 0 {
		return CommentOutcome{}, errors.New("no pull request number: pass --pr N (a workflow_run event names none for forks)")
	}
	marker := c.Marker
	if marker == "" {
		marker = report.DefaultMarker
		if c.Issue {
			marker = action.DefaultIssueMarker
		}
	}

	opts := report.Options{
		Repo:      repo,
		SHA:       sha,
		ServerURL: cmp.Or(c.ServerURL, c.Getenv("GITHUB_SERVER_URL"), report.DefaultServerURL),
		Marker:    marker,
	}
	body, err := render(chk, "markdown", opts)
	if err != nil {
		return CommentOutcome{}, err
	}
	if summary := c.Getenv("GITHUB_STEP_SUMMARY"); summary != "" && !c.DryRun {
		opts.MaxChars = summaryMaxChars
		full, err := render(chk, "markdown", opts)
		if err != nil {
			return CommentOutcome{}, err
		}
		if err := action.AppendSummary(summary, full); err != nil {
			return CommentOutcome{}, err
		}
	}

	token := c.Getenv(c.TokenEnv)
	if token == "" && !c.DryRun {
		return CommentOutcome{}, fmt.Errorf("no token in $%s (the token is read from the environment only)", c.TokenEnv)
	}
	apiURL := cmp.Or(c.APIURL, c.Getenv("GITHUB_API_URL"), action.DefaultAPIURL)
	client, err := action.NewClient(apiURL, token, &action.Retry{Log: c.Stderr})
	if err != nil {
		return CommentOutcome{}, err
	}
	p := &action.Poster{
		Client:   client,
		Owner:    owner,
		Repo:     name,
		Marker:   marker,
		Behavior: c.Behavior,
		BotLogin: c.BotLogin,
		DryRun:   c.DryRun,
		Log:      c.Stdout,
	}
	if c.APIURL == "" {
		p.GraphQLURL = c.Getenv("GITHUB_GRAPHQL_URL")
	}
	if token == "" && p.BotLogin == "" {
		// A dry run without a token cannot ask GET /user who it is.
		p.BotLogin = action.FallbackBotLogin
	}

	var out action.Outcome
	if c.Issue {
		out, err = p.PostIssue(ctx, c.Title, c.Labels, body)
	} else {
		// The two-stage flow's PR number comes from the untrusted first
		// stage: check it against the run GitHub says triggered us.
		if ev != nil && ev.Name == "workflow_run" && c.PR != 0 {
			if err := action.VerifyPR(ctx, client, owner, name, number, ev); err != nil {
				if errors.Is(err, action.ErrStale) {
					fmt.Fprintf(c.Stderr, "capcheck comment: not posting: %v; the newer run will post its own comment\n", err)
					return CommentOutcome{}, nil
				}
				return CommentOutcome{}, err
			}
		}
		out, err = p.Post(ctx, number, body)
	}
	if errors.Is(err, action.ErrNoPermission) {
		return c.fallback(chk, body, err)
	}
	if err != nil {
		return CommentOutcome{}, err
	}
	what := "comment"
	if c.Issue {
		what = "issue"
	}
	switch {
	case out.DryRun:
		fmt.Fprintf(c.Stderr, "capcheck comment: dry run: %s would be %s\n", what, out.Action)
	case out.URL != "":
		fmt.Fprintf(c.Stderr, "capcheck comment: %s %s: %s\n", what, out.Action, out.URL)
	default:
		fmt.Fprintf(c.Stderr, "capcheck comment: %s %s\n", what, out.Action)
	}
	return CommentOutcome{Action: string(out.Action), URL: out.URL, Record: true}, nil
}

// fallback is the answer to a token that cannot write: the report is
// already in the job summary (or goes to stdout without one), the
// findings become annotations and a warning says why.
func (c *Comment) fallback(chk *report.Check, body string, err error) (CommentOutcome, error) {
	help := action.NoPermissionHelp(err)
	if c.Annotations {
		ann, rerr := render(chk, "github", report.Options{})
		if rerr != nil {
			return CommentOutcome{}, rerr
		}
		fmt.Fprint(c.Stdout, ann)
	}
	if c.Getenv("GITHUB_STEP_SUMMARY") == "" {
		fmt.Fprint(c.Stdout, body)
		help = strings.Replace(help, "The report is in the job summary", "The report is printed above", 1)
	}
	fmt.Fprint(c.Stdout, action.Warning("capcheck", help))
	fmt.Fprintf(c.Stderr, "capcheck comment: %s\n", help)
	return CommentOutcome{Action: "fallback", Record: true}, nil
}

// readCheckResult reads a saved `capcheck check --format json` result,
// from standard input when file is "-" (bounded as report.ReadCheck
// bounds a file).
func readCheckResult(file string) (*report.Check, error) {
	var r io.Reader = os.Stdin
	if file != repopath.Stdin {
		f, err := os.Open(file)
		if err != nil {
			return nil, fmt.Errorf("read result: %w", err)
		}
		defer f.Close()
		r = f
	}
	chk, err := report.ReadCheck(r)
	if err != nil {
		return nil, fmt.Errorf("%s: %w (want the output of `capcheck check --format json`)", repopath.UserName(file), err)
	}
	return chk, nil
}

func render(chk *report.Check, format string, opts report.Options) (string, error) {
	var buf bytes.Buffer
	if err := report.Write(&buf, format, chk, opts); err != nil {
		return "", err
	}
	return buf.String(), nil
}

// WriteOutputs records the outcome as the step's outputs comment-outcome
// and comment-url, appended to the file $GITHUB_OUTPUT names (read
// through getenv); nothing outside GitHub Actions or when the outcome is
// not to be recorded.
func (o CommentOutcome) WriteOutputs(getenv func(string) string) error {
	path := getenv("GITHUB_OUTPUT")
	if path == "" || !o.Record {
		return nil
	}
	return action.AppendOutputs(path, action.Output{Name: "comment-outcome", Value: o.Action}, action.Output{Name: "comment-url", Value: o.URL})
}
