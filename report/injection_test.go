package report

import (
	"bytes"
	"encoding/json"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/capcheck/capcheck/inventory"

	"github.com/capcheck/capcheck/forecast"
	"github.com/capcheck/capcheck/internal/diag"
	"github.com/capcheck/capcheck/policies"
)

// hostile is repository text that tries to start workflow commands: after
// a line feed, after a bare CR (which ends a runner line too), at the
// start of the text, and in the runner's older "##[" form, which it finds
// anywhere in a line.
const hostile = "x\n::error file=x::lf\r::warning::cr\r\n  ::notice::crlf ##[error]old"

// TestLineOutputsHoldRepositoryText: in every line-oriented output (the
// text report, GitHub annotations, Markdown, the inventory and forecast
// tables) repository text stays on its line, escaped by diag.Text, so no
// line the runner reads starts a command the repository wrote (issue 10,
// item 5).
func TestLineOutputsHoldRepositoryText(t *testing.T) {
	doc := fixtureDoc()
	doc.Base = nil
	doc.Pools[0].Plan = hostile
	chk := NewCheck(doc, &policies.Result{Verdict: policies.VerdictFail, Findings: []policies.Finding{{
		Rule: "CAP001", Title: hostile, Level: "deny", Blocking: true, Target: "pool/" + hostile,
		Msg: hostile, Range: diag.Pos{File: "::capacity/a.cue", Line: 7, Column: 2}.Range(),
	}, {
		Rule: "::ORG001", Level: "warn", Msg: "::" + hostile, Range: diag.Pos{File: hostile, Line: 3}.Range(),
	}, {
		Rule: "CAP007", Level: "warn", Excepted: true, Target: "pool/p", Msg: "m", Exception: hostile,
	}}})

	outputs := map[string]string{}
	for _, f := range []string{"text", "github", "markdown"} {
		outputs[f] = render(t, f, chk, fixtureOptions())
	}
	// The structured formats escape line breaks themselves; they too may
	// be printed to a job's log, so "##[" is escaped in them as well.
	for _, f := range []string{"json", "sarif", "junit"} {
		out := render(t, f, chk, fixtureOptions())
		if strings.Contains(out, "##[") || strings.Contains(out, "\r") {
			t.Errorf("%s output holds ##[ or a CR:\n%s", f, out)
		}
		if f != "junit" && !json.Valid([]byte(out)) {
			t.Errorf("%s output is not JSON after escaping", f)
		}
		if f == "json" {
			var back Check
			if err := json.Unmarshal([]byte(out), &back); err != nil || back.Findings[0].Msg != hostile {
				t.Errorf("json round trip: %v, msg %q, want %q", err, back.Findings[0].Msg, hostile)
			}
		}
	}
	var b bytes.Buffer
	inv := &inventory.Inventory{
		Reservations: []inventory.Entry{{Address: `aws_ec2_capacity_reservation.a["` + hostile + `"]`, Range: diag.Pos{File: "infra/a.tf", Line: 1}.Range(),
			Kind: "reservation", Zone: hostile, Guaranteed: true, Pool: hostile, Start: hostile}},
		Unresolved: []inventory.Unresolved{{Address: hostile, Range: diag.Pos{File: "infra/" + hostile, Line: 2, Column: 1}.Range(), Msg: hostile}},
	}
	if err := Inventory(&b, "text", inv); err != nil {
		t.Fatal(err)
	}
	outputs["inventory"] = b.String()
	b.Reset()
	res := &forecast.Result{Method: "linear", Model: "linear trend", Reason: hostile, Step: 24 * time.Hour,
		Forecast:   []forecast.Point{{Time: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), Value: 1}},
		Candidates: []forecast.Candidate{{Method: "ets-additive", Model: "ETS(A,N,N)", Err: hostile}}}
	if err := Forecast(&b, "text", ForecastInput{Name: hostile, Aggregation: "none", Points: 3, Result: res}); err != nil {
		t.Fatal(err)
	}
	outputs["forecast"] = b.String()

	own := regexp.MustCompile(`^::(error|warning|notice) [^\r\n]*::`)
	for name, out := range outputs {
		if strings.Contains(out, "\r") {
			t.Errorf("%s output holds a CR:\n%q", name, out)
		}
		if strings.Contains(out, "##[") {
			t.Errorf("%s output holds ##[:\n%s", name, out)
		}
		if !strings.Contains(out, `x\n::error file=x::lf\r::warning::cr\r\n  ::notice::crlf ##\x5berror]old`) &&
			!strings.Contains(out, `x\\n::error file=x::lf\\r::warning::cr\\r\\n  ::notice::crlf \#\#\\x5berror\]old`) {
			t.Errorf("%s output lacks the escaped text:\n%s", name, out)
		}
		for _, line := range strings.Split(out, "\n") {
			if !strings.HasPrefix(strings.TrimLeft(line, " \t"), "::") {
				continue
			}
			if name != "github" || !own.MatchString(line) {
				t.Errorf("%s output has a line starting a workflow command: %q", name, line)
			}
		}
	}
	// The annotations: one line per finding, the repository's "::" at the
	// start of a rule or of a file (not a repository path, so it leads the
	// message) shown as \x3a:.
	gh := outputs["github"]
	if n := strings.Count(gh, "\n"); n != 3 {
		t.Errorf("3 findings gave %d annotation lines:\n%s", n, gh)
	}
	if !strings.Contains(gh, `title=\x3a%3AORG001::`) || !strings.Contains(gh, `::\x3a:capacity/a.cue:7:2: x\n::error`) {
		t.Errorf("leading :: not escaped in the annotations:\n%s", gh)
	}
	if text := outputs["text"]; !strings.Contains(text, "\n"+`\x3a:capacity/a.cue:7:2: deny: [CAP001] x\n::error`) &&
		!strings.HasPrefix(text, `\x3a:capacity/a.cue:7:2: deny: [CAP001] x\n::error`) {
		t.Errorf("a file starting with :: opens a text line unescaped:\n%s", text)
	}
}
