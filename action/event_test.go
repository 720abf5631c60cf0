package action

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/capcheck/capcheck/internal/testkit/fakegithub"
	"github.com/google/go-cmp/cmp"
)

const (
	headSHA  = "0123456789abcdef0123456789abcdef01234567"
	otherSHA = "89abcdef0123456789abcdef0123456789abcdef"
)

func TestParseEvent(t *testing.T) {
	tests := []struct {
		name    string
		event   string
		payload string
		want    *Event
		wantErr string
	}{
		{
			name:  "pull_request from a fork",
			event: "pull_request",
			payload: `{"action":"synchronize","number":12,"pull_request":{"number":12,"title":"$(rm -rf /)",
				"head":{"sha":"` + headSHA + `","ref":"feature","repo":{"full_name":"fork/r"}}},
				"repository":{"full_name":"o/r"}}`,
			want: &Event{Name: "pull_request", Number: 12, HeadSHA: headSHA, Repo: "o/r", HeadRepo: "fork/r", HeadBranch: "feature", Fork: true},
		},
		{
			name:  "pull_request_target from the same repository",
			event: "pull_request_target",
			payload: `{"number":7,"pull_request":{"number":7,"head":{"sha":"` + headSHA + `","ref":"main","repo":{"full_name":"O/R"}}},
				"repository":{"full_name":"o/r"}}`,
			want: &Event{Name: "pull_request_target", Number: 7, HeadSHA: headSHA, Repo: "o/r", HeadRepo: "O/R", HeadBranch: "main"},
		},
		{
			// A fork's run lists no pull request: --pr comes from the artifact.
			name:  "workflow_run for a fork",
			event: "workflow_run",
			payload: `{"workflow_run":{"head_sha":"` + headSHA + `","head_branch":"feature","pull_requests":[],
				"head_repository":{"full_name":"fork/r"}},"repository":{"full_name":"o/r"}}`,
			want: &Event{Name: "workflow_run", HeadSHA: headSHA, Repo: "o/r", HeadRepo: "fork/r", HeadBranch: "feature", Fork: true},
		},
		{
			name:  "workflow_run for a same-repository PR",
			event: "workflow_run",
			payload: `{"workflow_run":{"head_sha":"` + headSHA + `","head_branch":"feature","pull_requests":[{"number":9}],
				"head_repository":{"full_name":"o/r"}},"repository":{"full_name":"o/r"}}`,
			want: &Event{Name: "workflow_run", Number: 9, HeadSHA: headSHA, Repo: "o/r", HeadRepo: "o/r", HeadBranch: "feature"},
		},
		{
			name:    "schedule",
			event:   "schedule",
			payload: `{"schedule":"17 6 * * 1","repository":{"full_name":"o/r"}}`,
			want:    &Event{Name: "schedule", Repo: "o/r"},
		},
		{
			name:    "not JSON",
			event:   "pull_request",
			payload: `{"number":`,
			wantErr: "decode: unexpected end of JSON input",
		},
		{
			name:    "head sha with a newline",
			event:   "pull_request",
			payload: `{"pull_request":{"number":1,"head":{"sha":"abc\n::set-output"}}}`,
			wantErr: `head sha "abc\n::set-output" is not a commit id`,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseEvent(tc.event, []byte(tc.payload))
			if tc.wantErr != "" {
				if err == nil || err.Error() != tc.wantErr {
					t.Fatalf("ParseEvent() error = %v, want %s", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("ParseEvent() (-want +got):\n%s", diff)
			}
		})
	}
}

func TestReadEventMissing(t *testing.T) {
	_, err := ReadEvent("pull_request", filepath.Join(t.TempDir(), "event.json"))
	if err == nil || !strings.HasPrefix(err.Error(), "read GitHub event: open ") {
		t.Errorf("ReadEvent() error = %v, want read GitHub event: open …", err)
	}
}

func TestSplitRepo(t *testing.T) {
	tests := []struct {
		in          string
		owner, name string
		ok          bool
	}{
		{"capcheck/capcheck", "capcheck", "capcheck", true},
		{"my-org/infra.gpu_plans", "my-org", "infra.gpu_plans", true},
		{"", "", "", false},
		{"owner", "", "", false},
		{"o/r/extra", "", "", false},
		{"o/..", "", "", false},
		{"o/r?x=1", "", "", false},
		{"-o/r", "", "", false},
	}
	for _, tc := range tests {
		owner, name, err := SplitRepo(tc.in)
		if (err == nil) != tc.ok || owner != tc.owner || name != tc.name {
			t.Errorf("SplitRepo(%q) = %q, %q, %v; want %q, %q, ok=%v", tc.in, owner, name, err, tc.owner, tc.name, tc.ok)
		}
	}
}

func TestVerifyPR(t *testing.T) {
	run := &Event{Name: "workflow_run", HeadSHA: headSHA, HeadRepo: "fork/r", HeadBranch: "feature"}
	pr := func(sha, repo, ref string) string {
		return `{"number":12,"head":{"sha":"` + sha + `","ref":"` + ref + `","repo":{"full_name":"` + repo + `"}}}`
	}
	tests := []struct {
		name      string
		reply     string
		wantErr   string
		wantStale bool
	}{
		{name: "the run's PR", reply: pr(headSHA, "fork/r", "feature")},
		{
			name:      "the PR has moved on",
			reply:     pr(otherSHA, "fork/r", "feature"),
			wantErr:   "pull request #12 is at " + otherSHA + ", past the run's " + headSHA + ": the pull request has new commits",
			wantStale: true,
		},
		{
			name:    "another PR's number",
			reply:   pr(otherSHA, "someone/r", "main"),
			wantErr: "pull request #12 comes from someone/r:main, not from the run's fork/r:feature: refusing to comment",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFake(t, fakegithub.Exchange{Method: "GET", Path: "/repos/o/r/pulls/12", Reply: tc.reply})
			var s sleeps
			err := VerifyPR(context.Background(), client(t, f, &s), "o", "r", 12, run)
			if tc.wantErr == "" {
				if err != nil {
					t.Fatalf("VerifyPR() error = %v", err)
				}
				return
			}
			if err == nil || err.Error() != tc.wantErr {
				t.Fatalf("VerifyPR() error = %v, want %s", err, tc.wantErr)
			}
			if errors.Is(err, ErrStale) != tc.wantStale {
				t.Errorf("errors.Is(err, ErrStale) = %v, want %v", !tc.wantStale, tc.wantStale)
			}
		})
	}
}

func TestRetryAfterHeader(t *testing.T) {
	r := &Retry{Now: func() time.Time { return testNow }}
	tests := []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"7", 7 * time.Second, true},
		{" 0 ", 0, true},
		// testNow is 12:00:00 GMT; the date is 90 seconds later.
		{"Sat, 21 Nov 2026 12:01:30 GMT", 90 * time.Second, true},
		{"Sat, 21 Nov 2026 11:00:00 GMT", 0, true}, // in the past: retry now
		{"-3", 0, false},
		{"soon", 0, false},
		{"", 0, false},
	}
	for _, tc := range tests {
		got, ok := r.retryAfter(tc.in)
		if got != tc.want || ok != tc.ok {
			t.Errorf("retryAfter(%q) = %v, %v; want %v, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

func TestBackoff(t *testing.T) {
	// BaseDelay 1s doubling, capped at MaxDelay 5s.
	r := &Retry{BaseDelay: time.Second, MaxDelay: 5 * time.Second}
	want := []time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 5 * time.Second, 5 * time.Second}
	for i, w := range want {
		if got := r.backoff(i + 1); got != w {
			t.Errorf("backoff(%d) = %v, want %v", i+1, got, w)
		}
	}
}

func TestRunnerFiles(t *testing.T) {
	dir := t.TempDir()
	summary := filepath.Join(dir, "summary.md")
	if err := os.WriteFile(summary, []byte("## earlier step\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := AppendSummary(summary, "## capcheck"); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(summary); string(got) != "## earlier step\n## capcheck\n\n" {
		t.Errorf("summary = %q", got)
	}

	outputs := filepath.Join(dir, "outputs")
	if err := AppendOutputs(outputs, Output{"comment-outcome", "updated"}, Output{"comment-url", "https://github.com/o/r/pull/1#issuecomment-2"}); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(outputs); string(got) != "comment-outcome=updated\ncomment-url=https://github.com/o/r/pull/1#issuecomment-2\n" {
		t.Errorf("outputs = %q", got)
	}
	if err := AppendOutputs(outputs, Output{"x", "a\nverdict=pass"}); err == nil {
		t.Error("AppendOutputs accepted a value with a line break")
	}

	got := Warning("cap:check, x", "50% done\n::error::no")
	want := "::warning title=cap%3Acheck%2C x::50%25 done%0A::error::no\n"
	if got != want {
		t.Errorf("Warning() = %q, want %q", got, want)
	}
}
