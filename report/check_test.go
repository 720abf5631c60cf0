package report

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/capcheck/capcheck/evaluator"
	"github.com/capcheck/capcheck/internal/diag"
	"github.com/capcheck/capcheck/policies"
	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// golden compares got with testdata/name, rewriting it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read golden file (run go test -update to create it): %v", err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("%s mismatch (-want +got; go test -update rewrites it):\n%s", path, diff)
	}
}

func render(t *testing.T, format string, c *Check, opts Options) string {
	t.Helper()
	var b bytes.Buffer
	if err := Write(&b, format, c, opts); err != nil {
		t.Fatalf("Write(%s): %v", format, err)
	}
	return b.String()
}

func TestCheckGolden(t *testing.T) {
	ext := map[string]string{"text": "txt", "json": "json", "markdown": "md", "sarif": "sarif", "github": "github.txt", "junit": "xml", "html": "html"}
	for _, format := range Formats() {
		t.Run(format, func(t *testing.T) {
			got := render(t, format, fixtureCheck(), fixtureOptions())
			golden(t, "check."+ext[format]+".golden", []byte(got))
			// Deterministic: a second rendering is byte-identical.
			if again := render(t, format, fixtureCheck(), fixtureOptions()); again != got {
				t.Errorf("%s output differs between two renderings", format)
			}
		})
	}
}

// TestCheckGoldenNoDiff renders a single tree (no base) whose findings are
// all cleared: verdict pass, no arrows, a chart for every pool.
func TestCheckGoldenNoDiff(t *testing.T) {
	doc := fixtureDoc()
	doc.Base = nil
	fs := fixtureFindings()
	var kept []policies.Finding
	for _, f := range fs {
		if f.Excepted {
			kept = append(kept, f)
		}
	}
	c := NewCheck(doc, &policies.Result{Verdict: policies.VerdictPass, Findings: kept})
	for _, format := range []string{"text", "markdown", "junit"} {
		ext := map[string]string{"text": "txt", "markdown": "md", "junit": "xml"}[format]
		t.Run(format, func(t *testing.T) {
			golden(t, "check-nodiff."+ext+".golden", []byte(render(t, format, c, Options{})))
		})
	}
}

func TestTextVerdict(t *testing.T) {
	blocking := policies.Finding{Rule: "CAP001", Level: "deny", Blocking: true}
	warning := policies.Finding{Rule: "CAP010", Level: "warn"}
	advisory := policies.Finding{Rule: "ORG001", Level: "deny", Enforcement: policies.Advisory}
	excepted := policies.Finding{Rule: "CAP007", Level: "warn", Excepted: true}
	overridden := policies.Finding{Rule: "CAP002", Level: "deny", Overridden: true}
	tests := []struct {
		name     string
		verdict  string
		findings []policies.Finding
		want     string
	}{
		{name: "fail", verdict: "fail", findings: []policies.Finding{blocking, blocking, warning, advisory, warning}, want: "FAIL: 2 blocking findings, 3 warnings"},
		{name: "fail one", verdict: "fail", findings: []policies.Finding{blocking, excepted}, want: "FAIL: 1 blocking finding (1 excepted)"},
		{name: "warn", verdict: "warn", findings: []policies.Finding{warning, warning, advisory}, want: "PASS with 3 warnings"},
		{name: "warn one", verdict: "warn", findings: []policies.Finding{warning, overridden}, want: "PASS with 1 warning (1 overridden)"},
		{name: "overridden only", verdict: "warn", findings: []policies.Finding{overridden}, want: "PASS (1 overridden)"},
		{name: "pass", verdict: "pass", want: "PASS"},
		{name: "pass excepted", verdict: "pass", findings: []policies.Finding{excepted, excepted}, want: "PASS (2 excepted)"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := &Check{Version: evaluator.Version, Verdict: tc.verdict, Findings: tc.findings}
			got := render(t, "text", c, Options{})
			lines := strings.Split(strings.TrimSuffix(got, "\n"), "\n")
			if last := lines[len(lines)-1]; last != tc.want {
				t.Errorf("verdict line = %q, want %q", last, tc.want)
			}
		})
	}
}

func TestTextFindingLines(t *testing.T) {
	got := render(t, "text", fixtureCheck(), Options{})
	want := []string{
		"capcheck: deny: [ORG001] plan prod has no cost centre label (advisory)",
		"capacity/plan.cue:3:1: warn: [CAP010] plan prod was last reviewed 2025-11-20, 110 days ago (more than 92)",
		"capacity/plan.cue:14:3: deny: [CAP001] pool h100-use1: headroom 17% in 2026-06 is below 30% (needs 33.2 GPUs, has 40); add 8 GPUs or lower demand",
		"capacity/plan.cue:14:3: deny: [CAP002] pool h100-use1: N+1 across zones fails in 2026-06: 20 GPUs left after losing us-east-1a, needs 33.2 (overridden)",
		"capacity/plan.cue:40:3: warn: [CAP007] pool h200-euw1: 24 reserved GPUs, 11.43 backed: 12.57 unbacked (excepted: ramping up for the Q3 launch)",
		"infra/gpu.tf:14:1: deny: [CAP004] reservation aws_ec2_capacity_reservation.h100_use1a changes from 48 to 40 GPUs",
	}
	lines := strings.Split(got, "\n")
	if diff := cmp.Diff(want, lines[:len(want)]); diff != "" {
		t.Errorf("finding lines (-want +got):\n%s", diff)
	}
	// The table shows base → head where a figure changed.
	for _, cell := range []string{"48 → 40", "30.8% → 17% (2026-06)", "N+1 ok → NO", "2026-08 → 2026-04", "$89,280 → $74,400", "h200-euw1 (new)", "l4-old (removed)"} {
		if !strings.Contains(got, cell) {
			t.Errorf("text table lacks %q:\n%s", cell, got)
		}
	}
}

// TestTextControlCharacters: one finding is one line (its line break shown
// as \n), and terminal escapes in repository text are shown, not run.
func TestTextControlCharacters(t *testing.T) {
	c := &Check{Version: evaluator.Version, Verdict: "warn", Findings: []policies.Finding{{
		Rule: "ORG002", Level: "warn", Msg: "line one\ninfra/x.tf:1:1: deny: [CAP001] fake\x1b[31m red\u202e",
		Range: diag.Pos{File: "infra/a.tf", Line: 2, Column: 1}.Range(),
	}}}
	got := render(t, "text", c, Options{})
	want := `infra/a.tf:2:1: warn: [ORG002] line one\ninfra/x.tf:1:1: deny: [CAP001] fake\x1b[31m red\u202e` + "\n\nPASS with 1 warning\n"
	if got != want {
		t.Errorf("text =\n%q\nwant\n%q", got, want)
	}
}

func TestWriteErrors(t *testing.T) {
	blocking := policies.Finding{Rule: "CAP001", Level: "deny", Blocking: true, Range: diag.Pos{File: "a.cue", Line: 1, Column: 2}.Range()}
	tests := []struct {
		name   string
		format string
		check  *Check
		want   string
	}{
		{name: "unknown format", format: "pdf", check: &Check{Verdict: "pass"}, want: `check: unknown format "pdf" (want one of [text json markdown sarif github junit html])`},
		{name: "nil", format: "text", check: nil, want: "render check: no result"},
		{name: "not judged", format: "markdown", check: NewCheck(fixtureDoc(), nil), want: `render check: verdict is "", want pass, warn or fail`},
		{name: "pass contradicts a blocking finding", format: "markdown", check: &Check{Verdict: "pass", Findings: []policies.Finding{blocking}},
			want: `render check: verdict is "pass" but CAP001 at a.cue:1:2 blocks`},
		{name: "limit too small", format: "markdown", check: fixtureCheck(), want: "render check as markdown: the Markdown limit of 100 characters is too small for the verdict and the truncation notice"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var b bytes.Buffer
			err := Write(&b, tc.format, tc.check, Options{MaxChars: 100})
			if err == nil || err.Error() != tc.want {
				t.Fatalf("Write error = %v, want %q", err, tc.want)
			}
			if b.Len() != 0 {
				t.Errorf("Write wrote %d bytes on error, want none", b.Len())
			}
		})
	}
}

func TestJSONRoundTrip(t *testing.T) {
	c := fixtureCheck()
	out := render(t, "json", c, Options{})
	for _, s := range []string{`"version": "capcheck/v1"`, `"verdict": "fail"`, `"status": "removed"`, `"reserved_gpus": 40`, `"document": {`} {
		if !strings.Contains(out, s) {
			t.Errorf("JSON lacks %s", s)
		}
	}
	back, err := ReadCheck(strings.NewReader(out))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(c, back); diff != "" {
		t.Errorf("ReadCheck(Write(json)) mismatch (-want +got):\n%s", diff)
	}

	empty := render(t, "json", &Check{Version: evaluator.Version, Verdict: "pass"}, Options{})
	for _, s := range []string{`"pools": []`, `"findings": []`} {
		if !strings.Contains(empty, s) {
			t.Errorf("empty result JSON lacks %s:\n%s", s, empty)
		}
	}
}

func TestReadCheckErrors(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{name: "version", in: `{"version": "capcheck/v0", "verdict": "pass"}`, want: `read check result: version is "capcheck/v0", want "capcheck/v1"`},
		{name: "verdict", in: `{"version": "capcheck/v1", "verdict": "maybe"}`, want: `read check result: verdict is "maybe", want pass, warn or fail`},
		{name: "syntax", in: `{"version": `, want: "read check result: unexpected EOF"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ReadCheck(strings.NewReader(tc.in))
			if err == nil || err.Error() != tc.want {
				t.Errorf("ReadCheck error = %v, want %q", err, tc.want)
			}
		})
	}
}

func TestMoney(t *testing.T) {
	tests := []struct {
		f        float64
		currency string
		want     string
	}{
		{f: 55353.6, currency: "USD", want: "$55,354"},
		{f: 1234567.4, currency: "", want: "$1,234,567"},
		{f: 999, currency: "EUR", want: "999 EUR"},
		{f: -14880, currency: "USD", want: "−$14,880"},
		{f: -0.4, currency: "USD", want: "$0"},
	}
	for _, tc := range tests {
		if got := money(tc.f, tc.currency); got != tc.want {
			t.Errorf("money(%v, %q) = %q, want %q", tc.f, tc.currency, got, tc.want)
		}
	}
}
