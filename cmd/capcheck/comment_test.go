package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"unicode/utf16"

	"github.com/capcheck/capcheck/internal/diag"
	"github.com/capcheck/capcheck/internal/testkit/fakegithub"
	"github.com/capcheck/capcheck/policies"
	"github.com/capcheck/capcheck/report"
)

// newFakeAPI serves script in order (see [fakegithub.Exchange]) to
// requests that carry the token githubEnv sets, failing t on any request
// out of script and, at cleanup, on an exchange that never came.
func newFakeAPI(t *testing.T, script ...fakegithub.Exchange) *fakegithub.Server {
	t.Helper()
	return fakegithub.New(t, "Bearer secret-token", script...)
}

const (
	prHead   = "0123456789abcdef0123456789abcdef01234567"
	newerSHA = "89abcdef0123456789abcdef0123456789abcdef"
)

// githubEnv clears every variable `comment github` reads, then sets a
// pull_request run of PR 12 in o/r at prHead with a job summary and step
// outputs; it returns the summary and outputs paths.
func githubEnv(t *testing.T, eventName, event string) (summary, outputs string) {
	t.Helper()
	dir := t.TempDir()
	for _, k := range []string{"GITHUB_EVENT_PATH", "GITHUB_EVENT_NAME", "GITHUB_REPOSITORY", "GITHUB_SHA",
		"GITHUB_SERVER_URL", "GITHUB_API_URL", "GITHUB_GRAPHQL_URL", "GITHUB_STEP_SUMMARY", "GITHUB_OUTPUT", "GITHUB_TOKEN"} {
		t.Setenv(k, "")
	}
	eventPath := filepath.Join(dir, "event.json")
	if err := os.WriteFile(eventPath, []byte(event), 0o644); err != nil {
		t.Fatal(err)
	}
	summary, outputs = filepath.Join(dir, "summary.md"), filepath.Join(dir, "outputs")
	t.Setenv("GITHUB_EVENT_NAME", eventName)
	t.Setenv("GITHUB_EVENT_PATH", eventPath)
	t.Setenv("GITHUB_REPOSITORY", "o/r")
	t.Setenv("GITHUB_SHA", "ffffffffffffffffffffffffffffffffffffffff") // the merge commit: not for links
	t.Setenv("GITHUB_STEP_SUMMARY", summary)
	t.Setenv("GITHUB_OUTPUT", outputs)
	t.Setenv("GITHUB_TOKEN", "secret-token")
	return summary, outputs
}

const prEvent = `{"number":12,"pull_request":{"number":12,"head":{"sha":"` + prHead + `","ref":"feature","repo":{"full_name":"o/r"}}},"repository":{"full_name":"o/r"}}`

var (
	exampleOnce   sync.Once
	exampleResult []byte
	exampleErr    string
)

// exampleCheck is `capcheck check --format json` on the bundled example
// (--no-fail: the example fails CAP002, which a comment fixture need not
// care about).
func exampleCheck(t *testing.T) *report.Check {
	t.Helper()
	exampleOnce.Do(func() {
		out := filepath.Join(os.TempDir(), fmt.Sprintf("capcheck-comment-test-%d.json", os.Getpid()))
		defer os.Remove(out)
		var stderr bytes.Buffer
		code := run(context.Background(), []string{"check", "--now", "2026-11-21", "--no-fail", "--path-prefix", ".", "--format", "json", "--out-file", out, "../../testdata/example"},
			strings.NewReader(""), io.Discard, &stderr)
		if code != exitPass {
			exampleErr = fmt.Sprintf("check exit %d: %s", code, stderr.String())
			return
		}
		exampleResult, _ = os.ReadFile(out)
	})
	if exampleErr != "" {
		t.Fatal(exampleErr)
	}
	c, err := report.ReadCheck(bytes.NewReader(exampleResult))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// bigCheck is the example's result with 48 more warnings whose messages
// have 1,203 characters (13 + 9 × 132 + 3); each renders to about 1,340
// with its rule, position and link, so 48 of them add about 64,300
// characters to the example's ~6,200: about 70,500, over the comment's
// 60,000.
func bigCheck(t *testing.T) *report.Check {
	c := exampleCheck(t)
	for i := range 48 {
		c.Findings = append(c.Findings, policies.Finding{
			Rule: "CAP900", Level: "warn", Enforcement: "advisory", Target: fmt.Sprintf("pool/p%02d", i),
			Msg:   fmt.Sprintf("finding %02d: ", i) + strings.Repeat("headroom ", 132) + "end",
			Range: diag.Pos{File: "capacity/llm-platform.cue", Line: 10 + i, Column: 3}.Range(),
		})
	}
	return c
}

func writeResult(t *testing.T, c *report.Check) string {
	t.Helper()
	var buf bytes.Buffer
	if err := report.Write(&buf, "json", c, report.Options{}); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "result.json")
	if err := os.WriteFile(p, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func markdown(t *testing.T, c *report.Check, opts report.Options) string {
	t.Helper()
	var buf bytes.Buffer
	if err := report.Write(&buf, "markdown", c, opts); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

// runComment_ runs `capcheck comment args…` in-process.
func runComment_(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	return runCLI(t, append([]string{"comment"}, args...)...)
}

// utf16Len counts as GitHub limits a comment body: in UTF-16 code units,
// counted here by the standard library, apart from report's own count.
func utf16Len(s string) int { return len(utf16.Encode([]rune(s))) }

// checkMarkdownShape fails when body is not whole Markdown: an odd number
// of code fences, unbalanced <details>, or a table row cut short.
func checkMarkdownShape(t *testing.T, body string) {
	t.Helper()
	fences := 0
	for _, line := range strings.Split(body, "\n") {
		if strings.HasPrefix(line, "```") {
			fences++
		}
		if strings.HasPrefix(line, "|") && !strings.HasSuffix(line, "|") {
			t.Errorf("table row cut short: %.80q", line)
		}
	}
	if fences%2 != 0 {
		t.Errorf("%d code fence lines: one is open", fences)
	}
	if o, c := strings.Count(body, "<details>"), strings.Count(body, "</details>"); o != c {
		t.Errorf("%d <details> and %d </details>", o, c)
	}
}

// TestCommentGitHubLarge posts a ~70,000-character report: the comment is
// cut to at most 60,000 characters, still whole Markdown, while the job
// summary gets everything.
func TestCommentGitHubLarge(t *testing.T) {
	summary, outputs := githubEnv(t, "pull_request", prEvent)
	c := bigCheck(t)
	result := writeResult(t, c)
	opts := report.Options{Repo: "o/r", SHA: prHead, ServerURL: "https://github.com"}
	want := markdown(t, c, opts)
	opts.MaxChars = 1000000
	full := markdown(t, c, opts)
	if n := utf16Len(full); n < 71000 || n > 76000 {
		t.Fatalf("the full report has %d characters, want about 73,400", n)
	}

	f := newFakeAPI(t,
		fakegithub.Exchange{Method: "GET", Path: "/user", Status: 403, Reply: `{"message":"Resource not accessible by integration"}`},
		fakegithub.Exchange{Method: "GET", Path: "/repos/o/r/issues/12/comments", Query: "per_page=100",
			Reply: `[{"id":3,"user":{"login":"mallory"},"body":"<!-- capcheck:comment -->\nall good"}]`},
		fakegithub.Exchange{Method: "POST", Path: "/repos/o/r/issues/12/comments", Body: `{"body":` + fakegithub.JSONString(want) + `}`, Status: 201,
			Reply: `{"id":77,"html_url":"https://github.com/o/r/pull/12#issuecomment-77"}`},
	)
	code, stdout, stderr := runComment_(t, "github", result, "--api-url", f.URL)
	if code != exitPass {
		t.Fatalf("exit %d, stderr:\n%s", code, stderr)
	}
	if stdout != "" {
		t.Errorf("stdout = %q, want nothing", stdout)
	}
	if stderr != "capcheck comment: comment created: https://github.com/o/r/pull/12#issuecomment-77\n" {
		t.Errorf("stderr = %q", stderr)
	}

	if n := utf16Len(want); n > 60000 {
		t.Errorf("comment has %d characters, want at most 60,000", n)
	}
	if !strings.HasPrefix(want, report.DefaultMarker+"\n") {
		t.Errorf("comment does not open with the marker: %.60q", want)
	}
	if !strings.Contains(want, "This comment was truncated") || !strings.Contains(want, "<sub>Generated by capcheck") {
		t.Error("comment lacks the truncation notice or the footer")
	}
	if !strings.Contains(want, "https://github.com/o/r/blob/"+prHead+"/capacity/llm-platform.cue#L39") {
		t.Error("links do not point at the PR head")
	}
	checkMarkdownShape(t, want)

	got, err := os.ReadFile(summary)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != full+"\n" {
		t.Errorf("job summary has %d bytes, want the full report (%d bytes) and a blank line", len(got), len(full)+1)
	}
	if strings.Contains(string(got), "This comment was truncated") {
		t.Error("job summary was truncated")
	}
	checkMarkdownShape(t, string(got))
	if got, _ := os.ReadFile(outputs); string(got) != "comment-outcome=created\ncomment-url=https://github.com/o/r/pull/12#issuecomment-77\n" {
		t.Errorf("step outputs = %q", got)
	}
}

// TestCommentGitHubFork: a fork PR's read-only token is refused the
// create; the command falls back to the job summary and annotations,
// writes nothing more, and exits 0.
func TestCommentGitHubFork(t *testing.T) {
	summary, outputs := githubEnv(t, "pull_request", prEvent)
	c := exampleCheck(t)
	result := writeResult(t, c)
	body := markdown(t, c, report.Options{Repo: "o/r", SHA: prHead})
	f := newFakeAPI(t,
		fakegithub.Exchange{Method: "GET", Path: "/user", Status: 403, Reply: `{"message":"Resource not accessible by integration"}`},
		fakegithub.Exchange{Method: "GET", Path: "/repos/o/r/issues/12/comments", Query: "per_page=100", Reply: `[]`},
		fakegithub.Exchange{Method: "POST", Path: "/repos/o/r/issues/12/comments", Body: `{"body":` + fakegithub.JSONString(body) + `}`, Status: 403,
			Reply: `{"message":"Resource not accessible by integration"}`},
	)
	code, stdout, stderr := runComment_(t, "github", "--api-url", f.URL, result)
	if code != exitPass {
		t.Fatalf("exit %d, want 0; stderr:\n%s", code, stderr)
	}
	var ann bytes.Buffer
	if err := report.Write(&ann, "github", c, report.Options{}); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(stdout, ann.String()) || !strings.Contains(ann.String(), "::warning file=capacity/llm-platform.cue,line=39,col=52,") {
		t.Errorf("stdout does not start with the annotations:\n%s", stdout)
	}
	rest := strings.TrimPrefix(stdout, ann.String())
	if !strings.HasPrefix(rest, "::warning title=capcheck::could not post: create comment on #12: 403 Resource not accessible by integration.") {
		t.Errorf("no ::warning about the comment after the annotations:\n%s", rest)
	}
	if !strings.Contains(stderr, "a pull request from a fork runs with a read-only GITHUB_TOKEN") ||
		!strings.Contains(stderr, "two-stage workflow") {
		t.Errorf("stderr does not explain the fallback:\n%s", stderr)
	}
	if got, _ := os.ReadFile(summary); string(got) != body+"\n" {
		t.Errorf("job summary = %.200q…, want the report", got)
	}
	if got, _ := os.ReadFile(outputs); string(got) != "comment-outcome=fallback\ncomment-url=\n" {
		t.Errorf("step outputs = %q", got)
	}
}

// TestCommentGitHubTwoStage: the workflow_run stage takes --pr from the
// artifact and checks it against the run's head before posting.
func TestCommentGitHubTwoStage(t *testing.T) {
	runEvent := `{"workflow_run":{"head_sha":"` + prHead + `","head_branch":"feature","pull_requests":[],
		"head_repository":{"full_name":"fork/r"}},"repository":{"full_name":"o/r"}}`
	pr := func(sha string) string {
		return `{"number":12,"head":{"sha":"` + sha + `","ref":"feature","repo":{"full_name":"fork/r"}}}`
	}
	tests := []struct {
		name       string
		behavior   string
		headNow    string
		wantPost   bool
		wantStderr string
	}{
		{
			name: "the run's PR gets the comment", behavior: "delete-and-new", headNow: prHead, wantPost: true,
			wantStderr: "capcheck comment: comment deleted+created: https://github.com/o/r/pull/12#issuecomment-80\n",
		},
		{
			name: "a PR that moved on is left to the newer run", behavior: "update", headNow: newerSHA,
			wantStderr: "capcheck comment: not posting: pull request #12 is at " + newerSHA + ", past the run's " + prHead +
				": the pull request has new commits; the newer run will post its own comment\n",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			githubEnv(t, "workflow_run", runEvent)
			c := exampleCheck(t)
			result := writeResult(t, c)
			body := markdown(t, c, report.Options{Repo: "o/r", SHA: prHead})
			script := []fakegithub.Exchange{{Method: "GET", Path: "/repos/o/r/pulls/12", Reply: pr(tc.headNow)}}
			if tc.wantPost {
				script = append(script,
					fakegithub.Exchange{Method: "GET", Path: "/repos/o/r/issues/12/comments", Query: "per_page=100",
						Reply: `[{"id":60,"user":{"login":"github-actions[bot]"},"body":"<!-- capcheck:comment -->\nold"}]`},
					fakegithub.Exchange{Method: "POST", Path: "/repos/o/r/issues/12/comments", Body: `{"body":` + fakegithub.JSONString(body) + `}`, Status: 201,
						Reply: `{"id":80,"html_url":"https://github.com/o/r/pull/12#issuecomment-80"}`},
					fakegithub.Exchange{Method: "DELETE", Path: "/repos/o/r/issues/comments/60", Status: 204})
			}
			f := newFakeAPI(t, script...)
			code, _, stderr := runComment_(t, "github", result, "--pr", "12", "--behavior", tc.behavior,
				"--bot-login", "github-actions[bot]", "--api-url", f.URL)
			if code != exitPass {
				t.Fatalf("exit %d; stderr:\n%s", code, stderr)
			}
			if stderr != tc.wantStderr {
				t.Errorf("stderr = %q, want %q", stderr, tc.wantStderr)
			}
		})
	}
}

// TestCommentGitHubIssue: --issue keeps the audit issue.
func TestCommentGitHubIssue(t *testing.T) {
	githubEnv(t, "schedule", `{"schedule":"17 6 * * 1","repository":{"full_name":"o/r"}}`)
	t.Setenv("GITHUB_SHA", prHead)
	c := exampleCheck(t)
	result := writeResult(t, c)
	body := markdown(t, c, report.Options{Repo: "o/r", SHA: prHead, Marker: "<!-- capcheck:audit -->"})
	f := newFakeAPI(t,
		fakegithub.Exchange{Method: "GET", Path: "/user", Reply: `{"login":"capbot"}`},
		fakegithub.Exchange{Method: "GET", Path: "/repos/o/r/issues", Query: "creator=capbot&per_page=100&state=open", Reply: `[]`},
		fakegithub.Exchange{Method: "POST", Path: "/repos/o/r/issues", Status: 201,
			Body:  `{"title":"GPU capacity audit","labels":["capacity"],"body":` + fakegithub.JSONString(body) + `}`,
			Reply: `{"number":41,"html_url":"https://github.com/o/r/issues/41"}`},
	)
	code, _, stderr := runComment_(t, "github", "--issue", "--title", "GPU capacity audit", "--label", "capacity", "--api-url", f.URL, result)
	if code != exitPass || stderr != "capcheck comment: issue created: https://github.com/o/r/issues/41\n" {
		t.Errorf("exit %d, stderr %q", code, stderr)
	}
}

// TestCommentGitHubDryRun reads but writes nothing: no POST, no summary.
func TestCommentGitHubDryRun(t *testing.T) {
	summary, _ := githubEnv(t, "pull_request", prEvent)
	c := exampleCheck(t)
	result := writeResult(t, c)
	body := markdown(t, c, report.Options{Repo: "o/r", SHA: prHead})
	f := newFakeAPI(t,
		fakegithub.Exchange{Method: "GET", Path: "/user", Reply: `{"login":"capbot"}`},
		fakegithub.Exchange{Method: "GET", Path: "/repos/o/r/issues/12/comments", Query: "per_page=100",
			Reply: `[{"id":5,"user":{"login":"capbot"},"body":"<!-- capcheck:comment -->\nold"}]`},
	)
	code, stdout, stderr := runComment_(t, "github", "--dry-run", "--api-url", f.URL, result)
	if code != exitPass {
		t.Fatalf("exit %d; stderr:\n%s", code, stderr)
	}
	if want := "dry run: would update comment 5 on #12 in o/r; body:\n" + body; stdout != want {
		t.Errorf("stdout = %.300q…, want %.300q…", stdout, want)
	}
	if stderr != "capcheck comment: dry run: comment would be updated\n" {
		t.Errorf("stderr = %q", stderr)
	}
	if _, err := os.Stat(summary); !os.IsNotExist(err) {
		t.Errorf("a dry run wrote the job summary (%v)", err)
	}
}

// TestCommentGitHubDryRunNoToken: without a token a dry run reads
// anonymously and takes the comments of github-actions[bot] as its own.
func TestCommentGitHubDryRunNoToken(t *testing.T) {
	githubEnv(t, "pull_request", prEvent)
	t.Setenv("GITHUB_TOKEN", "")
	result := writeResult(t, exampleCheck(t))
	f := newFakeAPI(t,
		fakegithub.Exchange{Method: "GET", Path: "/repos/o/r/issues/12/comments", Query: "per_page=100",
			Reply: `[{"id":5,"user":{"login":"capbot"},"body":"<!-- capcheck:comment -->\nold"},` +
				`{"id":6,"user":{"login":"github-actions[bot]"},"body":"<!-- capcheck:comment -->\nold"}]`},
	)
	f.SetAuth("")
	code, stdout, stderr := runComment_(t, "github", "--dry-run", "--api-url", f.URL, result)
	if code != exitPass || !strings.HasPrefix(stdout, "dry run: would update comment 6 on #12 in o/r; body:\n") {
		t.Errorf("exit %d, stdout %.100q, stderr %q", code, stdout, stderr)
	}
}

// TestCommentGitHubErrors: each fails with exit 2 before or without
// posting anything (the fake GitHub takes only the requests listed).
func TestCommentGitHubErrors(t *testing.T) {
	dir := t.TempDir()
	badJSON := filepath.Join(dir, "bad.json")
	os.WriteFile(badJSON, []byte(`{"version":"capcheck/v1","verdict":`), 0o644)
	unjudged := filepath.Join(dir, "unjudged.json")
	os.WriteFile(unjudged, []byte(`{"version":"capcheck/v1","verdict":"","pools":[],"findings":[]}`), 0o644)
	tests := []struct {
		name       string
		env        map[string]string
		args       []string
		script     []fakegithub.Exchange
		wantStderr string
	}{
		{
			name:       "not github",
			args:       []string{"gitlab", "RESULT"},
			wantStderr: "capcheck comment: usage: capcheck comment github [flags] RESULT.json\n",
		},
		{
			name:       "no result",
			args:       []string{"github"},
			wantStderr: "capcheck comment: usage: capcheck comment github [flags] RESULT.json\n",
		},
		{
			name:       "bad JSON",
			args:       []string{"github", badJSON},
			wantStderr: "capcheck: " + badJSON + ": read check result: unexpected EOF (want the output of `capcheck check --format json`)\n",
		},
		{
			name:       "a result without a verdict",
			args:       []string{"github", unjudged},
			wantStderr: "capcheck: " + unjudged + `: read check result: verdict is "", want pass, warn or fail (want the output of ` + "`capcheck check --format json`)\n",
		},
		{
			name:       "bad behavior",
			args:       []string{"github", "--behavior", "edit", "RESULT"},
			wantStderr: "capcheck: unknown behavior \"edit\" (want update, new, hide-and-new or delete-and-new)\n",
		},
		{
			name:       "no PR number",
			env:        map[string]string{"GITHUB_EVENT_PATH": ""},
			args:       []string{"github", "RESULT"},
			wantStderr: "capcheck: no pull request number: pass --pr N (a workflow_run event names none for forks)\n",
		},
		{
			name:       "no token",
			env:        map[string]string{"GITHUB_TOKEN": ""},
			args:       []string{"github", "RESULT"},
			wantStderr: "capcheck: no token in $GITHUB_TOKEN (the token is read from the environment only)\n",
		},
		{
			name:       "bad repository",
			args:       []string{"github", "--repo", "o/r/../x", "RESULT"},
			wantStderr: "capcheck: repository \"o/r/../x\": want owner/name (pass --repo or set $GITHUB_REPOSITORY)\n",
		},
		{
			name: "API error",
			args: []string{"github", "--bot-login", "capbot", "RESULT"},
			script: []fakegithub.Exchange{{Method: "GET", Path: "/repos/o/r/issues/12/comments", Query: "per_page=100", Status: 410,
				Reply: `{"message":"Issues are disabled for this repo"}`}},
			wantStderr: "capcheck: list comments on #12: GET {{server}}/repos/o/r/issues/12/comments?per_page=100: 410 Issues are disabled for this repo []\n",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			summary, _ := githubEnv(t, "pull_request", prEvent)
			for k, v := range tc.env {
				t.Setenv(k, v)
			}
			result := writeResult(t, exampleCheck(t))
			f := newFakeAPI(t, tc.script...)
			args := append([]string(nil), tc.args...)
			for i, a := range args {
				if a == "RESULT" {
					args[i] = result
				}
			}
			code, stdout, stderr := runComment_(t, append(args, "--api-url", f.URL)...)
			if code != exitError {
				t.Errorf("exit %d, want %d", code, exitError)
			}
			if want := strings.ReplaceAll(tc.wantStderr, "{{server}}", f.URL); stderr != want {
				t.Errorf("stderr = %q, want %q", stderr, want)
			}
			if stdout != "" {
				t.Errorf("stdout = %q, want nothing", stdout)
			}
			if tc.name != "API error" && tc.name != "no token" {
				if _, err := os.Stat(summary); !os.IsNotExist(err) {
					t.Errorf("job summary written before the input was accepted (%v)", err)
				}
			}
		})
	}
}

// TestCommentGitHubWriteFails: a create answered 404, or redirected to
// another origin (a second server on another port of 127.0.0.1), fails
// with exit 2 and says why: no fork fallback (that is for a 403), no
// annotations, no step outputs. The redirect is refused before anything
// reaches the second server: neither the token nor the comment's body.
func TestCommentGitHubWriteFails(t *testing.T) {
	var otherMu sync.Mutex
	var otherGot []string
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		otherMu.Lock()
		otherGot = append(otherGot, fmt.Sprintf("%s %s Authorization=%q body=%.80q", r.Method, r.URL.Path, r.Header.Get("Authorization"), body))
		otherMu.Unlock()
		w.WriteHeader(http.StatusCreated)
		io.WriteString(w, `{"id":66,"html_url":"https://github.com/o/r/pull/12#issuecomment-66"}`)
	}))
	defer other.Close()

	c := exampleCheck(t)
	body := markdown(t, c, report.Options{Repo: "o/r", SHA: prHead})
	list := fakegithub.Exchange{Method: "GET", Path: "/repos/o/r/issues/12/comments", Query: "per_page=100", Reply: `[]`}
	create := func(status int, header map[string]string, reply string) fakegithub.Exchange {
		return fakegithub.Exchange{Method: "POST", Path: "/repos/o/r/issues/12/comments", Body: `{"body":` + fakegithub.JSONString(body) + `}`,
			Status: status, Header: header, Reply: reply}
	}
	redirected := func(status int) fakegithub.Exchange {
		return create(status, map[string]string{"Location": other.URL + "/repos/o/r/issues/12/comments"}, `{"message":"Moved"}`)
	}
	refused := `capcheck: create comment on #12: Post "` + other.URL + `/repos/o/r/issues/12/comments": refusing to follow a redirect to ` +
		other.URL + ": the token is only sent to {{server}}\n"
	tests := []struct {
		name       string
		create     fakegithub.Exchange
		wantStderr string
	}{
		{
			name:       "create answered 404",
			create:     create(404, nil, `{"message":"Not Found","documentation_url":"https://docs.github.com/rest"}`),
			wantStderr: "capcheck: create comment on #12: 404 Not Found: no issue or pull request #12 in o/r, or the token cannot see o/r\n",
		},
		{name: "create redirected 301 to another port", create: redirected(301), wantStderr: refused},
		{name: "create redirected 302 to another port", create: redirected(302), wantStderr: refused},
		{name: "create redirected 307 to another port", create: redirected(307), wantStderr: refused},
		{name: "create redirected 308 to another port", create: redirected(308), wantStderr: refused},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, outputs := githubEnv(t, "pull_request", prEvent)
			result := writeResult(t, c)
			f := newFakeAPI(t, list, tc.create)
			code, stdout, stderr := runComment_(t, "github", "--bot-login", "capbot", "--api-url", f.URL, result)
			if code != exitError {
				t.Errorf("exit %d, want %d", code, exitError)
			}
			if want := strings.ReplaceAll(tc.wantStderr, "{{server}}", f.URL); stderr != want {
				t.Errorf("stderr = %q,\nwant %q", stderr, want)
			}
			if stdout != "" {
				t.Errorf("stdout = %.200q, want nothing (no fallback annotations)", stdout)
			}
			if got, err := os.ReadFile(outputs); !os.IsNotExist(err) {
				t.Errorf("step outputs written: %q (%v)", got, err)
			}
			otherMu.Lock()
			defer otherMu.Unlock()
			for _, r := range otherGot {
				t.Errorf("the other origin got %s", r)
			}
			otherGot = nil
		})
	}
}

// TestCommentGitHubRedirectSameOrigin: a 307 within the API's origin is
// followed: the fake asserts the token and the body on the redirected
// request too.
func TestCommentGitHubRedirectSameOrigin(t *testing.T) {
	githubEnv(t, "pull_request", prEvent)
	c := exampleCheck(t)
	result := writeResult(t, c)
	body := markdown(t, c, report.Options{Repo: "o/r", SHA: prHead})
	f := newFakeAPI(t,
		fakegithub.Exchange{Method: "GET", Path: "/repos/o/r/issues/12/comments", Query: "per_page=100", Reply: `[]`},
		fakegithub.Exchange{Method: "POST", Path: "/repos/o/r/issues/12/comments", Body: `{"body":` + fakegithub.JSONString(body) + `}`, Status: 307,
			Header: map[string]string{"Location": "{{server}}/moved/12/comments"}},
		fakegithub.Exchange{Method: "POST", Path: "/moved/12/comments", Body: `{"body":` + fakegithub.JSONString(body) + `}`, Status: 201,
			Reply: `{"id":77,"html_url":"https://github.com/o/r/pull/12#issuecomment-77"}`},
	)
	code, _, stderr := runComment_(t, "github", "--bot-login", "capbot", "--api-url", f.URL, result)
	if code != exitPass || stderr != "capcheck comment: comment created: https://github.com/o/r/pull/12#issuecomment-77\n" {
		t.Errorf("exit %d, stderr %q", code, stderr)
	}
}

// TestCommentGitHubCreateLost: the create is answered 500, but GitHub
// made the comment. After the first backoff (1s, really waited: the CLI
// has no injected sleep) the comments are listed, the comment is found by
// its marker and body, and it is not posted again: one POST in all (the
// fake fails on any request out of its script).
func TestCommentGitHubCreateLost(t *testing.T) {
	_, outputs := githubEnv(t, "pull_request", prEvent)
	c := exampleCheck(t)
	result := writeResult(t, c)
	body := markdown(t, c, report.Options{Repo: "o/r", SHA: prHead})
	f := newFakeAPI(t,
		fakegithub.Exchange{Method: "GET", Path: "/repos/o/r/issues/12/comments", Query: "per_page=100", Reply: `[]`},
		fakegithub.Exchange{Method: "POST", Path: "/repos/o/r/issues/12/comments", Body: `{"body":` + fakegithub.JSONString(body) + `}`, Status: 500,
			Reply: `{"message":"Server Error"}`},
		fakegithub.Exchange{Method: "GET", Path: "/repos/o/r/issues/12/comments", Query: "per_page=100",
			Reply: `[{"id":78,"user":{"login":"capbot"},"body":` + fakegithub.JSONString(body) + `,"html_url":"https://github.com/o/r/pull/12#issuecomment-78"}]`},
	)
	code, stdout, stderr := runComment_(t, "github", "--bot-login", "capbot", "--api-url", f.URL, result)
	if code != exitPass {
		t.Fatalf("exit %d, want 0; stderr:\n%s", code, stderr)
	}
	want := "capcheck: GitHub API POST /repos/o/r/issues/12/comments: 500 Internal Server Error; it may have been made: looking for it in 1s (attempt 1 of 4)\n" +
		"capcheck: GitHub API POST /repos/o/r/issues/12/comments: found it made: not sending it again\n" +
		"capcheck comment: comment created: https://github.com/o/r/pull/12#issuecomment-78\n"
	if stderr != want {
		t.Errorf("stderr = %q,\nwant %q", stderr, want)
	}
	if stdout != "" {
		t.Errorf("stdout = %q, want nothing", stdout)
	}
	if got, _ := os.ReadFile(outputs); string(got) != "comment-outcome=created\ncomment-url=https://github.com/o/r/pull/12#issuecomment-78\n" {
		t.Errorf("step outputs = %q", got)
	}
}
