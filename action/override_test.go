package action

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/capcheck/capcheck/internal/testkit/fakegithub"
	"github.com/google/go-cmp/cmp"
)

func TestVerifyOverride(t *testing.T) {
	const (
		label   = "capcheck-override"
		issue   = "/repos/o/r/issues/12"
		events  = "/repos/o/r/issues/12/events"
		council = "/orgs/acme/teams/capacity-council/memberships/"
		sre     = "/orgs/acme/teams/sre/memberships/"
	)
	teams := []string{"acme/capacity-council", "acme/sre"}
	withLabel := fakegithub.Exchange{Method: "GET", Path: issue,
		Reply: `{"number":12,"user":{"login":"bob"},"labels":[{"name":"gpu"},{"name":"CapCheck-Override"}],"pull_request":{"url":"u"}}`}
	withoutLabel := fakegithub.Exchange{Method: "GET", Path: issue,
		Reply: `{"number":12,"user":{"login":"bob"},"labels":[{"name":"gpu"}],"pull_request":{"url":"u"}}`}
	ev := func(event, login, typ, name, at string) string {
		return `{"event":"` + event + `","actor":{"login":"` + login + `","type":"` + typ + `"},"label":{"name":"` + name + `"},"created_at":"` + at + `"}`
	}
	page := func(query string, evs ...string) fakegithub.Exchange {
		return fakegithub.Exchange{Method: "GET", Path: events, Query: query, Reply: "[" + strings.Join(evs, ",") + "]"}
	}
	member := func(path, state string) fakegithub.Exchange {
		return fakegithub.Exchange{Method: "GET", Path: path, Reply: `{"state":"` + state + `","role":"member"}`}
	}
	// notMember is a 404 for a membership; visible is the team answering
	// next, which shows the token can see it (so the 404 means "not a
	// member").
	notMember := func(path string) fakegithub.Exchange {
		return fakegithub.Exchange{Method: "GET", Path: path, Status: 404, Reply: `{"message":"Not Found"}`}
	}
	visible := func(slug string) fakegithub.Exchange {
		return fakegithub.Exchange{Method: "GET", Path: "/orgs/acme/teams/" + slug, Reply: `{"id":1,"slug":"` + slug + `"}`}
	}
	at := func(s string) time.Time {
		tm, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return tm
	}

	for _, tc := range []struct {
		name    string
		teams   []string
		script  []fakegithub.Exchange
		want    Override
		wantErr string // "{{server}}" is the fake's URL
		sleeps  []time.Duration
	}{
		{
			// mallory's application was removed and alice applied it again:
			// alice's is the latest labeled event. She is not in the
			// council (404) but active in sre, the second team.
			name: "applied by an active member of the second team",
			script: []fakegithub.Exchange{
				withLabel,
				page("per_page=100",
					ev("labeled", "carol", "User", "gpu", "2026-11-20T08:00:00Z"),
					ev("labeled", "mallory", "User", label, "2026-11-20T09:00:00Z"),
					ev("unlabeled", "dave", "User", label, "2026-11-20T09:05:00Z"),
					ev("labeled", "alice", "User", label, "2026-11-20T10:00:00Z"),
					`{"event":"head_ref_force_pushed","actor":{"login":"bob","type":"User"},"created_at":"2026-11-20T11:00:00Z"}`),
				notMember(council + "alice"), visible("capacity-council"),
				member(sre+"alice", "active"),
			},
			want: Override{Applied: true, By: "alice", Team: "acme/sre", At: at("2026-11-20T10:00:00Z")},
		},
		{
			name: "applied by the PR author who is in the council",
			script: []fakegithub.Exchange{
				withLabel,
				page("per_page=100", ev("labeled", "bob", "User", label, "2026-11-20T10:00:00Z")),
				member(council+"bob", "active"),
			},
			want: Override{Applied: true, By: "bob", Team: "acme/capacity-council", At: at("2026-11-20T10:00:00Z")},
		},
		{
			name: "applied by a non-member",
			script: []fakegithub.Exchange{
				withLabel,
				page("per_page=100", ev("labeled", "mallory", "User", label, "2026-11-20T10:00:00Z")),
				notMember(council + "mallory"), visible("capacity-council"),
				notMember(sre + "mallory"), visible("sre"),
			},
			want: Override{By: "mallory", At: at("2026-11-20T10:00:00Z"),
				Reason: `label "capcheck-override" was applied by @mallory on 2026-11-20T10:00:00Z, who is not an active member of acme/capacity-council, acme/sre`},
		},
		{
			// A member applied it first; the latest application is a
			// non-member's, and that is the one that counts.
			name: "re-applied by a non-member after a member",
			script: []fakegithub.Exchange{
				withLabel,
				page("per_page=100",
					ev("labeled", "alice", "User", label, "2026-11-20T09:00:00Z"),
					ev("unlabeled", "mallory", "User", label, "2026-11-20T09:30:00Z"),
					ev("labeled", "mallory", "User", label, "2026-11-20T09:31:00Z")),
				notMember(council + "mallory"), visible("capacity-council"),
				notMember(sre + "mallory"), visible("sre"),
			},
			want: Override{By: "mallory", At: at("2026-11-20T09:31:00Z"),
				Reason: `label "capcheck-override" was applied by @mallory on 2026-11-20T09:31:00Z, who is not an active member of acme/capacity-council, acme/sre`},
		},
		{
			name: "pending membership",
			script: []fakegithub.Exchange{
				withLabel,
				page("per_page=100", ev("labeled", "alice", "User", label, "2026-11-20T10:00:00Z")),
				member(council+"alice", "pending"),
				notMember(sre + "alice"), visible("sre"),
			},
			want: Override{By: "alice", At: at("2026-11-20T10:00:00Z"),
				Reason: `label "capcheck-override" was applied by @alice on 2026-11-20T10:00:00Z, who is not an active member of acme/capacity-council, acme/sre (membership of acme/capacity-council is pending)`},
		},
		{
			// No membership is asked: the label is gone.
			name: "removed after a member applied it",
			script: []fakegithub.Exchange{
				withoutLabel,
				page("per_page=100",
					ev("labeled", "alice", "User", label, "2026-11-20T10:00:00Z"),
					ev("unlabeled", "bob", "User", label, "2026-11-20T10:30:00Z")),
			},
			want: Override{By: "alice", At: at("2026-11-20T10:00:00Z"),
				Reason: `label "capcheck-override" was applied by @alice on 2026-11-20T10:00:00Z but is no longer on pull request #12`},
		},
		{
			name: "never applied",
			script: []fakegithub.Exchange{
				withoutLabel,
				page("per_page=100", ev("labeled", "carol", "User", "gpu", "2026-11-20T08:00:00Z")),
			},
			want: Override{Reason: `label "capcheck-override" is not on pull request #12`},
		},
		{
			// The latest labeled event is on page 2 (mallory's on page 1 is
			// older); the Link header names page 2.
			name: "latest application on the second page",
			script: []fakegithub.Exchange{
				withLabel,
				{Method: "GET", Path: events, Query: "per_page=100",
					Header: map[string]string{"Link": `<{{server}}/repos/o/r/issues/12/events?page=2&per_page=100>; rel="next", <{{server}}/repos/o/r/issues/12/events?page=2&per_page=100>; rel="last"`},
					Reply:  "[" + ev("labeled", "mallory", "User", label, "2026-11-20T09:00:00Z") + "]"},
				page("page=2&per_page=100",
					ev("unlabeled", "dave", "User", label, "2026-11-20T09:05:00Z"),
					ev("labeled", "alice", "User", label, "2026-11-20T10:00:00Z")),
				member(council+"alice", "active"),
			},
			want: Override{Applied: true, By: "alice", Team: "acme/capacity-council", At: at("2026-11-20T10:00:00Z")},
		},
		{
			name: "applied by an App",
			script: []fakegithub.Exchange{
				withLabel,
				page("per_page=100", ev("labeled", "github-actions[bot]", "Bot", label, "2026-11-20T10:00:00Z")),
			},
			want: Override{By: "github-actions[bot]", At: at("2026-11-20T10:00:00Z"),
				Reason: `label "capcheck-override" was applied by @github-actions[bot] on 2026-11-20T10:00:00Z, an App or bot, which cannot be a member of acme/capacity-council, acme/sre`},
		},
		{
			name: "on the PR without a labeled event",
			script: []fakegithub.Exchange{
				withLabel,
				page("per_page=100"),
			},
			want: Override{Reason: `label "capcheck-override" is on pull request #12 but no labeled event for it was found, so who applied it is unknown`},
		},
		{
			// Four tries with backoff 1s, 2s, 4s, then go-github's error.
			name: "API 500 after retries",
			script: []fakegithub.Exchange{
				{Method: "GET", Path: issue, Status: 500, Reply: `{"message":"boom"}`},
				{Method: "GET", Path: issue, Status: 500, Reply: `{"message":"boom"}`},
				{Method: "GET", Path: issue, Status: 500, Reply: `{"message":"boom"}`},
				{Method: "GET", Path: issue, Status: 500, Reply: `{"message":"boom"}`},
			},
			wantErr: "verify override: read pull request #12: GET {{server}}/repos/o/r/issues/12: 500 boom []",
			sleeps:  []time.Duration{time.Second, 2 * time.Second, 4 * time.Second},
		},
		{
			// A token that cannot read the team is no "not a member": it
			// fails closed as an error.
			name: "membership forbidden",
			script: []fakegithub.Exchange{
				withLabel,
				page("per_page=100", ev("labeled", "alice", "User", label, "2026-11-20T10:00:00Z")),
				{Method: "GET", Path: council + "alice", Status: 403, Reply: `{"message":"Resource not accessible by integration"}`},
			},
			wantErr: "verify override: membership of @alice in acme/capacity-council: GET {{server}}/orgs/acme/teams/capacity-council/memberships/alice: 403 Resource not accessible by integration []",
		},
		{
			// Actions' GITHUB_TOKEN gets 404 for every membership and for
			// the team itself: an error, never "not a member".
			name: "team not visible to the token",
			script: []fakegithub.Exchange{
				withLabel,
				page("per_page=100", ev("labeled", "alice", "User", label, "2026-11-20T10:00:00Z")),
				notMember(council + "alice"),
				{Method: "GET", Path: "/orgs/acme/teams/capacity-council", Status: 404, Reply: `{"message":"Not Found"}`},
			},
			wantErr: "verify override: team acme/capacity-council not found, or the token cannot read it (it needs organization members read, which Actions' GITHUB_TOKEN lacks)",
		},
		{
			name: "team read forbidden",
			script: []fakegithub.Exchange{
				withLabel,
				page("per_page=100", ev("labeled", "alice", "User", label, "2026-11-20T10:00:00Z")),
				notMember(council + "alice"),
				{Method: "GET", Path: "/orgs/acme/teams/capacity-council", Status: 403, Reply: `{"message":"Must have admin rights"}`},
			},
			wantErr: "verify override: read team acme/capacity-council: GET {{server}}/orgs/acme/teams/capacity-council: 403 Must have admin rights []",
		},
		{
			name: "events fail",
			script: []fakegithub.Exchange{
				withLabel,
				{Method: "GET", Path: events, Query: "per_page=100", Status: 404, Reply: `{"message":"Not Found"}`},
			},
			wantErr: "verify override: read events of pull request #12: GET {{server}}/repos/o/r/issues/12/events?per_page=100: 404 Not Found []",
		},
		{
			name: "unknown membership state",
			script: []fakegithub.Exchange{
				withLabel,
				page("per_page=100", ev("labeled", "alice", "User", label, "2026-11-20T10:00:00Z")),
				member(council+"alice", "suspended"),
			},
			wantErr: `verify override: membership of @alice in acme/capacity-council: unknown state "suspended"`,
		},
		{
			name:    "malformed team",
			teams:   []string{"acme/capacity-council", "capacity-council"},
			wantErr: `verify override: team "capacity-council": want org/team-slug`,
		},
		{
			name:    "team path escape",
			teams:   []string{"acme/.."},
			wantErr: `verify override: team "acme/..": want org/team-slug`,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFake(t, tc.script...)
			var s sleeps
			tt := tc.teams
			if tt == nil {
				tt = teams
			}
			got, err := VerifyOverride(context.Background(), client(t, f, &s), "o", "r", 12, label, tt)
			if tc.wantErr != "" {
				want := strings.ReplaceAll(tc.wantErr, "{{server}}", f.URL)
				if err == nil || err.Error() != want {
					t.Fatalf("VerifyOverride() error = %v, want %s", err, want)
				}
				if got != (Override{}) {
					t.Errorf("VerifyOverride() = %+v with an error, want the zero Override", got)
				}
			} else if err != nil {
				t.Fatalf("VerifyOverride() error = %v", err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("VerifyOverride() (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tc.sleeps, s.d); diff != "" {
				t.Errorf("retry waits (-want +got):\n%s", diff)
			}
		})
	}
}

func TestVerifyOverrideArguments(t *testing.T) {
	for _, tc := range []struct {
		name    string
		number  int
		label   string
		teams   []string
		wantErr string
	}{
		{name: "no PR", number: 0, label: "x", teams: []string{"a/b"}, wantErr: "verify override: pull request number 0"},
		{name: "empty label", number: 1, label: " ", teams: []string{"a/b"}, wantErr: "verify override: empty label"},
		{name: "no team", number: 1, label: "x", wantErr: "verify override: no team may apply the label"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFake(t) // no request may be made
			_, err := VerifyOverride(context.Background(), client(t, f, &sleeps{}), "o", "r", tc.number, tc.label, tc.teams)
			if err == nil || err.Error() != tc.wantErr {
				t.Errorf("VerifyOverride() error = %v, want %s", err, tc.wantErr)
			}
		})
	}
}

// BenchmarkVerifyOverride is one verification on a PR with 250 events
// (three pages, the override label applied last on page 3) by a member of
// the second of two teams: GET issue, three event pages, a 404 membership,
// GET team, an active membership — seven requests over loopback.
func BenchmarkVerifyOverride(b *testing.B) {
	pages := benchPages(250, func(n int) string {
		at := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(n) * time.Minute).Format(time.RFC3339)
		event, login, name := "labeled", "carol", "gpu"
		if n == 250 {
			login, name = "alice", "capcheck-override"
		}
		return fmt.Sprintf(`{"event":%q,"actor":{"login":%q,"type":"User"},"label":{"name":%q},"created_at":%q}`, event, login, name, at)
	})
	c := benchClient(b, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch r.URL.Path {
		case "/repos/o/r/issues/12":
			io.WriteString(w, `{"number":12,"labels":[{"name":"capcheck-override"}]}`)
		case "/repos/o/r/issues/12/events":
			servePage(w, r, pages)
		case "/orgs/acme/teams/council/memberships/alice":
			w.WriteHeader(http.StatusNotFound)
			io.WriteString(w, `{"message":"Not Found"}`)
		case "/orgs/acme/teams/council":
			io.WriteString(w, `{"id":1,"slug":"council"}`)
		case "/orgs/acme/teams/sre/memberships/alice":
			io.WriteString(w, `{"state":"active"}`)
		default:
			w.WriteHeader(http.StatusTeapot)
		}
	})
	ctx := context.Background()
	teams := []string{"acme/council", "acme/sre"}
	for b.Loop() {
		o, err := VerifyOverride(ctx, c, "o", "r", 12, "capcheck-override", teams)
		if err != nil || !o.Applied || o.By != "alice" || o.Team != "acme/sre" {
			b.Fatalf("VerifyOverride() = %+v, %v", o, err)
		}
	}
}
