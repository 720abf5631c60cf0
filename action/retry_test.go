package action

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/capcheck/capcheck/internal/testkit/fakegithub"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-github/v60/github"
)

// TestPostLostAnswer: a create whose answer is lost (a 5xx, a dropped
// connection, an attempt that times out) may have made the comment. It is
// never posted twice: after the wait the comments are listed, and only
// when no new own comment holds the marker and the body is it posted
// again. Idempotent writes (PATCH, DELETE, the minimize mutation) are
// sent again without looking.
func TestPostLostAnswer(t *testing.T) {
	create := func(status int) fakegithub.Exchange {
		return fakegithub.Exchange{Method: "POST", Path: listPath, Body: `{"body":` + fakegithub.JSONString(newBody) + `}`, Status: status,
			Reply: `{"message":"Server Error"}`}
	}
	lists := func(items ...string) fakegithub.Exchange {
		return fakegithub.Exchange{Method: "GET", Path: listPath, Query: "per_page=100", Reply: list(items...)}
	}
	const (
		look500 = "capcheck: GitHub API POST /repos/o/r/issues/12/comments: 500 Internal Server Error; it may have been made: looking for it in 1s (attempt 1 of 4)\n"
		found   = "capcheck: GitHub API POST /repos/o/r/issues/12/comments: found it made: not sending it again\n"
		again   = "capcheck: GitHub API POST /repos/o/r/issues/12/comments: not made; sending it again (attempt 2 of 4)\n"
	)
	created99 := Outcome{Action: Created, ID: 99, URL: "https://github.com/o/r/pull/12#issuecomment-99"}
	tests := []struct {
		name       string
		behavior   Behavior
		timeout    time.Duration // Retry.Timeout (DefaultTimeout when zero)
		script     []fakegithub.Exchange
		want       Outcome
		wantErr    string
		wantSleeps []time.Duration
		wantLog    string // "" = not checked
	}{
		{
			// The regression: a 500 on the create used to be re-posted 3
			// times without looking, making up to 4 comments.
			name:       "500 on create and the comment is there: not posted again",
			script:     []fakegithub.Exchange{getUser, listEmpty, create(500), lists(comment(99, "capbot", newBody))},
			want:       created99,
			wantSleeps: []time.Duration{time.Second},
			wantLog:    look500 + found,
		},
		{
			name:       "500 on create and only someone else's marked comment: posted again",
			script:     []fakegithub.Exchange{getUser, listEmpty, create(500), lists(comment(98, "mallory", newBody)), createNew},
			want:       created99,
			wantSleeps: []time.Duration{time.Second},
			wantLog:    look500 + again,
		},
		{
			name:       "500 on create and an own marked comment with another body: posted again",
			script:     []fakegithub.Exchange{getUser, listEmpty, create(500), lists(comment(97, "capbot", oldBody)), createNew},
			want:       created99,
			wantSleeps: []time.Duration{time.Second},
		},
		{
			name:     "delete-and-new: 502 on create, the new comment is there, the old one is deleted",
			behavior: DeleteAndNew,
			script: []fakegithub.Exchange{getUser, lists(comment(5, "capbot", oldBody)), create(502),
				lists(comment(5, "capbot", oldBody), comment(99, "capbot", newBody)),
				{Method: "DELETE", Path: "/repos/o/r/issues/comments/5", Status: 204}},
			want:       Outcome{Action: DeletedAndCreated, ID: 99, URL: "https://github.com/o/r/pull/12#issuecomment-99", Replaced: []int64{5}},
			wantSleeps: []time.Duration{time.Second},
		},
		{
			// Comment 5 already had the new body before the create: it is
			// not the one the lost create made.
			name:     "delete-and-new: an own comment listed before the create does not count",
			behavior: DeleteAndNew,
			script: []fakegithub.Exchange{getUser, lists(comment(5, "capbot", newBody)), create(500),
				lists(comment(5, "capbot", newBody)), createNew,
				{Method: "DELETE", Path: "/repos/o/r/issues/comments/5", Status: 204}},
			want:       Outcome{Action: DeletedAndCreated, ID: 99, URL: "https://github.com/o/r/pull/12#issuecomment-99", Replaced: []int64{5}},
			wantSleeps: []time.Duration{time.Second},
		},
		{
			name:       "new: 500 on create reads the token's user, then finds the comment",
			behavior:   New,
			script:     []fakegithub.Exchange{create(500), getUser, lists(comment(99, "capbot", newBody))},
			want:       created99,
			wantSleeps: []time.Duration{time.Second},
		},
		{
			name:       "connection lost after the create was sent: looked for, found",
			script:     []fakegithub.Exchange{getUser, listEmpty, {Method: "POST", Path: listPath, Body: `{"body":` + fakegithub.JSONString(newBody) + `}`, Drop: true}, lists(comment(99, "capbot", newBody))},
			want:       created99,
			wantSleeps: []time.Duration{time.Second},
		},
		{
			name:       "an attempt that times out: looked for, not found, posted again",
			timeout:    time.Second, // far above a local answer, so only the hung attempt times out
			script:     []fakegithub.Exchange{getUser, listEmpty, {Method: "POST", Path: listPath, Body: `{"body":` + fakegithub.JSONString(newBody) + `}`, Hang: true}, listEmpty, createNew},
			want:       created99,
			wantSleeps: []time.Duration{time.Second},
		},
		{
			name: "the look fails: an error, and nothing posted again",
			script: []fakegithub.Exchange{getUser, listEmpty, create(500),
				{Method: "GET", Path: listPath, Query: "per_page=100", Status: 401, Reply: `{"message":"Bad credentials"}`}},
			wantErr: `create comment on #12: Post "{{server}}/repos/o/r/issues/12/comments": 500 Internal Server Error, and whether it was made is unknown: ` +
				"list comments on #12: GET {{server}}/repos/o/r/issues/12/comments?per_page=100: 401 Bad credentials []",
			wantSleeps: []time.Duration{time.Second},
		},
		{
			name: "500 on edit is sent again: PATCH is idempotent",
			script: []fakegithub.Exchange{getUser, lists(comment(5, "capbot", oldBody)),
				{Method: "PATCH", Path: "/repos/o/r/issues/comments/5", Body: `{"body":` + fakegithub.JSONString(newBody) + `}`, Status: 500},
				{Method: "PATCH", Path: "/repos/o/r/issues/comments/5", Body: `{"body":` + fakegithub.JSONString(newBody) + `}`, Reply: comment(5, "capbot", newBody)}},
			want:       Outcome{Action: Updated, ID: 5, URL: "https://github.com/o/r/pull/12#issuecomment-5"},
			wantSleeps: []time.Duration{time.Second},
			wantLog:    "capcheck: GitHub API PATCH /repos/o/r/issues/comments/5: 500 Internal Server Error; retrying in 1s (attempt 2 of 4)\n",
		},
		{
			name:     "502 on delete is sent again",
			behavior: DeleteAndNew,
			script: []fakegithub.Exchange{getUser, lists(comment(5, "capbot", oldBody)), createNew,
				{Method: "DELETE", Path: "/repos/o/r/issues/comments/5", Status: 502},
				{Method: "DELETE", Path: "/repos/o/r/issues/comments/5", Status: 204}},
			want:       Outcome{Action: DeletedAndCreated, ID: 99, URL: "https://github.com/o/r/pull/12#issuecomment-99", Replaced: []int64{5}},
			wantSleeps: []time.Duration{time.Second},
		},
		{
			name:     "502 on the minimize mutation is sent again: minimizing twice is harmless",
			behavior: HideAndNew,
			script: []fakegithub.Exchange{getUser, lists(comment(5, "capbot", oldBody)), createNew,
				{Method: "POST", Path: "/graphql", Body: minimizeBody("IC_5"), Status: 502},
				{Method: "POST", Path: "/graphql", Body: minimizeBody("IC_5"), Reply: minimized}},
			want:       Outcome{Action: HiddenAndCreated, ID: 99, URL: "https://github.com/o/r/pull/12#issuecomment-99", Replaced: []int64{5}},
			wantSleeps: []time.Duration{time.Second},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFake(t, tc.script...)
			var s sleeps
			var log bytes.Buffer
			c, err := NewClient(f.URL, "tok", &Retry{Sleep: s.sleep, Now: func() time.Time { return testNow }, Timeout: tc.timeout, Log: &log})
			if err != nil {
				t.Fatal(err)
			}
			p := &Poster{Client: c, Owner: "o", Repo: "r", Marker: marker, Behavior: tc.behavior}
			got, err := p.Post(context.Background(), 12, newBody)
			if tc.wantErr != "" {
				if want := strings.ReplaceAll(tc.wantErr, "{{server}}", f.URL); err == nil || err.Error() != want {
					t.Fatalf("Post() error = %v, want %s", err, want)
				}
			} else if err != nil {
				t.Fatalf("Post() error = %v", err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("Post() outcome (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tc.wantSleeps, s.d); diff != "" {
				t.Errorf("sleeps (-want +got):\n%s", diff)
			}
			if tc.wantLog != "" && log.String() != tc.wantLog {
				t.Errorf("log = %q, want %q", log.String(), tc.wantLog)
			}
		})
	}
}

// TestPostIssueLostAnswer: the audit issue is not opened twice either.
func TestPostIssueLostAnswer(t *testing.T) {
	const body = DefaultIssueMarker + "\n**capcheck audit**: drift 22%\n"
	listIssues := func(reply string) fakegithub.Exchange {
		return fakegithub.Exchange{Method: "GET", Path: "/repos/o/r/issues", Query: "creator=capbot&per_page=100&state=open", Reply: reply}
	}
	open := func(status int, reply string) fakegithub.Exchange {
		return fakegithub.Exchange{Method: "POST", Path: "/repos/o/r/issues", Status: status,
			Body: `{"title":"capcheck audit","body":` + fakegithub.JSONString(body) + `}`, Reply: reply}
	}
	tests := []struct {
		name   string
		script []fakegithub.Exchange
		want   Outcome
	}{
		{
			name: "503 on open and the issue is there: not opened again",
			script: []fakegithub.Exchange{getUser, listIssues(`[]`), open(503, `{"message":"Service Unavailable"}`),
				listIssues(list(issueJSON(41, "capbot", body, false)))},
			want: Outcome{Action: Created, ID: 41, URL: "https://github.com/o/r/issues/41"},
		},
		{
			name: "503 on open and no issue: opened again",
			script: []fakegithub.Exchange{getUser, listIssues(`[]`), open(503, `{"message":"Service Unavailable"}`),
				listIssues(list(issueJSON(40, "mallory", body, false))), open(201, issueJSON(41, "capbot", body, false))},
			want: Outcome{Action: Created, ID: 41, URL: "https://github.com/o/r/issues/41"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFake(t, tc.script...)
			var s sleeps
			p := &Poster{Client: client(t, f, &s), Owner: "o", Repo: "r", Marker: DefaultIssueMarker}
			got, err := p.PostIssue(context.Background(), "capcheck audit", nil, body)
			if err != nil {
				t.Fatalf("PostIssue() error = %v", err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("PostIssue() outcome (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff([]time.Duration{time.Second}, s.d); diff != "" {
				t.Errorf("sleeps (-want +got):\n%s", diff)
			}
		})
	}
}

// TestWriteNotFound: a write answered 404 is an error saying what is
// missing, never the fork fallback (a fork's read-only token is answered
// 403), and it is not retried.
func TestWriteNotFound(t *testing.T) {
	notFound := `{"message":"Not Found","documentation_url":"https://docs.github.com/rest/issues/comments#create-an-issue-comment"}`
	tests := []struct {
		name    string
		issue   bool
		script  []fakegithub.Exchange
		wantErr string
	}{
		{
			name: "create answered 404",
			script: []fakegithub.Exchange{getUser, listEmpty,
				{Method: "POST", Path: listPath, Body: `{"body":` + fakegithub.JSONString(newBody) + `}`, Status: 404, Reply: notFound}},
			wantErr: "create comment on #12: 404 Not Found: no issue or pull request #12 in o/r, or the token cannot see o/r",
		},
		{
			name: "edit answered 404",
			script: []fakegithub.Exchange{getUser,
				{Method: "GET", Path: listPath, Query: "per_page=100", Reply: list(comment(5, "capbot", oldBody))},
				{Method: "PATCH", Path: "/repos/o/r/issues/comments/5", Body: `{"body":` + fakegithub.JSONString(newBody) + `}`, Status: 404, Reply: notFound}},
			wantErr: "update comment 5 on #12: 404 Not Found: no comment 5 in o/r, or the token cannot see o/r",
		},
		{
			name:  "open issue answered 404",
			issue: true,
			script: []fakegithub.Exchange{getUser,
				{Method: "GET", Path: "/repos/o/r/issues", Query: "creator=capbot&per_page=100&state=open", Reply: `[]`},
				{Method: "POST", Path: "/repos/o/r/issues", Status: 404, Reply: notFound,
					Body: `{"title":"capcheck audit","body":` + fakegithub.JSONString(newBody) + `}`}},
			wantErr: "open issue: 404 Not Found: no repository o/r, or the token cannot see it",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFake(t, tc.script...)
			var s sleeps
			p := &Poster{Client: client(t, f, &s), Owner: "o", Repo: "r", Marker: marker}
			var err error
			if tc.issue {
				_, err = p.PostIssue(context.Background(), "capcheck audit", nil, newBody)
			} else {
				_, err = p.Post(context.Background(), 12, newBody)
			}
			if err == nil || err.Error() != tc.wantErr {
				t.Fatalf("error = %v, want %s", err, tc.wantErr)
			}
			if errors.Is(err, ErrNoPermission) {
				t.Errorf("a 404 is a permission error (the fork fallback): %v", err)
			}
			var er *github.ErrorResponse
			if !errors.As(err, &er) || er.Response.StatusCode != 404 {
				t.Errorf("error %v does not wrap the 404 *github.ErrorResponse", err)
			}
			if len(s.d) != 0 {
				t.Errorf("slept %v, want no retry", s.d)
			}
		})
	}
}
