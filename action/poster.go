// Package action owns capcheck's GitHub side: the composite Action
// (action.yml), reading the workflow event, and posting the sticky PR
// comment or the audit issue through go-github. It computes nothing: the
// body it posts is rendered by package report.
//
// A comment or issue is "ours" when its body holds the marker line and
// its author is the token's own user, so a marker planted by someone else
// is never edited, hidden or deleted.
package action

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/google/go-github/v60/github"
)

// Behavior is what Post does with the previous sticky comment.
type Behavior string

// Behaviours of docs/ARCHITECTURE.md, "Outputs and exit codes".
const (
	// Update edits the newest own marked comment in place (creates one when
	// there is none); an identical body is not re-posted.
	Update Behavior = "update"
	// New always creates a comment.
	New Behavior = "new"
	// HideAndNew creates a comment, then minimizes the previous own marked
	// comments as outdated.
	HideAndNew Behavior = "hide-and-new"
	// DeleteAndNew creates a comment, then deletes the previous own marked
	// comments.
	DeleteAndNew Behavior = "delete-and-new"
)

// Behaviors lists the valid behaviours.
func Behaviors() []Behavior { return []Behavior{Update, New, HideAndNew, DeleteAndNew} }

// ParseBehavior checks a --behavior value.
func ParseBehavior(s string) (Behavior, error) {
	for _, b := range Behaviors() {
		if string(b) == s {
			return b, nil
		}
	}
	return "", fmt.Errorf("unknown behavior %q (want update, new, hide-and-new or delete-and-new)", s)
}

// Action says what Post or PostIssue did (or, in a dry run, would do).
type Action string

// Actions.
const (
	Created           Action = "created"
	Updated           Action = "updated"
	Unchanged         Action = "unchanged"
	HiddenAndCreated  Action = "hidden+created"
	DeletedAndCreated Action = "deleted+created"
)

// Outcome is the result of Post or PostIssue.
type Outcome struct {
	Action Action
	// ID is the comment's id, or the issue's number in issue mode (0 when a
	// dry run would create it).
	ID int64
	// URL is the comment's or issue's HTML URL ("" when a dry run would
	// create it).
	URL string
	// Replaced are the previous own marked comments hidden or deleted.
	Replaced []int64
	// DryRun is true when nothing was written.
	DryRun bool
}

// FallbackBotLogin is the author of comments made with an Actions
// GITHUB_TOKEN, whose GET /user answers 403.
const FallbackBotLogin = "github-actions[bot]"

// DefaultIssueMarker marks the audit issue.
const DefaultIssueMarker = "<!-- capcheck:audit -->"

// Poster posts one sticky comment on a pull request (Post) or keeps one
// open audit issue (PostIssue) in Owner/Repo.
type Poster struct {
	Client      *github.Client
	Owner, Repo string
	// Marker is the hidden line that identifies our comment or issue
	// (required). A body without it gets it as its first line.
	Marker string
	// Behavior applies to Post (Update when empty).
	Behavior Behavior
	// BotLogin is the token's user. When empty it is read from GET /user,
	// and an Actions installation token, which cannot read it, is taken to
	// be FallbackBotLogin.
	BotLogin string
	// GraphQLURL is the GraphQL endpoint for hiding comments; derived from
	// the client's base URL when empty (…/graphql on github.com,
	// https://HOST/api/graphql on GitHub Enterprise Server).
	GraphQLURL string
	// DryRun reads but does not write: it reports the action it would take
	// and prints the body to Log.
	DryRun bool
	// Log receives the dry run's report (discarded when nil).
	Log io.Writer
}

// PermissionError is a write that the token is not allowed to make: a 403
// answer other than a rate limit, as a fork PR's read-only GITHUB_TOKEN
// gets ("Resource not accessible by integration"). A 404 is not one: see
// writeErr.
type PermissionError struct {
	Op      string // what was attempted, e.g. "create comment on #12"
	Status  int    // HTTP status (200 for a GraphQL FORBIDDEN error)
	Message string // GitHub's message
}

// ErrNoPermission matches every *PermissionError with errors.Is.
var ErrNoPermission = errors.New("the token cannot write")

func (e *PermissionError) Error() string {
	return fmt.Sprintf("%s: %d %s", e.Op, e.Status, e.Message)
}

// Is makes errors.Is(err, ErrNoPermission) true.
func (e *PermissionError) Is(target error) bool { return target == ErrNoPermission }

// Post makes body the sticky comment on pull request (or issue) number.
func (p *Poster) Post(ctx context.Context, number int, body string) (Outcome, error) {
	if err := p.validate(); err != nil {
		return Outcome{}, err
	}
	if number <= 0 {
		return Outcome{}, fmt.Errorf("post comment: no pull request number")
	}
	behavior := p.Behavior
	if behavior == "" {
		behavior = Update
	}
	if _, err := ParseBehavior(string(behavior)); err != nil {
		return Outcome{}, err
	}
	body = p.withMarker(body)

	var own []*github.IssueComment
	if behavior != New {
		login, err := p.login(ctx)
		if err != nil {
			return Outcome{}, err
		}
		own, err = p.ownComments(ctx, number, login)
		if err != nil {
			return Outcome{}, err
		}
	}

	if behavior == Update && len(own) > 0 {
		last := own[len(own)-1]
		out := Outcome{Action: Updated, ID: last.GetID(), URL: last.GetHTMLURL(), DryRun: p.DryRun}
		if sameBody(last.GetBody(), body) {
			out.Action = Unchanged
			p.logf("comment %d on #%d is up to date\n", last.GetID(), number)
			return out, nil
		}
		if p.DryRun {
			p.dry(fmt.Sprintf("would update comment %d on #%d", last.GetID(), number), body)
			return out, nil
		}
		c, _, err := p.Client.Issues.EditComment(ctx, p.Owner, p.Repo, last.GetID(), &github.IssueComment{Body: github.String(body)})
		if err != nil {
			return Outcome{}, p.writeErr(fmt.Sprintf("update comment %d on #%d", last.GetID(), number), fmt.Sprintf("comment %d", last.GetID()), err)
		}
		out.URL = c.GetHTMLURL()
		return out, nil
	}

	out := Outcome{Action: Created, DryRun: p.DryRun}
	var replace []*github.IssueComment
	if behavior == HideAndNew || behavior == DeleteAndNew {
		replace = own
	}
	for _, c := range replace {
		out.Replaced = append(out.Replaced, c.GetID())
	}
	if len(replace) > 0 {
		out.Action = HiddenAndCreated
		if behavior == DeleteAndNew {
			out.Action = DeletedAndCreated
		}
	}
	if p.DryRun {
		what := fmt.Sprintf("would create a comment on #%d", number)
		if len(replace) > 0 {
			verb := "hide"
			if behavior == DeleteAndNew {
				verb = "delete"
			}
			what += fmt.Sprintf(", then %s comments %v", verb, out.Replaced)
		}
		p.dry(what, body)
		return out, nil
	}
	// Create first: if anything fails after, the PR still shows a current
	// comment (at worst next to an old one), never none.
	c, err := p.createComment(ctx, number, body, own)
	if err != nil {
		return Outcome{}, err
	}
	out.ID, out.URL = c.GetID(), c.GetHTMLURL()
	for _, old := range replace {
		if behavior == DeleteAndNew {
			if _, err := p.Client.Issues.DeleteComment(ctx, p.Owner, p.Repo, old.GetID()); err != nil {
				return out, p.writeErr(fmt.Sprintf("delete comment %d on #%d", old.GetID(), number), fmt.Sprintf("comment %d", old.GetID()), err)
			}
			continue
		}
		if err := p.minimize(ctx, old); err != nil {
			return out, err
		}
	}
	return out, nil
}

// PostIssue keeps one open issue holding body: the newest open issue
// created by the token's user whose body holds the marker is updated
// (skipped when identical), else a new one is opened with title and
// labels.
func (p *Poster) PostIssue(ctx context.Context, title string, labels []string, body string) (Outcome, error) {
	if err := p.validate(); err != nil {
		return Outcome{}, err
	}
	if strings.TrimSpace(title) == "" {
		return Outcome{}, errors.New("post issue: empty title")
	}
	body = p.withMarker(body)
	login, err := p.login(ctx)
	if err != nil {
		return Outcome{}, err
	}
	found, err := p.ownIssue(ctx, login)
	if err != nil {
		return Outcome{}, err
	}

	if found != nil {
		out := Outcome{Action: Updated, ID: int64(found.GetNumber()), URL: found.GetHTMLURL(), DryRun: p.DryRun}
		if sameBody(found.GetBody(), body) {
			out.Action = Unchanged
			p.logf("issue #%d is up to date\n", found.GetNumber())
			return out, nil
		}
		if p.DryRun {
			p.dry(fmt.Sprintf("would update issue #%d", found.GetNumber()), body)
			return out, nil
		}
		is, _, err := p.Client.Issues.Edit(ctx, p.Owner, p.Repo, found.GetNumber(), &github.IssueRequest{Body: github.String(body)})
		if err != nil {
			return Outcome{}, p.writeErr(fmt.Sprintf("update issue #%d", found.GetNumber()), fmt.Sprintf("issue #%d", found.GetNumber()), err)
		}
		out.URL = is.GetHTMLURL()
		return out, nil
	}

	out := Outcome{Action: Created, DryRun: p.DryRun}
	if p.DryRun {
		p.dry(fmt.Sprintf("would open an issue %q", title), body)
		return out, nil
	}
	req := &github.IssueRequest{Title: github.String(title), Body: github.String(body)}
	if len(labels) > 0 {
		req.Labels = &labels
	}
	// An answer lost to a 5xx or a timeout may hide an issue that was
	// opened: it is looked for before the issue is opened again.
	var made *github.Issue
	look := func(ctx context.Context) (bool, error) {
		is, err := p.ownIssue(ctx, login)
		if err != nil {
			return false, err
		}
		if is != nil && sameBody(is.GetBody(), body) {
			made = is
		}
		return made != nil, nil
	}
	is, _, err := p.Client.Issues.Create(WithLookup(ctx, look), p.Owner, p.Repo, req)
	if errors.Is(err, ErrMade) && made != nil {
		is, err = made, nil
	}
	if err != nil {
		return Outcome{}, p.writeErr("open issue", "", err)
	}
	out.ID, out.URL = int64(is.GetNumber()), is.GetHTMLURL()
	return out, nil
}

func (p *Poster) validate() error {
	switch {
	case p.Client == nil:
		return errors.New("post: no GitHub client")
	case p.Owner == "" || p.Repo == "":
		return errors.New("post: no repository")
	case strings.TrimSpace(p.Marker) == "" || strings.ContainsAny(p.Marker, "\r\n"):
		return fmt.Errorf("post: the marker %q must be one non-empty line", p.Marker)
	}
	return nil
}

// login is the token's user: BotLogin, else GET /user, else (an Actions
// installation token, which GET /user refuses) FallbackBotLogin.
func (p *Poster) login(ctx context.Context) (string, error) {
	if p.BotLogin != "" {
		return p.BotLogin, nil
	}
	u, _, err := p.Client.Users.Get(ctx, "")
	if err == nil && u.GetLogin() != "" {
		p.BotLogin = u.GetLogin()
		return p.BotLogin, nil
	}
	var er *github.ErrorResponse
	if errors.As(err, &er) && er.Response != nil && er.Response.StatusCode == http.StatusForbidden {
		p.BotLogin = FallbackBotLogin
		return p.BotLogin, nil
	}
	if err == nil {
		err = errors.New("no login in the answer")
	}
	return "", fmt.Errorf("read the token's user (GET /user): %w", err)
}

// ownComments lists every comment on number (all pages) and keeps ours,
// oldest first.
func (p *Poster) ownComments(ctx context.Context, number int, login string) ([]*github.IssueComment, error) {
	var own []*github.IssueComment
	opts := &github.IssueListCommentsOptions{ListOptions: github.ListOptions{PerPage: 100}}
	for {
		cs, resp, err := p.Client.Issues.ListComments(ctx, p.Owner, p.Repo, number, opts)
		if err != nil {
			return nil, fmt.Errorf("list comments on #%d: %w", number, err)
		}
		for _, c := range cs {
			if sameLogin(c.GetUser().GetLogin(), login) && hasMarker(c.GetBody(), p.Marker) {
				own = append(own, c)
			}
		}
		if resp == nil || resp.NextPage == 0 {
			break
		}
		opts.Page = resp.NextPage
	}
	// GitHub lists oldest first; ids grow with time, so sort by id to be
	// sure which is the newest.
	for i := 1; i < len(own); i++ {
		for j := i; j > 0 && own[j].GetID() < own[j-1].GetID(); j-- {
			own[j], own[j-1] = own[j-1], own[j]
		}
	}
	return own, nil
}

// createComment posts body on number. An answer lost to a 5xx or a
// timeout may hide a comment that was made: before posting again, Retry
// has the comments listed, and the newest own comment holding the marker
// and body that was not among before (the own comments listed earlier;
// none with behaviour New, which lists nothing, so an identical own
// comment already there counts) is taken as the one created.
func (p *Poster) createComment(ctx context.Context, number int, body string, before []*github.IssueComment) (*github.IssueComment, error) {
	known := make(map[int64]bool, len(before))
	for _, c := range before {
		known[c.GetID()] = true
	}
	var made *github.IssueComment
	look := func(ctx context.Context) (bool, error) {
		login, err := p.login(ctx)
		if err != nil {
			return false, err
		}
		own, err := p.ownComments(ctx, number, login)
		if err != nil {
			return false, err
		}
		for i := len(own) - 1; i >= 0 && made == nil; i-- {
			if c := own[i]; !known[c.GetID()] && sameBody(c.GetBody(), body) {
				made = c
			}
		}
		return made != nil, nil
	}
	c, _, err := p.Client.Issues.CreateComment(WithLookup(ctx, look), p.Owner, p.Repo, number, &github.IssueComment{Body: github.String(body)})
	if errors.Is(err, ErrMade) && made != nil {
		return made, nil
	}
	if err != nil {
		return nil, p.writeErr(fmt.Sprintf("create comment on #%d", number), fmt.Sprintf("issue or pull request #%d", number), err)
	}
	return c, nil
}

// ownIssue is the newest open issue created by login whose body holds the
// marker (nil when there is none), read from every page.
func (p *Poster) ownIssue(ctx context.Context, login string) (*github.Issue, error) {
	var found *github.Issue
	opts := &github.IssueListByRepoOptions{
		Creator:     login,
		State:       "open",
		ListOptions: github.ListOptions{PerPage: 100},
	}
	for {
		issues, resp, err := p.Client.Issues.ListByRepo(ctx, p.Owner, p.Repo, opts)
		if err != nil {
			return nil, fmt.Errorf("list open issues by %s: %w", login, err)
		}
		for _, is := range issues {
			if is.IsPullRequest() || is.GetState() != "open" ||
				!sameLogin(is.GetUser().GetLogin(), login) || !hasMarker(is.GetBody(), p.Marker) {
				continue
			}
			if found == nil || is.GetNumber() > found.GetNumber() {
				found = is
			}
		}
		if resp == nil || resp.NextPage == 0 {
			return found, nil
		}
		opts.Page = resp.NextPage
	}
}

// minimizeQuery hides a comment as outdated
// (https://docs.github.com/graphql/reference/mutations#minimizecomment).
const minimizeQuery = `mutation($id: ID!) { minimizeComment(input: {subjectId: $id, classifier: OUTDATED}) { minimizedComment { isMinimized } } }`

func (p *Poster) minimize(ctx context.Context, c *github.IssueComment) error {
	op := fmt.Sprintf("hide comment %d", c.GetID())
	if c.GetNodeID() == "" {
		return fmt.Errorf("%s: the comment has no node_id", op)
	}
	endpoint, err := p.graphQLURL()
	if err != nil {
		return err
	}
	req, err := p.Client.NewRequest(http.MethodPost, endpoint, map[string]any{
		"query":     minimizeQuery,
		"variables": map[string]string{"id": c.GetNodeID()},
	})
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	var res struct {
		Data struct {
			MinimizeComment *struct {
				MinimizedComment *struct {
					IsMinimized bool `json:"isMinimized"`
				} `json:"minimizedComment"`
			} `json:"minimizeComment"`
		} `json:"data"`
		Errors []struct {
			Type    string `json:"type"`
			Message string `json:"message"`
		} `json:"errors"`
	}
	// Minimizing twice is harmless: Retry may send it again.
	if _, err := p.Client.Do(Repeatable(ctx), req, &res); err != nil {
		return p.writeErr(op, fmt.Sprintf("comment %d", c.GetID()), err)
	}
	if len(res.Errors) > 0 {
		e := res.Errors[0]
		if e.Type == "FORBIDDEN" || e.Type == "NOT_FOUND" {
			return &PermissionError{Op: op, Status: http.StatusOK, Message: e.Type + ": " + e.Message}
		}
		return fmt.Errorf("%s: GraphQL %s: %s", op, e.Type, e.Message)
	}
	if m := res.Data.MinimizeComment; m == nil || m.MinimizedComment == nil || !m.MinimizedComment.IsMinimized {
		return fmt.Errorf("%s: GraphQL answered without minimizing it", op)
	}
	return nil
}

func (p *Poster) graphQLURL() (string, error) {
	if p.GraphQLURL != "" {
		return p.GraphQLURL, nil
	}
	base := p.Client.BaseURL
	if base == nil {
		return "", errors.New("no GitHub API base URL")
	}
	u := *base
	if strings.HasSuffix(u.Path, "/api/v3/") {
		// GitHub Enterprise Server: REST at /api/v3, GraphQL at /api/graphql.
		u.Path = strings.TrimSuffix(u.Path, "v3/") + "graphql"
		return u.String(), nil
	}
	return u.ResolveReference(&url.URL{Path: "graphql"}).String(), nil
}

// withMarker makes sure body holds the marker line, as its first line when
// it had none.
func (p *Poster) withMarker(body string) string {
	if hasMarker(body, p.Marker) {
		return body
	}
	return p.Marker + "\n" + body
}

func (p *Poster) dry(what, body string) {
	p.logf("dry run: %s in %s/%s; body:\n%s", what, p.Owner, p.Repo, body)
	if !strings.HasSuffix(body, "\n") {
		p.logf("\n")
	}
}

func (p *Poster) logf(format string, args ...any) {
	if p.Log != nil {
		fmt.Fprintf(p.Log, format, args...)
	}
}

// hasMarker reports whether one line of body is the marker.
func hasMarker(body, marker string) bool {
	marker = strings.TrimSpace(marker)
	for _, line := range strings.Split(body, "\n") {
		if strings.TrimSpace(line) == marker {
			return true
		}
	}
	return false
}

// sameBody compares bodies as GitHub stores them (it may turn \n into
// \r\n and drop trailing blanks).
func sameBody(a, b string) bool {
	norm := func(s string) string {
		return strings.TrimRight(strings.ReplaceAll(s, "\r\n", "\n"), " \t\n")
	}
	return norm(a) == norm(b)
}

func sameLogin(a, b string) bool { return a != "" && strings.EqualFold(a, b) }

// writeErr classifies a failed write op on what (in p's repository): a
// 403 that is not a rate limit is a *PermissionError (the fork fallback:
// a fork's read-only token is answered 403); a 404 is an error saying
// what is missing, for GitHub answers 404 both to a wrong number and to a
// token that cannot see the repository, neither of which a fallback would
// fix; anything else is wrapped as is.
func (p *Poster) writeErr(op, what string, err error) error {
	var er *github.ErrorResponse
	if errors.As(err, &er) && er.Response != nil {
		switch er.Response.StatusCode {
		case http.StatusForbidden:
			return &PermissionError{Op: op, Status: er.Response.StatusCode, Message: er.Message}
		case http.StatusNotFound:
			repo := p.Owner + "/" + p.Repo
			msg := fmt.Sprintf("%s: 404 %s: no repository %s, or the token cannot see it", op, er.Message, repo)
			if what != "" {
				msg = fmt.Sprintf("%s: 404 %s: no %s in %s, or the token cannot see %s", op, er.Message, what, repo, repo)
			}
			return &notFoundError{msg: msg, err: err}
		}
	}
	return fmt.Errorf("%s: %w", op, err)
}

// notFoundError is a write answered 404 (see writeErr); it wraps
// go-github's *github.ErrorResponse.
type notFoundError struct {
	msg string
	err error
}

func (e *notFoundError) Error() string { return e.msg }
func (e *notFoundError) Unwrap() error { return e.err }
