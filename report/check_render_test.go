package report

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/capcheck/capcheck/evaluator"
	"github.com/capcheck/capcheck/internal/diag"
	"github.com/capcheck/capcheck/policies"
	"github.com/google/go-cmp/cmp"
)

// evilCheck has repository text that tries to break out of every context.
func evilCheck() *Check {
	doc := fixtureDoc()
	doc.Base = nil
	const evil = "evil|<img src=x>@org/team"
	doc.Pools[0].Name = evil
	doc.Pools[0].Plan = "p`l*a_n"
	return NewCheck(doc, &policies.Result{Verdict: policies.VerdictFail, Findings: []policies.Finding{{
		Rule: "CAP001", Level: "deny", Blocking: true, Target: "pool/" + evil,
		Msg:   "pool " + evil + ": <!-- capcheck:comment --> ```\nrm -rf /\n``` [click](https://evil.example) **bold** # heading $x$ &lt; cc @octocat",
		Range: diag.Pos{File: "capacity/a (1).cue", Line: 7, Column: 2}.Range(),
	}, {
		Rule: "CAP007", Level: "warn", Excepted: true, Target: "pool/" + evil,
		Msg: "unbacked", Exception: "approved by @org/finance <b>now</b>",
	}}})
}

func TestMarkdownEscaping(t *testing.T) {
	got := render(t, "markdown", evilCheck(), fixtureOptions())

	// The marker appears once, as the first line; no HTML comment or tag
	// from the repository survives.
	if n := strings.Count(got, "<!--"); n != 1 || !strings.HasPrefix(got, DefaultMarker+"\n") {
		t.Errorf("body has %d HTML comments, want only the leading marker:\n%s", n, got)
	}
	for _, bad := range []string{"<img", "<b>", "@org", "@octocat", "**bold**", "[click](", "\n```\nrm", "$x$"} {
		if strings.Contains(got, bad) {
			t.Errorf("body contains unescaped %q:\n%s", bad, got)
		}
	}
	// Only the charts open code fences: a fence opens and closes per chart.
	if n, charts := strings.Count(got, "```"), strings.Count(got, "```mermaid"); n != 2*charts || charts != 2 {
		t.Errorf("``` appears %d times for %d charts, want 2 per chart and 2 charts", n, charts)
	}
	// Exact escapes of the pool cell, the finding line and the summary.
	for _, want := range []string{
		"| **evil\\|&lt;img src=x&gt;@\u200dorg/team** | p\\`l\\*a\\_n |",
		"- **CAP001** pool evil\\|&lt;img src=x&gt;@\u200dorg/team: &lt;!-- capcheck:comment --&gt; \\`\\`\\`\\\\nrm -rf /\\\\n\\`\\`\\` \\[click\\](https://evil.example) \\*\\*bold\\*\\* \\# heading \\$x\\$ &amp;lt; cc @\u200doctocat — [capacity/a (1).cue:7](https://github.com/acme/gpu-infra/blob/0123456789abcdef0123456789abcdef01234567/capacity/a%20%281%29.cue#L7)",
		"- **CAP007** pool/evil\\|&lt;img src=x&gt;@\u200dorg/team — excepted: approved by @\u200dorg/finance &lt;b&gt;now&lt;/b&gt;",
		"<details><summary>pool evil|&lt;img src=x&gt;@\u200dorg/team over the horizon</summary>",
		`title "evil  img src x  org/team (plan p l a_n): GPUs per month"`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("body lacks %q:\n%s", want, got)
		}
	}
	// Every table row keeps its cell separators: 6 in the lead table (5
	// columns), 13 in the full one (12 columns), which starts after its
	// <summary>.
	want := 6
	for _, line := range strings.Split(got, "\n") {
		if strings.HasPrefix(line, "<details><summary>All pool figures") {
			want = 13
		}
		if strings.HasPrefix(line, "| **") {
			if n := strings.Count(line, "|") - strings.Count(line, `\|`); n != want {
				t.Errorf("row has %d unescaped pipes, want %d: %s", n, want, line)
			}
		}
	}
}

func TestMarkdownNoLinksWithoutRepo(t *testing.T) {
	got := render(t, "markdown", fixtureCheck(), Options{})
	if strings.Contains(got, "](") {
		t.Errorf("body links without Repo/SHA:\n%s", got)
	}
	if !strings.Contains(got, "— infra/gpu.tf:14\n") {
		t.Errorf("body lacks the plain position infra/gpu.tf:14:\n%s", got)
	}
	// A path leaving the repository is never linked.
	c := fixtureCheck()
	c.Findings[2].File = "../../etc/passwd"
	got = render(t, "markdown", c, fixtureOptions())
	if !strings.Contains(got, "— ../../etc/passwd:14\n") || strings.Contains(got, "etc/passwd#") {
		t.Errorf("a path outside the repository is linked:\n%s", got)
	}
}

// bigCheck has many warnings (each ~150 characters) and new pools with
// charts, so the comment is well over the limit.
func bigCheck(warnings, pools int) *Check {
	doc := fixtureDoc()
	doc.Base = nil
	base := doc.Pools[1]
	for i := 0; i < pools; i++ {
		p := base
		p.Name = fmt.Sprintf("pool-%03d", i)
		doc.Pools = append(doc.Pools, p)
	}
	fs := fixtureFindings()
	for i := 0; i < warnings; i++ {
		fs = append(fs, policies.Finding{
			Rule: "CAP009", Level: "warn", Target: fmt.Sprintf("benchmark/b%04d", i),
			Msg:   fmt.Sprintf("benchmark b%04d of llama-70b on H100-SXM was measured 2025-01-%02d, more than 180 days ago; re-run it at the SLO", i, i%28+1),
			Range: diag.Pos{File: "capacity/plan.cue", Line: 100 + i, Column: 5}.Range(),
		})
	}
	return NewCheck(doc, &policies.Result{Verdict: policies.VerdictFail, Findings: fs})
}

func TestMarkdownTruncation(t *testing.T) {
	tests := []struct {
		name            string
		warnings, pools int
	}{
		{name: "cut in the warnings", warnings: 450, pools: 0},
		{name: "cut in the charts", warnings: 10, pools: 120},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := bigCheck(tc.warnings, tc.pools)
			full := render(t, "markdown", c, Options{MaxChars: 1 << 30})
			if n := utf8.RuneCountInString(full); n < 65000 {
				t.Fatalf("the untruncated body has %d characters, want a test over 65,000", n)
			}
			got := render(t, "markdown", c, Options{})
			if n := utf8.RuneCountInString(got); n > DefaultMaxChars {
				t.Fatalf("body has %d characters, want at most %d", n, DefaultMaxChars)
			}
			m := regexp.MustCompile(`\n> ⚠️ This comment was truncated \((\d+) characters omitted\); the full report is in the job summary\.\n\n`).FindStringSubmatchIndex(got)
			if m == nil {
				t.Fatalf("no truncation notice:\n%s", got[len(got)-2000:])
			}
			omitted, _ := strconv.Atoi(got[m[2]:m[3]])
			before, after := got[:m[0]+1], got[m[1]:]
			// What precedes the notice is the start of the full body, cut
			// at a block boundary; what follows is its closing lines.
			// The kept text is before, less the blank line fitBlocks adds
			// after a list or a table.
			keptText := before
			if !strings.HasPrefix(full, keptText) {
				keptText = strings.TrimSuffix(before, "\n")
			}
			if !strings.HasPrefix(full, keptText) {
				t.Errorf("the kept start is not a prefix of the full body")
			}
			if !strings.HasSuffix(full, after) || !strings.HasPrefix(after, "---\n<sub>Generated by capcheck") {
				t.Errorf("the closing lines are not kept: %q", after)
			}
			kept := textLen(keptText)
			if textLen(full)-omitted != kept+textLen(after) {
				t.Errorf("notice says %d omitted; full %d − omitted ≠ kept %d + closing %d", omitted, textLen(full), kept, textLen(after))
			}
			// The verdict, the table and every blocking finding are kept.
			for _, want := range []string{"\n### ❌ capcheck: 2 blocking findings, ", "| **h100-use1** |", "- **CAP001** ", "- **CAP004** "} {
				if !strings.Contains(before, want) {
					t.Errorf("the kept start lacks %q", want)
				}
			}
			// Still valid: fences and <details> balanced, table rows whole,
			// a blank line before the notice.
			if n := strings.Count(got, "```"); n%2 != 0 {
				t.Errorf("%d code fence markers, want an even number", n)
			}
			if o, c := strings.Count(got, "<details>"), strings.Count(got, "</details>"); o != c {
				t.Errorf("%d <details> and %d </details>", o, c)
			}
			for _, line := range strings.Split(got, "\n") {
				if strings.HasPrefix(line, "|") && !strings.HasSuffix(line, "|") {
					t.Errorf("a table row is cut: %q", line)
				}
			}
			if !strings.HasSuffix(before, "\n\n") {
				t.Errorf("no blank line before the notice")
			}
		})
	}
}

func TestGitHubEscapingAndInjection(t *testing.T) {
	c := &Check{Version: evaluator.Version, Verdict: "fail", Findings: []policies.Finding{{
		Rule: "CAP001", Title: "Headroom: low, really", Level: "deny", Blocking: true,
		Msg:   "100% used\r\n::set-output name=verdict::pass\n::add-mask::x",
		Range: diag.Pos{File: "infra/a,b:c.tf", Line: 3, Column: 9}.Range(),
	}}}
	got := render(t, "github", c, Options{})
	// The line breaks are shown as \r\n (diag.Text), as in every output,
	// then the message is encoded for the runner (% as %25).
	want := "::error file=infra/a%2Cb%3Ac.tf,line=3,col=9,title=CAP001 Headroom%3A low%2C really::100%25 used\\r\\n::set-output name=verdict::pass\\n::add-mask::x\n"
	if got != want {
		t.Errorf("github =\n%q\nwant\n%q", got, want)
	}
	if strings.Count(got, "\n") != 1 {
		t.Errorf("one finding wrote %d lines", strings.Count(got, "\n"))
	}
}

func TestGitHubLimits(t *testing.T) {
	var fs []policies.Finding
	for i := 0; i < 15; i++ { // 15 warnings first in finding order
		fs = append(fs, policies.Finding{Rule: "CAP010", Level: "warn", Msg: fmt.Sprintf("w%d", i), Range: diag.Pos{File: "a.cue", Line: i + 1}.Range()})
	}
	for i := 0; i < 12; i++ {
		fs = append(fs, policies.Finding{Rule: "CAP001", Level: "deny", Blocking: true, Msg: fmt.Sprintf("e%d", i), Range: diag.Pos{File: "a.cue", Line: 50 + i}.Range()})
	}
	for i := 0; i < 3; i++ {
		fs = append(fs, policies.Finding{Rule: "CAP007", Level: "warn", Excepted: true, Msg: fmt.Sprintf("n%d", i)})
	}
	got := render(t, "github", &Check{Version: evaluator.Version, Verdict: "fail", Findings: fs}, Options{})
	lines := strings.Split(strings.TrimSuffix(got, "\n"), "\n")
	var levels []string
	for _, l := range lines {
		levels = append(levels, l[2:strings.IndexAny(l[2:], " :")+2])
	}
	// 10 errors (blocking first), 10 warnings, the 3 excepted notices and
	// one summary notice: 12 − 10 = 2 errors and 15 − 10 = 5 warnings left.
	want := append(append(append(repeat("error", 10), repeat("warning", 10)...), repeat("notice", 3)...), "notice")
	if diff := cmp.Diff(want, levels); diff != "" {
		t.Fatalf("annotation levels (-want +got):\n%s", diff)
	}
	if !strings.HasSuffix(lines[0], "::e0") || !strings.HasSuffix(lines[9], "::e9") || !strings.HasSuffix(lines[10], "::w0") {
		t.Errorf("annotations are not in finding order: %q, %q, %q", lines[0], lines[9], lines[10])
	}
	wantSummary := "::notice title=capcheck::7 findings not annotated (2 errors, 5 warnings): GitHub shows at most 10 annotations of each level per step; the full list is in the capcheck report"
	if lines[len(lines)-1] != wantSummary {
		t.Errorf("summary = %q\nwant      %q", lines[len(lines)-1], wantSummary)
	}

	// 12 notices: 9 are written, the 10th notice is the summary.
	var notes []policies.Finding
	for i := 0; i < 12; i++ {
		notes = append(notes, policies.Finding{Rule: "CAP007", Level: "warn", Excepted: true, Msg: "n"})
	}
	got = render(t, "github", &Check{Version: evaluator.Version, Verdict: "pass", Findings: notes}, Options{})
	if n := strings.Count(got, "::notice"); n != 10 || !strings.Contains(got, "3 findings not annotated (3 notices)") {
		t.Errorf("12 excepted findings gave %d notices:\n%s", n, got)
	}
}

func repeat(s string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = s
	}
	return out
}

// TestSARIFStructure checks what GitHub code scanning requires of a SARIF
// 2.1.0 upload, by walking the decoded JSON.
func TestSARIFStructure(t *testing.T) {
	out := render(t, "sarif", fixtureCheck(), fixtureOptions())
	var log map[string]any
	if err := json.Unmarshal([]byte(out), &log); err != nil {
		t.Fatal(err)
	}
	checkNoNull(t, "$", log)
	if log["$schema"] != sarifSchema || log["version"] != "2.1.0" {
		t.Errorf("$schema %v, version %v", log["$schema"], log["version"])
	}
	runs := log["runs"].([]any)
	if len(runs) != 1 {
		t.Fatalf("%d runs, want 1", len(runs))
	}
	run := runs[0].(map[string]any)
	driver := run["tool"].(map[string]any)["driver"].(map[string]any)
	if driver["name"] != "capcheck" {
		t.Errorf("driver name %v", driver["name"])
	}
	levels := map[string]bool{"none": true, "note": true, "warning": true, "error": true}
	var ids []string
	for i, r := range driver["rules"].([]any) {
		rule := r.(map[string]any)
		id, _ := rule["id"].(string)
		ids = append(ids, id)
		if text, _ := rule["shortDescription"].(map[string]any)["text"].(string); text == "" {
			t.Errorf("rule %d (%s) has no shortDescription.text", i, id)
		}
		if lv := rule["defaultConfiguration"].(map[string]any)["level"].(string); !levels[lv] {
			t.Errorf("rule %s level %q", id, lv)
		}
	}
	// Every rule of Options.Rules, then the rule without metadata.
	if diff := cmp.Diff([]string{"CAP001", "CAP002", "CAP004", "CAP007", "CAP010", "ORG001"}, ids); diff != "" {
		t.Errorf("rule ids (-want +got):\n%s", diff)
	}

	type res struct {
		Rule, Level, URI string
		Line, Column     int
		Suppressed       string
	}
	var got []res
	prints := map[string]bool{}
	for _, x := range run["results"].([]any) {
		r := x.(map[string]any)
		id := r["ruleId"].(string)
		if idx := int(r["ruleIndex"].(float64)); ids[idx] != id {
			t.Errorf("result %s has ruleIndex %d, which is %s", id, idx, ids[idx])
		}
		if !levels[r["level"].(string)] {
			t.Errorf("result %s level %v", id, r["level"])
		}
		if r["message"].(map[string]any)["text"].(string) == "" {
			t.Errorf("result %s has no message", id)
		}
		fp := r["partialFingerprints"].(map[string]any)["capcheck/v1"].(string)
		if len(fp) != 32 || prints[fp] {
			t.Errorf("result %s fingerprint %q is not a fresh 32-digit hash", id, fp)
		}
		prints[fp] = true
		locs, _ := r["locations"].([]any)
		if len(locs) != 1 {
			t.Fatalf("result %s has %d locations, want 1 (GitHub rejects results without one)", id, len(locs))
		}
		phys := locs[0].(map[string]any)["physicalLocation"].(map[string]any)
		art := phys["artifactLocation"].(map[string]any)
		uri := art["uri"].(string)
		if strings.Contains(uri, ":") || strings.HasPrefix(uri, "/") || strings.Contains(uri, "..") || art["uriBaseId"] != "%SRCROOT%" {
			t.Errorf("result %s uri %q base %v: want repository-relative under %%SRCROOT%%", id, uri, art["uriBaseId"])
		}
		region := phys["region"].(map[string]any)
		rr := res{Rule: id, Level: r["level"].(string), URI: uri, Line: int(region["startLine"].(float64))}
		if c, ok := region["startColumn"].(float64); ok {
			rr.Column = int(c)
		}
		if s, ok := r["suppressions"].([]any); ok {
			sup := s[0].(map[string]any)
			if sup["kind"] != "external" {
				t.Errorf("result %s suppression kind %v", id, sup["kind"])
			}
			rr.Suppressed = sup["justification"].(string)
		}
		got = append(got, rr)
	}
	want := []res{
		// No file: anchored where plan/prod is defined (line 3).
		{Rule: "ORG001", Level: "warning", URI: "capacity/plan.cue", Line: 3, Column: 1},
		{Rule: "CAP010", Level: "warning", URI: "capacity/plan.cue", Line: 3, Column: 1},
		{Rule: "CAP001", Level: "error", URI: "capacity/plan.cue", Line: 14, Column: 3},
		{Rule: "CAP002", Level: "note", URI: "capacity/plan.cue", Line: 14, Column: 3, Suppressed: "soft-mandatory deny overridden by an authorised label"},
		{Rule: "CAP007", Level: "note", URI: "capacity/plan.cue", Line: 40, Column: 3, Suppressed: "ramping up for the Q3 launch"},
		{Rule: "CAP004", Level: "error", URI: "infra/gpu.tf", Line: 14, Column: 1},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("results (-want +got):\n%s", diff)
	}
}

func checkNoNull(t *testing.T, path string, v any) {
	t.Helper()
	switch x := v.(type) {
	case nil:
		t.Errorf("%s is null", path)
	case map[string]any:
		for k, e := range x {
			checkNoNull(t, path+"."+k, e)
		}
	case []any:
		for i, e := range x {
			checkNoNull(t, fmt.Sprintf("%s[%d]", path, i), e)
		}
	}
}

func TestSARIFAnchors(t *testing.T) {
	tests := []struct {
		name    string
		finding policies.Finding
		doc     bool
		wantURI string
		line    int
	}{
		{name: "pool target", finding: policies.Finding{Rule: "X", Level: "warn", Msg: "m", Target: "pool/h200-euw1"}, doc: true, wantURI: "capacity/plan.cue", line: 40},
		{name: "line 0 becomes 1", finding: policies.Finding{Rule: "X", Level: "warn", Msg: "m", Range: diag.Pos{File: "infra/my gpu.tf"}.Range()}, doc: true, wantURI: "infra/my%20gpu.tf", line: 1},
		{name: "absolute path falls back to the plan", finding: policies.Finding{Rule: "X", Level: "warn", Msg: "m", Range: diag.Pos{File: "/etc/x.tf", Line: 4}.Range()}, doc: true, wantURI: "capacity/plan.cue", line: 1},
		{name: "nothing to anchor at", finding: policies.Finding{Rule: "X", Level: "warn", Msg: "m"}, doc: false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var doc *evaluator.Document
			if tc.doc {
				doc = fixtureDoc()
			}
			c := NewCheck(doc, &policies.Result{Verdict: "warn", Findings: []policies.Finding{tc.finding}})
			var log sarifLog
			if err := json.Unmarshal([]byte(render(t, "sarif", c, Options{})), &log); err != nil {
				t.Fatal(err)
			}
			r := log.Runs[0].Results[0]
			if tc.wantURI == "" {
				if len(r.Locations) != 0 {
					t.Errorf("locations = %+v, want none", r.Locations)
				}
				return
			}
			if len(r.Locations) != 1 {
				t.Fatalf("locations = %+v, want one", r.Locations)
			}
			pl := r.Locations[0].PhysicalLocation
			if pl.ArtifactLocation.URI != tc.wantURI || pl.Region.StartLine != tc.line {
				t.Errorf("location = %s:%d, want %s:%d", pl.ArtifactLocation.URI, pl.Region.StartLine, tc.wantURI, tc.line)
			}
		})
	}
}

func TestJUnitParsesBack(t *testing.T) {
	tests := []struct {
		name                     string
		check                    *Check
		tests, failures, skipped int
		names                    []string
	}{
		{
			name:  "fixture",
			check: fixtureCheck(),
			// 6 findings; both head pools are targeted by one, so no pool
			// cases; failures CAP001, CAP004; skipped CAP002, CAP007.
			tests: 6, failures: 2, skipped: 2,
			names: []string{"ORG001 plan/prod", "CAP010 plan/prod", "CAP001 pool/h100-use1", "CAP002 pool/h100-use1", "CAP007 pool/h200-euw1", "CAP004 reservation/aws_ec2_capacity_reservation.h100_use1a"},
		},
		{
			name:  "clean run",
			check: NewCheck(fixtureDoc(), &policies.Result{Verdict: "pass"}),
			// two head pools; the removed l4-old is not a case.
			tests: 2, failures: 0, skipped: 0,
			names: []string{"pool pool/h100-use1", "pool pool/h200-euw1"},
		},
		{
			name: "control characters",
			check: &Check{Version: evaluator.Version, Verdict: "fail", Findings: []policies.Finding{{
				Rule: "CAP001", Level: "deny", Blocking: true, Target: "pool/a<b>&\"c\"", Msg: "bad \x1b[31m ]]> </failure>",
			}}},
			tests: 1, failures: 1,
			names: []string{"CAP001 pool/a<b>&\"c\""},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out := render(t, "junit", tc.check, Options{})
			var got junitSuites
			if err := xml.Unmarshal([]byte(out), &got); err != nil {
				t.Fatalf("output does not parse: %v\n%s", err, out)
			}
			if len(got.Suites) != 1 {
				t.Fatalf("%d suites, want 1", len(got.Suites))
			}
			s := got.Suites[0]
			var failures, skipped int
			var names []string
			for _, c := range s.Cases {
				names = append(names, c.Classname+" "+c.Name)
				if c.Failure != nil {
					failures++
				}
				if c.Skipped != nil {
					skipped++
				}
			}
			if s.Tests != tc.tests || len(s.Cases) != tc.tests || got.Tests != tc.tests {
				t.Errorf("tests = %d (suites %d), %d cases, want %d", s.Tests, got.Tests, len(s.Cases), tc.tests)
			}
			if s.Failures != tc.failures || failures != tc.failures || got.Failures != tc.failures {
				t.Errorf("failures = %d, %d failing cases, want %d", s.Failures, failures, tc.failures)
			}
			if s.Skipped != tc.skipped || skipped != tc.skipped || got.Skipped != tc.skipped {
				t.Errorf("skipped = %d, %d skipped cases, want %d", s.Skipped, skipped, tc.skipped)
			}
			if diff := cmp.Diff(tc.names, names); diff != "" {
				t.Errorf("cases (-want +got):\n%s", diff)
			}
		})
	}
}
