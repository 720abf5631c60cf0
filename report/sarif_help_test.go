package report

import (
	"encoding/json"
	"encoding/xml"
	"testing"
	"time"

	"github.com/capcheck/capcheck/internal/diag"
	"github.com/capcheck/capcheck/policies"
	"github.com/google/go-cmp/cmp"
)

// TestSARIFHelp checks that every rule carries help (text and markdown,
// the catalogue's section) and, where the rule is written down somewhere
// addressable, a helpUri; and that the driver names the build's version.
func TestSARIFHelp(t *testing.T) {
	out := render(t, "sarif", fixtureCheck(), fixtureOptions())
	var log struct {
		Runs []struct {
			Tool struct {
				Driver struct {
					Version string `json:"version"`
					Rules   []struct {
						ID      string `json:"id"`
						HelpURI string `json:"helpUri"`
						Help    struct {
							Text     string `json:"text"`
							Markdown string `json:"markdown"`
						} `json:"help"`
					} `json:"rules"`
				} `json:"driver"`
			} `json:"tool"`
		} `json:"runs"`
	}
	if err := json.Unmarshal([]byte(out), &log); err != nil {
		t.Fatal(err)
	}
	d := log.Runs[0].Tool.Driver
	if d.Version != "v1.4.0" {
		t.Errorf("driver.version = %q, want the build's v1.4.0 (Options.Version)", d.Version)
	}
	type help struct{ ID, URI, Text, Markdown string }
	var got []help
	for _, r := range d.Rules {
		got = append(got, help{r.ID, r.HelpURI, r.Help.Text, r.Help.Markdown})
	}
	tag := "https://github.com/capcheck/capcheck/blob/v1.4.0/policies/rego/"
	want := []help{
		{"CAP001", tag + "cap001.rego", "A pool's lowest headroom in the commit window is below headroom_min.",
			"**CAP001**: Headroom below the plan's minimum in the commit window\n\nA pool's lowest headroom in the commit window is below headroom_min.\n\n" +
				"Level `deny`, enforcement `soft-mandatory`, severity high. `capcheck doc` prints the whole catalogue. [Rule source](" + tag + "cap001.rego)"},
		{"CAP002", tag + "cap002.rego", "Capacity after losing the k largest failure domains does not serve the peak.",
			"**CAP002**: N+k redundancy missing\n\nCapacity after losing the k largest failure domains does not serve the peak.\n\n" +
				"Level `deny`, enforcement `soft-mandatory`, severity high. `capcheck doc` prints the whole catalogue. [Rule source](" + tag + "cap002.rego)"},
		{"CAP004", tag + "cap004.rego", "Reserved GPUs added beyond the backed capacity",
			"**CAP004**: Reserved GPUs added beyond the backed capacity\n\n" +
				"Level `deny`, enforcement `hard-mandatory`, severity medium. `capcheck doc` prints the whole catalogue. [Rule source](" + tag + "cap004.rego)"},
		{"CAP007", tag + "cap007.rego", "Existing reserved GPUs exceed backed capacity",
			"**CAP007**: Existing reserved GPUs exceed backed capacity\n\n" +
				"Level `warn`, enforcement `advisory`, severity low. `capcheck doc` prints the whole catalogue. [Rule source](" + tag + "cap007.rego)"},
		{"CAP010", tag + "cap010.rego", "Plan not reviewed for more than a quarter",
			"**CAP010**: Plan not reviewed for more than a quarter\n\n" +
				"Level `warn`, enforcement `advisory`. `capcheck doc` prints the whole catalogue. [Rule source](" + tag + "cap010.rego)"},
		// A rule only a finding names: no metadata, no source to link.
		{"ORG001", "", "ORG001", "**ORG001**\n\n`capcheck doc` prints the whole catalogue."},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("rule help (-want +got):\n%s", diff)
	}
}

func TestRuleHelpURI(t *testing.T) {
	builtin := policies.Rule{ID: "CAP001", Builtin: true, Location: diag.Pos{File: "capcheck:rego/cap001.rego", Line: 3}}
	user := policies.Rule{ID: "ORG001", Location: diag.Pos{File: "policy/org.rego", Line: 7}}
	repo := Options{ServerURL: "https://github.com", Repo: "acme/gpu-infra", SHA: "0123456789abcdef0123456789abcdef01234567"}
	tests := []struct {
		name string
		rule policies.Rule
		opts Options
		want string
	}{
		{"built-in, release", builtin, Options{Version: "v1.4.0"}, "https://github.com/capcheck/capcheck/blob/v1.4.0/policies/rego/cap001.rego"},
		{"built-in, release candidate", builtin, Options{Version: "v2.0.0-rc.1"}, "https://github.com/capcheck/capcheck/blob/v2.0.0-rc.1/policies/rego/cap001.rego"},
		// "dev" or a pseudo-version with a revision is no tag: the default branch.
		{"built-in, development build", builtin, Options{Version: "dev"}, "https://github.com/capcheck/capcheck/blob/main/policies/rego/cap001.rego"},
		{"built-in, no version", builtin, Options{}, "https://github.com/capcheck/capcheck/blob/main/policies/rego/cap001.rego"},
		{"user rule at the head commit", user, repo, "https://github.com/acme/gpu-infra/blob/0123456789abcdef0123456789abcdef01234567/policy/org.rego#L7"},
		{"user rule in a subdirectory", user, Options{ServerURL: repo.ServerURL, Repo: repo.Repo, SHA: repo.SHA, PathPrefix: "infra"},
			"https://github.com/acme/gpu-infra/blob/0123456789abcdef0123456789abcdef01234567/infra/policy/org.rego#L7"},
		{"user rule without a repository", user, Options{}, ""},
		{"user rule outside the repository", policies.Rule{ID: "X", Location: diag.Pos{File: "../x.rego"}}, repo, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := ruleHelpURI(tc.rule, tc.opts); got != tc.want {
				t.Errorf("ruleHelpURI(%s) = %q, want %q", tc.rule.ID, got, tc.want)
			}
		})
	}
}

// TestRuleHelpMarkdownEscapesUserText: a user rule's metadata is
// repository text; it cannot open HTML, mention anyone or break the
// paragraph structure.
func TestRuleHelpMarkdownEscapesUserText(t *testing.T) {
	r := policies.Rule{ID: "ORG9", Title: "<img src=x> @team", Description: "first\nline\n\nsecond *para*", Level: "deny`x", Enforcement: "advisory"}
	got := ruleHelpMarkdown(r, "")
	want := "**ORG9**: &lt;img src=x&gt; @\u200dteam\n\nfirst line\n\nsecond \\*para\\*\n\nLevel `denyx`, enforcement `advisory`. `capcheck doc` prints the whole catalogue."
	if got != want {
		t.Errorf("ruleHelpMarkdown =\n%q\nwant\n%q", got, want)
	}
}

// TestJUnitTimes: the suite carries the run's time, start and host, every
// case a time, so reporters show durations rather than "NaNms".
func TestJUnitTimes(t *testing.T) {
	tests := []struct {
		name                      string
		opts                      Options
		time, timestamp, hostname string
	}{
		// 09:30 CET is 08:30 UTC; 1412 ms is 1.412 s.
		{"injected", fixtureOptions(), "1.412", "2026-03-10T08:30:00", "runner-7"},
		{"nothing handed in", Options{}, "0.000", "", "localhost"},
		{"negative elapsed (a clock stepped back)", Options{Elapsed: -time.Second, Hostname: "h\x1b[1m"}, "0.000", "", `h\x1b[1m`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var got junitSuites
			if err := xml.Unmarshal([]byte(render(t, "junit", fixtureCheck(), tc.opts)), &got); err != nil {
				t.Fatal(err)
			}
			s := got.Suites[0]
			if got.Time != tc.time || s.Time != tc.time || s.Timestamp != tc.timestamp || s.Hostname != tc.hostname {
				t.Errorf("time %q/%q, timestamp %q, hostname %q; want %q, %q, %q", got.Time, s.Time, s.Timestamp, s.Hostname, tc.time, tc.timestamp, tc.hostname)
			}
			for _, c := range s.Cases {
				if c.Time != "0.000" {
					t.Errorf("case %s %s time %q, want 0.000", c.Classname, c.Name, c.Time)
				}
			}
		})
	}
}
