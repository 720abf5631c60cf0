package report

import (
	"fmt"
	"html"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/capcheck/capcheck/evaluator"
	"github.com/google/go-cmp/cmp"
	"github.com/rogpeppe/go-internal/txtar"
)

// commentWidth is the width of a PR comment's body on github.com (the
// 826 px comment box less its 16 px padding on each side).
const commentWidth = 794

// columnWidth estimates the width GitHub gives a table column that is not
// wrapped: its widest cell at 14 px system-ui, budgeted generously (8 px a
// character, 8.5 in bold — header cells are bold —, 14 px for symbols such
// as →, ✓, ✗ and −), plus the cell's padding (6 px 13 px) and border.
func columnWidth(cells []string, bold []bool) float64 {
	widest := 0.0
	for i, c := range cells {
		w := 0.0
		per := 8.0
		if bold[i] || strings.HasPrefix(c, "**") {
			per = 8.5
		}
		plain := html.UnescapeString(strings.NewReplacer(`\`, "", "**", "", "*", "").Replace(c))
		for _, r := range plain {
			if r < utf8.RuneSelf {
				w += per
			} else {
				w += 14
			}
		}
		widest = max(widest, w)
	}
	return widest + 26 + 1
}

// tableWidth is the unwrapped width of the first Markdown table in md that
// is not inside a <details> section (the one a reviewer sees first).
func tableWidth(t *testing.T, md string) (float64, string) {
	t.Helper()
	var rows [][]string
	inDetails := false
	for _, l := range strings.Split(md, "\n") {
		switch {
		case strings.HasPrefix(l, "<details"):
			inDetails = true
		case strings.HasPrefix(l, "</details>"):
			inDetails = false
		case !inDetails && strings.HasPrefix(l, "|"):
			rows = append(rows, splitRow(l))
			continue
		}
		if len(rows) > 0 {
			break
		}
	}
	if len(rows) < 3 {
		t.Fatalf("no table outside <details> in:\n%s", md)
	}
	total := 1.0
	for col := range rows[0] {
		var cells []string
		var bold []bool
		for i, r := range rows {
			if i == 1 || col >= len(r) { // the delimiter row
				continue
			}
			cells = append(cells, r[col])
			bold = append(bold, i == 0)
		}
		total += columnWidth(cells, bold)
	}
	return total, strings.Join(rows[0], " | ")
}

// splitRow splits a table row at its unescaped pipes.
func splitRow(l string) []string {
	l = strings.TrimSuffix(strings.TrimPrefix(l, "|"), "|")
	var cells []string
	var b strings.Builder
	for i := 0; i < len(l); i++ {
		switch {
		case l[i] == '\\' && i+1 < len(l):
			b.WriteByte(l[i])
			b.WriteByte(l[i+1])
			i++
		case l[i] == '|':
			cells = append(cells, strings.TrimSpace(b.String()))
			b.Reset()
		default:
			b.WriteByte(l[i])
		}
	}
	return append(cells, strings.TrimSpace(b.String()))
}

// TestCommentTableFits is the column budget of issue 16: the table a
// reviewer sees first fits the 794 px of a comment unwrapped, so the
// monthly cost and its change are on screen without a scroll. The full
// table (collapsed) is what used to lead, and it does not fit: the budget
// can fail.
func TestCommentTableFits(t *testing.T) {
	ar, err := txtar.ParseFile("../testdata/script/diff_remove.txtar")
	if err != nil {
		t.Fatal(err)
	}
	var diffRemove string
	for _, f := range ar.Files {
		if f.Name == "want.md" {
			diffRemove = string(f.Data)
		}
	}
	if diffRemove == "" {
		t.Fatal("diff_remove.txtar has no want.md")
	}
	comments := map[string]string{
		"fixture":     render(t, "markdown", fixtureCheck(), fixtureOptions()),
		"diff_remove": diffRemove,
	}
	for name, md := range comments {
		t.Run(name, func(t *testing.T) {
			w, head := tableWidth(t, md)
			if w > commentWidth {
				t.Errorf("the lead table (%s) is %.0f px unwrapped, wider than the comment's %d px", head, w, commentWidth)
			}
			if !strings.Contains(head, "Monthly cost") {
				t.Errorf("the lead table (%s) has no Monthly cost column", head)
			}
			// The collapsed full table, were it to lead.
			_, rest, ok := strings.Cut(md, "<summary>All pool figures")
			if !ok {
				t.Fatal("no collapsed full pool table")
			}
			_, rest, _ = strings.Cut(rest, "\n\n")
			if full, _ := tableWidth(t, rest); full <= commentWidth {
				t.Errorf("the full table is %.0f px, within the budget: the budget would accept the old layout", full)
			}
		})
	}
}

// TestChartAxis: a 24-month chart labels quarters and the cliff, every
// category distinct (Mermaid merges equal ones, which would misplace the
// bars), and the section is open only when the pull request changes the
// pool.
func TestChartAxis(t *testing.T) {
	p := &evaluator.PoolSummary{Name: "h100-use1", Plan: "llm", HeadroomMin: 0.3, Cliff: "2027-03", OrderBy: "2026-12-09"}
	for i := range 24 {
		y, m := 2026+(10+i)/12, (10+i)%12+1 // 2026-11 … 2028-10
		p.Timeline = append(p.Timeline, evaluator.MonthDoc{Month: fmt.Sprintf("%d-%02d", y, m), CapacityGPUs: 56, RequiredGPUs: float64(37 + i)})
	}
	got := poolDetails(p, true)
	var axis string
	for _, l := range strings.Split(got, "\n") {
		if a, ok := strings.CutPrefix(l, "    x-axis ["); ok {
			axis = strings.TrimSuffix(a, "]")
		}
	}
	labels := strings.Split(axis, ", ")
	var shown []string
	seen := map[string]bool{}
	for _, l := range labels {
		if seen[l] {
			t.Errorf("category %s appears twice", l)
		}
		seen[l] = true
		if strings.TrimSpace(strings.Trim(l, `"`)) != "" {
			shown = append(shown, strings.Trim(l, `"`))
		}
	}
	if len(labels) != 24 {
		t.Fatalf("%d categories, want 24: %s", len(labels), axis)
	}
	// The first month, each quarter's first month, the cliff (2027-03).
	want := []string{"2026-11", "2027-01", "cliff 2027-03", "2027-04", "2027-07", "2027-10", "2028-01", "2028-04", "2028-07", "2028-10"}
	if diff := cmp.Diff(want, shown); diff != "" {
		t.Errorf("labelled months (-want +got):\n%s", diff)
	}
	if !strings.HasPrefix(got, "<details open><summary>") {
		t.Errorf("a changed pool's chart is not open:\n%s", got)
	}
	if closed := poolDetails(p, false); !strings.HasPrefix(closed, "<details><summary>") {
		t.Errorf("an unchanged pool's chart is open:\n%s", closed)
	}
	for _, want := range []string{
		"    bar \"capacity\" [", "    line \"required\" [", "    line \"usable\" [",
		"Legend: grey bars, guaranteed capacity; red line, required GPUs at the peak; blue line, the most GPUs usable at headroom_min 30% (capacity × 0.7). Capacity cliff 2027-03 (marked on the axis), order by 2026-12-09.",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("chart lacks %q:\n%s", want, got)
		}
	}
}
