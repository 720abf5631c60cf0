package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/capcheck/capcheck/internal/testkit"
	"github.com/capcheck/capcheck/internal/testkit/fakegithub"
	"github.com/google/go-cmp/cmp"
)

const overrideYAML = `override:
  label: capcheck-override
  teams: ["acme/capacity-council"]
`

// overrideRepo writes a copy of the bundled example to dir, with files
// (relative path → content) written first so they win over the example's.
func overrideRepo(t *testing.T, dir string, files map[string]string) string {
	t.Helper()
	testkit.WriteFiles(t, dir, files)
	if err := copyTree("../../testdata/example", dir); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestCheckGitHubOverride runs `capcheck check --github-override` in
// process on a pull request that takes us-east-1a from 3 to 1 p5.48xlarge
// (8 H100 each): the pool keeps 8 + 24 + 16 = 48 reserved GPUs plus the
// 16 of the capacity block until 2027-03, 64 in all, for 53 needed there:
// headroom 1 − 53/64 = 17.2% < 30%, so CAP001 denies, and with it CAP002
// (losing us-east-1b's 24 and the zone-less capacity block's 16, which may
// share that zone, leaves 24 for 53 in 2027-03) and CAP005 (a cliff in
// 2026-11); all three are soft-mandatory. The override label and teams
// come from the base's capcheck.yaml.
func TestCheckGitHubOverride(t *testing.T) {
	tmp := t.TempDir()
	tfvars := `h100_instances_per_zone = {
  "us-east-1a" = 1
  "us-east-1b" = 3
  "us-east-1c" = 2
}

reservation_end = "2028-06-30T23:59:59Z"
`
	baseWithOverride := overrideRepo(t, filepath.Join(tmp, "base"), map[string]string{"capcheck.yaml": overrideYAML})
	basePlain := overrideRepo(t, filepath.Join(tmp, "base-plain"), nil)
	head := overrideRepo(t, filepath.Join(tmp, "head"), map[string]string{"capcheck.yaml": overrideYAML, "infra/aws/terraform.tfvars": tfvars})
	// headSame blocks nothing: 4 + 4 + 3 instances keep N+1 even if the
	// zone-less capacity block shares the largest zone (2027-03: 104 − 32 −
	// 16 = 56 ≥ 53).
	headSame := overrideRepo(t, filepath.Join(tmp, "head-same"), map[string]string{"capcheck.yaml": overrideYAML,
		"infra/aws/terraform.tfvars": "h100_instances_per_zone = {\n  \"us-east-1a\" = 4\n  \"us-east-1b\" = 4\n  \"us-east-1c\" = 3\n}\n\nreservation_end = \"2028-06-30T23:59:59Z\"\n"})

	const (
		issuePath  = "/repos/o/r/issues/12"
		eventsPath = "/repos/o/r/issues/12/events"
		membership = "/orgs/acme/teams/capacity-council/memberships/"
	)
	labeled := func(login string) fakegithub.Exchange {
		return fakegithub.Exchange{Method: "GET", Path: eventsPath, Query: "per_page=100",
			Reply: `[{"event":"labeled","actor":{"login":"` + login + `","type":"User"},"label":{"name":"capcheck-override"},"created_at":"2026-11-20T10:00:00Z"}]`}
	}
	issue := func(labels string) fakegithub.Exchange {
		return fakegithub.Exchange{Method: "GET", Path: issuePath, Reply: `{"number":12,"user":{"login":"bob"},"labels":[` + labels + `],"pull_request":{"url":"u"}}`}
	}
	withLabel := issue(`{"name":"capcheck-override"}`)

	// deny is a deny finding's rule, whether it was overridden and
	// whether it blocks; every deny is at capacity/llm-platform.cue:19:8
	// on pool/h100-use1.
	type deny struct {
		Rule                 string
		Overridden, Blocking bool
		Pos                  string
	}
	const pos = "capacity/llm-platform.cue:19:8 pool/h100-use1"
	blocking := []deny{{"CAP001", false, true, pos}, {"CAP002", false, true, pos}, {"CAP005", false, true, pos}}
	cleared := []deny{{"CAP001", true, false, pos}, {"CAP002", true, false, pos}, {"CAP005", true, false, pos}}

	for _, tc := range []struct {
		name        string
		base, head  string
		event       string // "" = prEvent
		token       string // "" = unset
		script      []fakegithub.Exchange
		wantCode    int
		wantVerdict string // "" = no JSON result
		wantDenies  []deny
		wantStderr  string // "{{server}}" is the fake's URL
	}{
		{
			name: "no label", base: baseWithOverride, head: head, token: "secret-token",
			script:   []fakegithub.Exchange{issue(`{"name":"gpu"}`), {Method: "GET", Path: eventsPath, Query: "per_page=100", Reply: `[]`}},
			wantCode: exitPolicy, wantVerdict: "fail", wantDenies: blocking,
			wantStderr: `capcheck: override label "capcheck-override" does not count: label "capcheck-override" is not on pull request #12; soft-mandatory denies stand` + "\n",
		},
		{
			name: "label applied by an active member", base: baseWithOverride, head: head, token: "secret-token",
			script:   []fakegithub.Exchange{withLabel, labeled("alice"), {Method: "GET", Path: membership + "alice", Reply: `{"state":"active","role":"member"}`}},
			wantCode: exitPass, wantVerdict: "warn", wantDenies: cleared,
			wantStderr: `capcheck: override label "capcheck-override" applied by @alice (acme/capacity-council): soft-mandatory denies cleared` + "\n",
		},
		{
			name: "label applied by a non-member", base: baseWithOverride, head: head, token: "secret-token",
			script: []fakegithub.Exchange{withLabel, labeled("bob"), {Method: "GET", Path: membership + "bob", Status: 404, Reply: `{"message":"Not Found"}`},
				{Method: "GET", Path: "/orgs/acme/teams/capacity-council", Reply: `{"id":1,"slug":"capacity-council"}`}},
			wantCode: exitPolicy, wantVerdict: "fail", wantDenies: blocking,
			wantStderr: `capcheck: override label "capcheck-override" does not count: label "capcheck-override" was applied by @bob on 2026-11-20T10:00:00Z, who is not an active member of acme/capacity-council; soft-mandatory denies stand` + "\n",
		},
		{
			// The head adds its own override section; the base, which
			// judges, has none: no API request is made, and CAP014
			// reports the section (label value at 2:10, teams key at 3:3).
			name: "override only in the PR's own config", base: basePlain, head: head, token: "secret-token",
			wantCode: exitPolicy, wantVerdict: "fail", wantDenies: append(append([]deny{}, blocking...),
				deny{"CAP014", false, true, "capcheck.yaml:2:10 config/override.label"},
				deny{"CAP014", false, true, "capcheck.yaml:3:3 config/override.teams"}),
		},
		{
			// Nothing blocks, so nothing is asked of the API.
			name: "nothing to override", base: baseWithOverride, head: headSame, token: "secret-token",
			wantCode: exitPass, wantVerdict: "warn",
		},
		{
			name: "API error fails closed", base: baseWithOverride, head: head, token: "secret-token",
			script:     []fakegithub.Exchange{withLabel, labeled("alice"), {Method: "GET", Path: membership + "alice", Status: 403, Reply: `{"message":"Resource not accessible by integration"}`}},
			wantCode:   exitError,
			wantStderr: "capcheck: verify override: membership of @alice in acme/capacity-council: GET {{server}}/orgs/acme/teams/capacity-council/memberships/alice: 403 Resource not accessible by integration []\n",
		},
		{
			// Actions' own token cannot read teams: exit 2, not "not a
			// member".
			name: "token cannot see the team", base: baseWithOverride, head: head, token: "secret-token",
			script: []fakegithub.Exchange{withLabel, labeled("alice"), {Method: "GET", Path: membership + "alice", Status: 404, Reply: `{"message":"Not Found"}`},
				{Method: "GET", Path: "/orgs/acme/teams/capacity-council", Status: 404, Reply: `{"message":"Not Found"}`}},
			wantCode:   exitError,
			wantStderr: "capcheck: verify override: team acme/capacity-council not found, or the token cannot read it (it needs organization members read, which Actions' GITHUB_TOKEN lacks)\n",
		},
		{
			name: "no token", base: baseWithOverride, head: head,
			wantCode:   exitError,
			wantStderr: "capcheck: --github-override: no token in $GITHUB_TOKEN (the token is read from the environment only)\n",
		},
		{
			name: "no pull request", base: baseWithOverride, head: head, token: "secret-token",
			event:      `{"repository":{"full_name":"o/r"}}`,
			wantCode:   exitError,
			wantStderr: "capcheck: --github-override: the pull_request event names no pull request\n",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			event := tc.event
			if event == "" {
				event = prEvent
			}
			githubEnv(t, "pull_request", event)
			t.Setenv("GITHUB_TOKEN", tc.token)
			f := newFakeAPI(t, tc.script...)
			t.Setenv("GITHUB_API_URL", f.URL)

			var stdout, stderr bytes.Buffer
			code := run(context.Background(), []string{"check", "--now", "2026-11-21", "--path-prefix", ".", "--format", "json",
				"--github-override", "--base", tc.base, tc.head}, strings.NewReader(""), &stdout, &stderr)
			if code != tc.wantCode {
				t.Fatalf("check exit %d, want %d; stderr:\n%s", code, tc.wantCode, stderr.String())
			}
			if want := strings.ReplaceAll(tc.wantStderr, "{{server}}", f.URL); stderr.String() != want {
				t.Errorf("stderr = %q, want %q", stderr.String(), want)
			}
			if tc.wantVerdict == "" {
				if stdout.Len() != 0 {
					t.Errorf("stdout = %.200q, want nothing", stdout.String())
				}
				return
			}
			var res struct {
				Verdict  string `json:"verdict"`
				Findings []struct {
					Rule, Level, Target, File string
					Line, Column              int
					Overridden, Blocking      bool
				} `json:"findings"`
			}
			if err := json.Unmarshal(stdout.Bytes(), &res); err != nil {
				t.Fatalf("stdout is not a JSON result: %v", err)
			}
			if res.Verdict != tc.wantVerdict {
				t.Errorf("verdict = %q, want %q", res.Verdict, tc.wantVerdict)
			}
			var denies []deny
			for _, f := range res.Findings {
				if f.Level == "deny" {
					denies = append(denies, deny{f.Rule, f.Overridden, f.Blocking,
						fmt.Sprintf("%s:%d:%d %s", f.File, f.Line, f.Column, f.Target)})
				}
			}
			if diff := cmp.Diff(tc.wantDenies, denies); diff != "" {
				t.Errorf("deny findings (-want +got):\n%s", diff)
			}
		})
	}
}

// TestCheckGitHubOverrideOff: without the flag the override section is
// not read, and no token is needed.
func TestCheckGitHubOverrideOff(t *testing.T) {
	tmp := t.TempDir()
	head := overrideRepo(t, tmp, map[string]string{"capcheck.yaml": overrideYAML, "infra/aws/terraform.tfvars": "h100_instances_per_zone = {\n  \"us-east-1a\" = 1\n  \"us-east-1b\" = 3\n  \"us-east-1c\" = 2\n}\n\nreservation_end = \"2028-06-30T23:59:59Z\"\n"})
	githubEnv(t, "pull_request", prEvent)
	t.Setenv("GITHUB_TOKEN", "")
	f := newFakeAPI(t) // no request may be made
	t.Setenv("GITHUB_API_URL", f.URL)
	var stderr bytes.Buffer
	code := run(context.Background(), []string{"check", "--now", "2026-11-21", "--format", "json", head}, strings.NewReader(""), &bytes.Buffer{}, &stderr)
	if code != exitPolicy || stderr.Len() != 0 {
		t.Errorf("check exit %d, stderr %q; want exit %d and no stderr", code, stderr.String(), exitPolicy)
	}
}
