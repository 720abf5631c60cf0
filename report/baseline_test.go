package report

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/capcheck/capcheck/evaluator"
	"github.com/capcheck/capcheck/internal/diag"
	"github.com/capcheck/capcheck/policies"
	"github.com/google/go-cmp/cmp"
)

// baselineCheck is a pull request diff over a failing base: CAP001 on
// h100-use1 is unchanged (existing, not blocking under report), CAP002 is
// worse (blocking), CAP010 an unchanged warning, and the base's CAP005 is
// fixed.
func baselineCheck(existing string) *Check {
	existingDeny := policies.Finding{
		Rule: "CAP001", Level: "deny", Msg: "pool h100-use1: headroom 26.4% in 2027-03 is below 30%",
		Target: "pool/h100-use1", Range: diag.Pos{File: "capacity/plan.cue", Line: 14, Column: 3}.Range(),
		Enforcement: policies.SoftMandatory, Baseline: policies.BaselineUnchanged,
		Blocking: existing == policies.ExistingBlock,
	}
	worse := policies.Finding{
		Rule: "CAP002", Level: "deny", Msg: "pool h100-use1: N+1 fails: 24 GPUs left for 37",
		Target: "pool/h100-use1", Range: diag.Pos{File: "capacity/plan.cue", Line: 14, Column: 3}.Range(),
		Enforcement: policies.SoftMandatory, Baseline: policies.BaselineWorse, BaseMsg: "pool h100-use1: N+1 fails: 32 GPUs left for 37",
		Blocking: true,
	}
	warning := policies.Finding{
		Rule: "CAP010", Level: "warn", Msg: "plan prod was last reviewed 110 days ago",
		Target: "plan/prod", Range: diag.Pos{File: "capacity/plan.cue", Line: 3, Column: 1}.Range(),
		Enforcement: policies.Advisory, Baseline: policies.BaselineUnchanged,
	}
	fixed := policies.Finding{
		Rule: "CAP005", Level: "deny", Msg: "pool l4-usc1: capacity cliff in 2026-05",
		Target: "pool/l4-usc1", Range: diag.Pos{File: "capacity/old.cue", Line: 9, Column: 3}.Range(),
		Enforcement: policies.SoftMandatory, Baseline: policies.BaselineAbsent,
	}
	return &Check{
		Version:  evaluator.Version,
		Verdict:  policies.VerdictFail,
		Pools:    []evaluator.PoolSummary{},
		Findings: []policies.Finding{existingDeny, worse, warning},
		Baseline: &policies.Baseline{Existing: existing, Fixed: []policies.Finding{fixed}},
	}
}

func TestBaselineVerdictLines(t *testing.T) {
	report := baselineCheck(policies.ExistingReport)
	block := baselineCheck(policies.ExistingBlock)
	// Without the worse finding, the change passes with one existing.
	passing := baselineCheck(policies.ExistingReport)
	passing.Findings = []policies.Finding{passing.Findings[0], passing.Findings[2]}
	passing.Verdict = policies.VerdictWarn
	tests := []struct {
		name             string
		c                *Check
		wantText, wantMD string
	}{
		{
			name:     "existing reported, one new blocking",
			c:        report,
			wantText: "FAIL: 1 new blocking finding (1 existing), 1 warning",
			wantMD:   "### ❌ capcheck: 1 new blocking finding (1 existing: see below), 1 warning",
		},
		{
			name:     "existing reported, nothing new",
			c:        passing,
			wantText: "PASS: no new blocking findings (1 existing), 1 warning",
			wantMD:   "### ✅ capcheck: no new blocking findings (1 existing: see below), 1 warning",
		},
		{
			name:     "existing blocks",
			c:        block,
			wantText: "FAIL: 2 blocking findings (1 existing), 1 warning",
			wantMD:   "### ❌ capcheck: 2 blocking findings (1 existing), 1 warning",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			text := render(t, "text", tc.c, Options{})
			lines := strings.Split(strings.TrimSuffix(text, "\n"), "\n")
			if last := lines[len(lines)-1]; last != tc.wantText {
				t.Errorf("text verdict = %q, want %q", last, tc.wantText)
			}
			md := render(t, "markdown", tc.c, Options{})
			if got := strings.Split(md, "\n")[1]; got != tc.wantMD {
				t.Errorf("markdown verdict = %q, want %q", got, tc.wantMD)
			}
		})
	}
}

func TestBaselineMarkdownSections(t *testing.T) {
	md := render(t, "markdown", baselineCheck(policies.ExistingReport), Options{})
	for _, want := range []string{
		// The worse finding blocks and says what the base had.
		"#### Blocking findings\n\n- **CAP002** pool h100-use1: N+1 fails: 24 GPUs left for 37 *(worse than on the base, which had: pool h100-use1: N+1 fails: 32 GPUs left for 37)* — capacity/plan.cue:14\n",
		// The existing deny is collapsed, not blocking.
		"<details><summary>Existing findings (1): already on the base branch, not blocking this change</summary>\n\n- **CAP001** pool h100-use1: headroom 26.4% in 2027-03 is below 30% — capacity/plan.cue:14\n",
		// The base's finding the change fixed, at its base position.
		"#### Fixed by this change\n\n- **CAP005** pool l4-usc1: capacity cliff in 2026-05 — was at capacity/old.cue:9:3\n",
		// Warnings keep their section.
		"#### Warnings\n\n- **CAP010** plan prod was last reviewed 110 days ago — capacity/plan.cue:3\n",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("markdown lacks\n%s\nin\n%s", want, md)
		}
	}
}

func TestBaselineText(t *testing.T) {
	text := render(t, "text", baselineCheck(policies.ExistingReport), Options{})
	for _, want := range []string{
		"capacity/plan.cue:14:3: deny: [CAP001] pool h100-use1: headroom 26.4% in 2027-03 is below 30% (existing: already on the base)\n",
		"capacity/plan.cue:14:3: deny: [CAP002] pool h100-use1: N+1 fails: 24 GPUs left for 37 (worse than on the base)\n",
		"capacity/plan.cue:3:1: warn: [CAP010] plan prod was last reviewed 110 days ago\n",
		"Fixed by this change (findings of the base):\n  capacity/old.cue:9:3: deny: [CAP005] pool l4-usc1: capacity cliff in 2026-05\n",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("text lacks %q in\n%s", want, text)
		}
	}
}

func TestBaselineSARIF(t *testing.T) {
	var log struct {
		Runs []struct {
			Results []struct {
				RuleID        string `json:"ruleId"`
				Level         string `json:"level"`
				BaselineState string `json:"baselineState"`
				Suppressions  []struct {
					Justification string `json:"justification"`
				} `json:"suppressions"`
			} `json:"results"`
		} `json:"runs"`
	}
	if err := json.Unmarshal([]byte(render(t, "sarif", baselineCheck(policies.ExistingReport), fixtureOptions())), &log); err != nil {
		t.Fatal(err)
	}
	type result struct{ rule, level, state, suppressed string }
	var got []result
	for _, r := range log.Runs[0].Results {
		s := ""
		if len(r.Suppressions) > 0 {
			s = r.Suppressions[0].Justification
		}
		got = append(got, result{r.RuleID, r.Level, r.BaselineState, s})
	}
	want := []result{
		{"CAP001", "warning", "unchanged", ""},
		{"CAP002", "error", "updated", ""},
		{"CAP010", "warning", "unchanged", ""},
		{"CAP005", "note", "absent", "fixed by this change (the base's finding)"},
	}
	if diff := cmp.Diff(want, got, cmp.AllowUnexported(result{})); diff != "" {
		t.Errorf("SARIF results (-want +got):\n%s", diff)
	}
}

// TestReadCheckBaseline: a saved diff result reads back as written, and
// one that clears a blocking finding by calling it existing when the
// result says existing findings block, or fixes a blocking one, is
// refused.
func TestReadCheckBaseline(t *testing.T) {
	for _, existing := range []string{policies.ExistingReport, policies.ExistingBlock} {
		c := baselineCheck(existing)
		back, err := ReadCheck(strings.NewReader(render(t, "json", c, Options{})))
		if err != nil {
			t.Fatalf("%s: ReadCheck: %v", existing, err)
		}
		if diff := cmp.Diff(c, back); diff != "" {
			t.Errorf("%s: ReadCheck(Write(json)) (-want +got):\n%s", existing, diff)
		}
	}
	tests := []struct {
		name   string
		mutate func(c *Check)
		want   string
	}{
		{
			name:   "existing does not clear a finding when existing findings block",
			mutate: func(c *Check) { c.Baseline.Existing = policies.ExistingBlock },
			want:   "read check result: finding 0 (CAP001 at capacity/plan.cue:14:3): blocking is false, but a soft-mandatory deny finding (excepted false, overridden false) blocks: true",
		},
		{
			name:   "unknown existing",
			mutate: func(c *Check) { c.Baseline.Existing = "never" },
			want:   `read check result: baseline.existing is "never", want report or block`,
		},
		{
			name:   "unknown state",
			mutate: func(c *Check) { c.Findings[1].Baseline = "fine" },
			want:   `read check result: finding 1 (CAP002 at capacity/plan.cue:14:3): baseline is "fine", want new, unchanged, better or worse`,
		},
		{
			name:   "a state outside a diff",
			mutate: func(c *Check) { c.Baseline = nil },
			want:   `read check result: finding 0 (CAP001 at capacity/plan.cue:14:3): baseline is "unchanged" outside a diff`,
		},
		{
			name:   "a fixed finding that blocks",
			mutate: func(c *Check) { c.Baseline.Fixed[0].Blocking = true },
			want:   `read check result: fixed finding 0 (CAP005): baseline is "absent" and blocking true, want absent and not blocking`,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := baselineCheck(policies.ExistingReport)
			tc.mutate(c)
			data, err := json.Marshal(c)
			if err != nil {
				t.Fatal(err)
			}
			_, err = ReadCheck(strings.NewReader(string(data)))
			if err == nil || err.Error() != tc.want {
				t.Errorf("ReadCheck error = %v, want %q", err, tc.want)
			}
		})
	}
}
