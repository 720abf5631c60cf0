package action

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/capcheck/capcheck/internal/testkit/fakegithub"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-github/v60/github"
)

const (
	marker  = "<!-- capcheck:comment -->"
	newBody = marker + "\n**capcheck: fail**: 1 blocking finding\n"
	oldBody = marker + "\n**capcheck: pass**\n"
	// listPath is the comments of PR 12 in o/r.
	listPath = "/repos/o/r/issues/12/comments"
)

// comment is a comment as the REST API returns it.
func comment(id int, login, body string) string {
	return fmt.Sprintf(`{"id":%d,"node_id":"IC_%d","user":{"login":%q},"body":%s,"html_url":"https://github.com/o/r/pull/12#issuecomment-%d"}`,
		id, id, login, fakegithub.JSONString(body), id)
}

func list(items ...string) string { return "[" + strings.Join(items, ",") + "]" }

var (
	getUser   = fakegithub.Exchange{Method: "GET", Path: "/user", Reply: `{"login":"capbot"}`}
	listEmpty = fakegithub.Exchange{Method: "GET", Path: listPath, Query: "per_page=100", Reply: `[]`}
	createNew = fakegithub.Exchange{Method: "POST", Path: listPath, Body: `{"body":` + fakegithub.JSONString(newBody) + `}`, Status: 201,
		Reply: comment(99, "capbot", newBody)}
	// fork is what a read-only token gets for a write.
	forkDenied = `{"message":"Resource not accessible by integration","documentation_url":"https://docs.github.com/rest/issues/comments#create-an-issue-comment"}`
)

func minimizeBody(node string) string {
	return `{"query":` + fakegithub.JSONString(minimizeQuery) + `,"variables":{"id":"` + node + `"}}`
}

const minimized = `{"data":{"minimizeComment":{"minimizedComment":{"isMinimized":true}}}}`

func TestPost(t *testing.T) {
	tests := []struct {
		name     string
		behavior Behavior
		botLogin string
		dryRun   bool
		body     string
		script   []fakegithub.Exchange
		want     Outcome
		wantErr  string
		wantLog  string // substring of the dry run's log
	}{
		{
			name:   "create when none exists",
			script: []fakegithub.Exchange{getUser, listEmpty, createNew},
			want:   Outcome{Action: Created, ID: 99, URL: "https://github.com/o/r/pull/12#issuecomment-99"},
		},
		{
			// Page 1: 1 own unmarked, 2 own marked (older), 3 marked by
			// someone else. Page 2: 5 own marked (newest), 6 someone else's.
			// The newest own marked comment, 5, is edited; 2 is left alone.
			name: "update the newest own marked comment across two pages",
			script: []fakegithub.Exchange{
				getUser,
				{Method: "GET", Path: listPath, Query: "per_page=100",
					Header: map[string]string{"Link": `<{{server}}/repos/o/r/issues/12/comments?page=2&per_page=100>; rel="next", <{{server}}/repos/o/r/issues/12/comments?page=2&per_page=100>; rel="last"`},
					Reply:  list(comment(1, "capbot", "thanks!"), comment(2, "capbot", oldBody), comment(3, "mallory", oldBody))},
				{Method: "GET", Path: listPath, Query: "page=2&per_page=100",
					Reply: list(comment(5, "CapBot", oldBody), comment(6, "alice", "lgtm"))},
				{Method: "PATCH", Path: "/repos/o/r/issues/comments/5", Body: `{"body":` + fakegithub.JSONString(newBody) + `}`,
					Reply: comment(5, "capbot", newBody)},
			},
			want: Outcome{Action: Updated, ID: 5, URL: "https://github.com/o/r/pull/12#issuecomment-5"},
		},
		{
			name: "a marker planted by another user is ignored",
			script: []fakegithub.Exchange{
				getUser,
				{Method: "GET", Path: listPath, Query: "per_page=100",
					Reply: list(comment(7, "mallory", oldBody), comment(8, "mallory", "text "+marker+" text"))},
				createNew,
			},
			want: Outcome{Action: Created, ID: 99, URL: "https://github.com/o/r/pull/12#issuecomment-99"},
		},
		{
			// GitHub hands the body back with \r\n: still identical.
			name: "identical body is not re-posted",
			script: []fakegithub.Exchange{
				getUser,
				{Method: "GET", Path: listPath, Query: "per_page=100",
					Reply: list(comment(4, "capbot", strings.ReplaceAll(newBody, "\n", "\r\n")))},
			},
			want: Outcome{Action: Unchanged, ID: 4, URL: "https://github.com/o/r/pull/12#issuecomment-4"},
		},
		{
			name:     "a body without the marker gets it as its first line",
			body:     "**capcheck: fail**: 1 blocking finding\n",
			botLogin: "capbot",
			script:   []fakegithub.Exchange{listEmpty, createNew},
			want:     Outcome{Action: Created, ID: 99, URL: "https://github.com/o/r/pull/12#issuecomment-99"},
		},
		{
			name:     "new always creates, reading nothing",
			behavior: New,
			script:   []fakegithub.Exchange{createNew},
			want:     Outcome{Action: Created, ID: 99, URL: "https://github.com/o/r/pull/12#issuecomment-99"},
		},
		{
			name:     "hide-and-new creates then minimizes own marked comments",
			behavior: HideAndNew,
			script: []fakegithub.Exchange{
				getUser,
				{Method: "GET", Path: listPath, Query: "per_page=100",
					Reply: list(comment(2, "capbot", oldBody), comment(3, "mallory", oldBody), comment(5, "capbot", oldBody))},
				createNew,
				{Method: "POST", Path: "/graphql", Body: minimizeBody("IC_2"), Reply: minimized},
				{Method: "POST", Path: "/graphql", Body: minimizeBody("IC_5"), Reply: minimized},
			},
			want: Outcome{Action: HiddenAndCreated, ID: 99, URL: "https://github.com/o/r/pull/12#issuecomment-99", Replaced: []int64{2, 5}},
		},
		{
			name:     "hide-and-new with nothing to hide just creates",
			behavior: HideAndNew,
			script:   []fakegithub.Exchange{getUser, listEmpty, createNew},
			want:     Outcome{Action: Created, ID: 99, URL: "https://github.com/o/r/pull/12#issuecomment-99"},
		},
		{
			name:     "delete-and-new creates then deletes own marked comments",
			behavior: DeleteAndNew,
			script: []fakegithub.Exchange{
				getUser,
				{Method: "GET", Path: listPath, Query: "per_page=100",
					Reply: list(comment(5, "capbot", oldBody), comment(3, "mallory", oldBody), comment(2, "capbot", oldBody))},
				createNew,
				{Method: "DELETE", Path: "/repos/o/r/issues/comments/2", Status: 204},
				{Method: "DELETE", Path: "/repos/o/r/issues/comments/5", Status: 204},
			},
			want: Outcome{Action: DeletedAndCreated, ID: 99, URL: "https://github.com/o/r/pull/12#issuecomment-99", Replaced: []int64{2, 5}},
		},
		{
			name: "GET /user refused to an Actions token: github-actions[bot]",
			script: []fakegithub.Exchange{
				{Method: "GET", Path: "/user", Status: 403, Reply: `{"message":"Resource not accessible by integration"}`},
				{Method: "GET", Path: listPath, Query: "per_page=100",
					Reply: list(comment(2, "capbot", oldBody), comment(4, "github-actions[bot]", oldBody))},
				{Method: "PATCH", Path: "/repos/o/r/issues/comments/4", Body: `{"body":` + fakegithub.JSONString(newBody) + `}`,
					Reply: comment(4, "github-actions[bot]", newBody)},
			},
			want: Outcome{Action: Updated, ID: 4, URL: "https://github.com/o/r/pull/12#issuecomment-4"},
		},
		{
			name:     "an explicit --bot-login skips GET /user",
			botLogin: "capcheck-app[bot]",
			script: []fakegithub.Exchange{
				{Method: "GET", Path: listPath, Query: "per_page=100",
					Reply: list(comment(2, "capbot", oldBody), comment(4, "capcheck-app[bot]", oldBody))},
				{Method: "PATCH", Path: "/repos/o/r/issues/comments/4", Body: `{"body":` + fakegithub.JSONString(newBody) + `}`,
					Reply: comment(4, "capcheck-app[bot]", newBody)},
			},
			want: Outcome{Action: Updated, ID: 4, URL: "https://github.com/o/r/pull/12#issuecomment-4"},
		},
		{
			name:    "bad credentials on GET /user fail",
			script:  []fakegithub.Exchange{{Method: "GET", Path: "/user", Status: 401, Reply: `{"message":"Bad credentials"}`}},
			wantErr: "read the token's user (GET /user): GET {{server}}/user: 401 Bad credentials []",
		},
		{
			name:   "dry run update reads but writes nothing",
			dryRun: true,
			script: []fakegithub.Exchange{
				getUser,
				{Method: "GET", Path: listPath, Query: "per_page=100", Reply: list(comment(5, "capbot", oldBody))},
			},
			want:    Outcome{Action: Updated, ID: 5, URL: "https://github.com/o/r/pull/12#issuecomment-5", DryRun: true},
			wantLog: "dry run: would update comment 5 on #12 in o/r; body:\n" + newBody,
		},
		{
			name:     "dry run delete-and-new",
			behavior: DeleteAndNew,
			dryRun:   true,
			script: []fakegithub.Exchange{
				getUser,
				{Method: "GET", Path: listPath, Query: "per_page=100", Reply: list(comment(5, "capbot", oldBody))},
			},
			want:    Outcome{Action: DeletedAndCreated, Replaced: []int64{5}, DryRun: true},
			wantLog: "dry run: would create a comment on #12, then delete comments [5] in o/r; body:\n" + newBody,
		},
		{
			name: "a 422 is not retried",
			script: []fakegithub.Exchange{getUser, listEmpty,
				{Method: "POST", Path: listPath, Body: `{"body":` + fakegithub.JSONString(newBody) + `}`, Status: 422,
					Reply: `{"message":"Validation Failed","errors":[{"resource":"IssueComment","code":"custom","field":"body","message":"body is too long (maximum is 65536 characters)"}]}`}},
			wantErr: "create comment on #12: POST {{server}}/repos/o/r/issues/12/comments: 422 Validation Failed [{Resource:IssueComment Field:body Code:custom Message:body is too long (maximum is 65536 characters)}]",
		},
		{
			name:     "GraphQL FORBIDDEN is a permission error",
			behavior: HideAndNew,
			script: []fakegithub.Exchange{
				getUser,
				{Method: "GET", Path: listPath, Query: "per_page=100", Reply: list(comment(2, "capbot", oldBody))},
				createNew,
				{Method: "POST", Path: "/graphql", Body: minimizeBody("IC_2"),
					Reply: `{"data":{"minimizeComment":null},"errors":[{"type":"FORBIDDEN","message":"Resource not accessible by integration"}]}`},
			},
			wantErr: "hide comment 2: 200 FORBIDDEN: Resource not accessible by integration",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFake(t, tc.script...)
			var s sleeps
			var log bytes.Buffer
			body := tc.body
			if body == "" {
				body = newBody
			}
			p := &Poster{Client: client(t, f, &s), Owner: "o", Repo: "r", Marker: marker,
				Behavior: tc.behavior, BotLogin: tc.botLogin, DryRun: tc.dryRun, Log: &log}
			got, err := p.Post(context.Background(), 12, body)
			if tc.wantErr != "" {
				want := strings.ReplaceAll(tc.wantErr, "{{server}}", f.URL)
				if err == nil || err.Error() != want {
					t.Fatalf("Post() error = %v, want %s", err, want)
				}
				return
			}
			if err != nil {
				t.Fatalf("Post() error = %v", err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("Post() outcome (-want +got):\n%s", diff)
			}
			if len(s.d) != 0 {
				t.Errorf("slept %v, want no retry", s.d)
			}
			if !strings.Contains(log.String(), tc.wantLog) {
				t.Errorf("log = %q, want it to hold %q", log.String(), tc.wantLog)
			}
		})
	}
}

// TestPostNoPermission: a read-only token's first write fails with a
// *PermissionError, once (a 403 is not retried), and nothing else is
// written.
func TestPostNoPermission(t *testing.T) {
	tests := []struct {
		name     string
		behavior Behavior
		script   []fakegithub.Exchange
		wantErr  string
	}{
		{
			name: "create answered 403",
			script: []fakegithub.Exchange{getUser, listEmpty,
				{Method: "POST", Path: listPath, Body: `{"body":` + fakegithub.JSONString(newBody) + `}`, Status: 403, Reply: forkDenied}},
			wantErr: "create comment on #12: 403 Resource not accessible by integration",
		},
		{
			name:     "delete-and-new stops at the refused create",
			behavior: DeleteAndNew,
			script: []fakegithub.Exchange{getUser,
				{Method: "GET", Path: listPath, Query: "per_page=100", Reply: list(comment(5, "capbot", oldBody))},
				{Method: "POST", Path: listPath, Body: `{"body":` + fakegithub.JSONString(newBody) + `}`, Status: 403, Reply: forkDenied}},
			wantErr: "create comment on #12: 403 Resource not accessible by integration",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFake(t, tc.script...)
			var s sleeps
			p := &Poster{Client: client(t, f, &s), Owner: "o", Repo: "r", Marker: marker, Behavior: tc.behavior}
			_, err := p.Post(context.Background(), 12, newBody)
			if !errors.Is(err, ErrNoPermission) {
				t.Fatalf("Post() error = %v, want ErrNoPermission", err)
			}
			if err.Error() != tc.wantErr {
				t.Errorf("Post() error = %q, want %q", err, tc.wantErr)
			}
			if len(s.d) != 0 {
				t.Errorf("slept %v, want no retry", s.d)
			}
		})
	}
}

// TestPostRetries: retried answers with the waits taken (the sleep is
// injected, so nothing waits). testNow is Unix 1795262400.
func TestPostRetries(t *testing.T) {
	create := func(status int, header map[string]string, reply string) fakegithub.Exchange {
		return fakegithub.Exchange{Method: "POST", Path: listPath, Body: `{"body":` + fakegithub.JSONString(newBody) + `}`,
			Status: status, Header: header, Reply: reply}
	}
	secondary := `{"message":"You have exceeded a secondary rate limit. Please wait a few minutes before you try again.","documentation_url":"https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits"}`
	tests := []struct {
		name       string
		script     []fakegithub.Exchange
		wantSleeps []time.Duration
		wantErr    string
		wantErrAs  any
	}{
		{
			name: "502 then success",
			script: []fakegithub.Exchange{
				{Method: "GET", Path: "/user", Status: 502, Reply: `bad gateway`},
				getUser, listEmpty, createNew},
			wantSleeps: []time.Duration{time.Second},
		},
		{
			// Backoff 1s, 2s, 4s, each before the comments are listed to
			// look for the comment: it is not there, so the create body is
			// sent again.
			name: "three 5xx on create, each looked for, then success on the fourth attempt",
			script: []fakegithub.Exchange{getUser, listEmpty,
				create(503, nil, ``), listEmpty, create(500, nil, ``), listEmpty, create(504, nil, ``), listEmpty, createNew},
			wantSleeps: []time.Duration{time.Second, 2 * time.Second, 4 * time.Second},
		},
		{
			// After the fourth 502 the comments are listed once more: a
			// comment made by the last attempt would count.
			name: "four 502 exhaust the attempts",
			script: []fakegithub.Exchange{getUser, listEmpty,
				create(502, nil, `{"message":"Server Error"}`), listEmpty, create(502, nil, `{"message":"Server Error"}`), listEmpty,
				create(502, nil, `{"message":"Server Error"}`), listEmpty, create(502, nil, `{"message":"Server Error"}`), listEmpty},
			wantSleeps: []time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second},
			wantErr:    "create comment on #12: POST {{server}}/repos/o/r/issues/12/comments: 502 Server Error []",
		},
		{
			name: "503 with Retry-After is honoured",
			script: []fakegithub.Exchange{getUser, listEmpty,
				create(503, map[string]string{"Retry-After": "5"}, ``), listEmpty, createNew},
			wantSleeps: []time.Duration{5 * time.Second},
		},
		{
			name: "secondary rate limit with Retry-After",
			script: []fakegithub.Exchange{getUser, listEmpty,
				create(403, map[string]string{"Retry-After": "7"}, secondary), createNew},
			wantSleeps: []time.Duration{7 * time.Second},
		},
		{
			name: "secondary rate limit without Retry-After waits a minute",
			script: []fakegithub.Exchange{getUser, listEmpty,
				create(403, nil, secondary), createNew},
			wantSleeps: []time.Duration{time.Minute},
		},
		{
			name: "429 with Retry-After",
			script: []fakegithub.Exchange{getUser,
				{Method: "GET", Path: listPath, Query: "per_page=100", Status: 429, Header: map[string]string{"Retry-After": "3"}},
				listEmpty, createNew},
			wantSleeps: []time.Duration{3 * time.Second},
		},
		{
			// Reset 1795262420 is 20s after testNow; one second of slack.
			name: "primary rate limit with a near reset",
			script: []fakegithub.Exchange{
				{Method: "GET", Path: "/user", Status: 403,
					Header: map[string]string{"X-RateLimit-Limit": "5000", "X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "1795262420"},
					Reply:  `{"message":"API rate limit exceeded for user ID 1."}`},
				getUser, listEmpty, createNew},
			wantSleeps: []time.Duration{21 * time.Second},
		},
		{
			// Reset 1795266000 is an hour after testNow: beyond MaxWait.
			name: "primary rate limit with a far reset is not waited for",
			script: []fakegithub.Exchange{
				{Method: "GET", Path: "/user", Status: 403,
					Header: map[string]string{"X-RateLimit-Limit": "5000", "X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "1795266000"},
					Reply:  `{"message":"API rate limit exceeded for user ID 1."}`}},
			wantErrAs: new(*github.RateLimitError),
		},
		{
			name: "secondary rate limit asking for an hour is not waited for",
			script: []fakegithub.Exchange{getUser, listEmpty,
				create(403, map[string]string{"Retry-After": "3600"}, secondary)},
			wantErrAs: new(*github.AbuseRateLimitError),
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFake(t, tc.script...)
			var s sleeps
			p := &Poster{Client: client(t, f, &s), Owner: "o", Repo: "r", Marker: marker}
			got, err := p.Post(context.Background(), 12, newBody)
			switch {
			case tc.wantErrAs != nil:
				if !errors.As(err, tc.wantErrAs) {
					t.Fatalf("Post() error = %v (%T), want %T", err, err, tc.wantErrAs)
				}
				if errors.Is(err, ErrNoPermission) {
					t.Errorf("a rate limit is not a permission error: %v", err)
				}
			case tc.wantErr != "":
				want := strings.ReplaceAll(tc.wantErr, "{{server}}", f.URL)
				if err == nil || err.Error() != want {
					t.Fatalf("Post() error = %v, want %s", err, want)
				}
			default:
				if err != nil {
					t.Fatalf("Post() error = %v", err)
				}
				if got.Action != Created || got.ID != 99 {
					t.Errorf("Post() = %+v, want created 99", got)
				}
			}
			if diff := cmp.Diff(tc.wantSleeps, s.d); diff != "" {
				t.Errorf("sleeps (-want +got):\n%s", diff)
			}
		})
	}
}

func issueJSON(number int, login, body string, pr bool) string {
	extra := ""
	if pr {
		extra = `,"pull_request":{"url":"https://api.github.com/repos/o/r/pulls/` + fmt.Sprint(number) + `"}`
	}
	return fmt.Sprintf(`{"number":%d,"state":"open","user":{"login":%q},"body":%s,"html_url":"https://github.com/o/r/issues/%d"%s}`,
		number, login, fakegithub.JSONString(body), number, extra)
}

func TestPostIssue(t *testing.T) {
	const (
		im       = DefaultIssueMarker
		auditNew = im + "\n**capcheck audit**: drift 22%\n"
		auditOld = im + "\n**capcheck audit**: drift 3%\n"
	)
	// GET /user is refused to the Actions token: the creator is
	// github-actions[bot].
	userDenied := fakegithub.Exchange{Method: "GET", Path: "/user", Status: 403, Reply: `{"message":"Resource not accessible by integration"}`}
	listQuery := "creator=github-actions%5Bbot%5D&per_page=100&state=open"
	tests := []struct {
		name   string
		labels []string
		script []fakegithub.Exchange
		want   Outcome
	}{
		{
			// Page 1 holds a PR with the marker, an issue of ours without
			// it and one by someone else with it; page 2 nothing of ours.
			name:   "create when no open issue of ours holds the marker",
			labels: []string{"capacity", "audit"},
			script: []fakegithub.Exchange{userDenied,
				{Method: "GET", Path: "/repos/o/r/issues", Query: listQuery,
					Header: map[string]string{"Link": `<{{server}}/repos/o/r/issues?creator=github-actions%5Bbot%5D&page=2&per_page=100&state=open>; rel="next"`},
					Reply: list(issueJSON(30, "github-actions[bot]", auditOld, true), issueJSON(31, "github-actions[bot]", "release notes", false),
						issueJSON(32, "mallory", auditOld, false))},
				{Method: "GET", Path: "/repos/o/r/issues", Query: "creator=github-actions%5Bbot%5D&page=2&per_page=100&state=open", Reply: `[]`},
				{Method: "POST", Path: "/repos/o/r/issues", Status: 201,
					Body:  `{"title":"capcheck audit","body":` + fakegithub.JSONString(auditNew) + `,"labels":["capacity","audit"]}`,
					Reply: issueJSON(40, "github-actions[bot]", auditNew, false)},
			},
			want: Outcome{Action: Created, ID: 40, URL: "https://github.com/o/r/issues/40"},
		},
		{
			name: "create without labels sends none",
			script: []fakegithub.Exchange{userDenied,
				{Method: "GET", Path: "/repos/o/r/issues", Query: listQuery, Reply: `[]`},
				{Method: "POST", Path: "/repos/o/r/issues", Status: 201,
					Body:  `{"title":"capcheck audit","body":` + fakegithub.JSONString(auditNew) + `}`,
					Reply: issueJSON(40, "github-actions[bot]", auditNew, false)},
			},
			want: Outcome{Action: Created, ID: 40, URL: "https://github.com/o/r/issues/40"},
		},
		{
			name: "update the newest open issue of ours",
			script: []fakegithub.Exchange{userDenied,
				{Method: "GET", Path: "/repos/o/r/issues", Query: listQuery,
					Reply: list(issueJSON(42, "github-actions[bot]", auditOld, false), issueJSON(17, "github-actions[bot]", auditOld, false))},
				{Method: "PATCH", Path: "/repos/o/r/issues/42", Body: `{"body":` + fakegithub.JSONString(auditNew) + `}`,
					Reply: issueJSON(42, "github-actions[bot]", auditNew, false)},
			},
			want: Outcome{Action: Updated, ID: 42, URL: "https://github.com/o/r/issues/42"},
		},
		{
			name: "identical issue body is left alone",
			script: []fakegithub.Exchange{userDenied,
				{Method: "GET", Path: "/repos/o/r/issues", Query: listQuery,
					Reply: list(issueJSON(42, "github-actions[bot]", auditNew+"\n\n", false))},
			},
			want: Outcome{Action: Unchanged, ID: 42, URL: "https://github.com/o/r/issues/42"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFake(t, tc.script...)
			var s sleeps
			p := &Poster{Client: client(t, f, &s), Owner: "o", Repo: "r", Marker: im}
			got, err := p.PostIssue(context.Background(), "capcheck audit", tc.labels, auditNew)
			if err != nil {
				t.Fatalf("PostIssue() error = %v", err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("PostIssue() outcome (-want +got):\n%s", diff)
			}
		})
	}
}

func TestPostIssueNoPermission(t *testing.T) {
	f := newFake(t,
		fakegithub.Exchange{Method: "GET", Path: "/user", Reply: `{"login":"capbot"}`},
		fakegithub.Exchange{Method: "GET", Path: "/repos/o/r/issues", Query: "creator=capbot&per_page=100&state=open", Reply: `[]`},
		fakegithub.Exchange{Method: "POST", Path: "/repos/o/r/issues", Status: 403,
			Body:  `{"title":"capcheck audit","body":` + fakegithub.JSONString(DefaultIssueMarker+"\nbody\n") + `}`,
			Reply: forkDenied},
	)
	var s sleeps
	p := &Poster{Client: client(t, f, &s), Owner: "o", Repo: "r", Marker: DefaultIssueMarker}
	_, err := p.PostIssue(context.Background(), "capcheck audit", nil, "body\n")
	if !errors.Is(err, ErrNoPermission) || err.Error() != "open issue: 403 Resource not accessible by integration" {
		t.Fatalf("PostIssue() error = %v, want open issue: 403 …", err)
	}
}

func TestPostInvalid(t *testing.T) {
	f := newFake(t)
	var s sleeps
	c := client(t, f, &s)
	tests := []struct {
		name    string
		p       Poster
		number  int
		wantErr string
	}{
		{"no client", Poster{Owner: "o", Repo: "r", Marker: marker}, 1, "post: no GitHub client"},
		{"no repo", Poster{Client: c, Marker: marker}, 1, "post: no repository"},
		{"empty marker", Poster{Client: c, Owner: "o", Repo: "r"}, 1, `post: the marker "" must be one non-empty line`},
		{"two-line marker", Poster{Client: c, Owner: "o", Repo: "r", Marker: "a\nb"}, 1, `post: the marker "a\nb" must be one non-empty line`},
		{"no number", Poster{Client: c, Owner: "o", Repo: "r", Marker: marker}, 0, "post comment: no pull request number"},
		{"bad behavior", Poster{Client: c, Owner: "o", Repo: "r", Marker: marker, Behavior: "replace"}, 1,
			`unknown behavior "replace" (want update, new, hide-and-new or delete-and-new)`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := tc.p.Post(context.Background(), tc.number, "x")
			if err == nil || err.Error() != tc.wantErr {
				t.Errorf("Post() error = %v, want %s", err, tc.wantErr)
			}
		})
	}
}

func TestGraphQLURL(t *testing.T) {
	tests := []struct {
		name, api, want string
	}{
		{"github.com", "https://api.github.com/", "https://api.github.com/graphql"},
		{"GHES", "https://ghe.example.com/api/v3", "https://ghe.example.com/api/graphql"},
		{"proxy prefix", "http://127.0.0.1:8080/gh/", "http://127.0.0.1:8080/gh/graphql"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, err := NewClient(tc.api, "", http.DefaultTransport)
			if err != nil {
				t.Fatal(err)
			}
			got, err := (&Poster{Client: c}).graphQLURL()
			if err != nil || got != tc.want {
				t.Errorf("graphQLURL() = %q, %v, want %q", got, err, tc.want)
			}
		})
	}
}
