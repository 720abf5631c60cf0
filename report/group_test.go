package report

import (
	"strings"
	"testing"

	"github.com/capcheck/capcheck/internal/diag"
	"github.com/capcheck/capcheck/policies"
)

// TestGroupFindingsLines checks the text and Markdown lines of grouped
// findings: the three CAP012 reservations of one module differ only in the
// zone of the address (and its GPUs), so they become one line; a finding
// with the same message but another baseline mark, and one at another
// position, stay on lines of their own.
func TestGroupFindingsLines(t *testing.T) {
	cap012 := func(zone, gpus, baseline string, line int) policies.Finding {
		addr := `module.r["` + zone + `"].this`
		return policies.Finding{
			Rule: "CAP012", Level: policies.LevelWarn, Range: diag.Pos{File: "modules/r/main.tf", Line: line, Column: 1}.Range(),
			Target:   "reservation/" + addr,
			Msg:      "pool p: reservation " + addr + " (" + gpus + " GPUs) ends 2028-06-30; renew it",
			Baseline: baseline,
		}
	}
	fs := []policies.Finding{
		cap012("us-east-1a", "24", policies.BaselineNew, 25),
		{Rule: "CAP010", Level: policies.LevelWarn, Msg: "plan x: stale", Target: "plan/x"},
		cap012("us-east-1b", "24", policies.BaselineNew, 25),
		cap012("us-east-1c", "16", policies.BaselineNew, 25),
		cap012("us-east-1d", "8", policies.BaselineUnchanged, 25),
		cap012("us-east-1e", "8", policies.BaselineNew, 30),
	}
	var text []string
	for _, g := range groupFindings(fs) {
		text = append(text, textFinding(g))
	}
	wantText := strings.Join([]string{
		`modules/r/main.tf:25:1: warn: [CAP012] pool p: reservation … ends 2028-06-30; renew it — 3 findings: module.r["us-east-1a"].this (24 GPUs); module.r["us-east-1b"].this (24 GPUs); module.r["us-east-1c"].this (16 GPUs)`,
		`capcheck: warn: [CAP010] plan x: stale`,
		`modules/r/main.tf:25:1: warn: [CAP012] pool p: reservation module.r["us-east-1d"].this (8 GPUs) ends 2028-06-30; renew it`,
		`modules/r/main.tf:30:1: warn: [CAP012] pool p: reservation module.r["us-east-1e"].this (8 GPUs) ends 2028-06-30; renew it`,
	}, "\n")
	if got := strings.Join(text, "\n"); got != wantText {
		t.Errorf("text lines:\n%s\nwant:\n%s", got, wantText)
	}
	md := findingList("Warnings", groupFindings(fs[:4]), linker{}.item)
	wantMD := []string{
		"#### Warnings\n\n- **CAP012** pool p: reservation … ends 2028-06-30; renew it — 3 findings: " +
			`module.r\[&quot;us-east-1a&quot;\].this (24 GPUs); module.r\[&quot;us-east-1b&quot;\].this (24 GPUs); module.r\[&quot;us-east-1c&quot;\].this (16 GPUs)` +
			" — modules/r/main.tf:25\n",
		"- **CAP010** plan x: stale\n\n",
	}
	if strings.Join(md, "|") != strings.Join(wantMD, "|") {
		t.Errorf("markdown blocks:\n%q\nwant:\n%q", md, wantMD)
	}
}

// TestGroupFindingsKeepsMarks checks that grouped blocking findings keep
// their baseline mark in the comment and that messages differing outside
// the address are not grouped.
func TestGroupFindingsKeepsMarks(t *testing.T) {
	worse := func(addr, msg string) policies.Finding {
		return policies.Finding{Rule: "CAP004", Level: policies.LevelDeny, Blocking: true, Baseline: policies.BaselineWorse,
			Target: "reservation/" + addr, Msg: msg, Range: diag.Pos{File: "infra/gpu.tf", Line: 3, Column: 1}.Range()}
	}
	grouped := groupFindings([]policies.Finding{
		worse("a.x", "reservation a.x shrinks"),
		worse("a.y", "reservation a.y shrinks"),
	})
	if len(grouped) != 1 {
		t.Fatalf("groupFindings: %d groups, want 1", len(grouped))
	}
	want := "- **CAP004** reservation … shrinks — 2 findings: a.x; a.y *(worse than on the base)* — infra/gpu.tf:3\n"
	if got := (linker{}).item(grouped[0]); got != want {
		t.Errorf("item = %q, want %q", got, want)
	}
	apart := groupFindings([]policies.Finding{
		worse("a.x", "reservation a.x shrinks to 4"),
		worse("a.y", "reservation a.y shrinks to 8 in 2027"),
	})
	if len(apart) != 2 {
		t.Errorf("messages differing outside the address: %d groups, want 2", len(apart))
	}
}
