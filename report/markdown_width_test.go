package report

import (
	"fmt"
	"html"
	"slices"
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

// mdTable is one Markdown table of a comment: its header cells joined by
// " | ", its unwrapped width (see columnWidth) and whether it sits inside
// a <details> section (collapsed on GitHub).
type mdTable struct {
	head      string
	width     float64
	inDetails bool
}

// mdTables is every table of md, in order.
func mdTables(md string) []mdTable {
	var out []mdTable
	var rows [][]string
	depth := 0
	flush := func() {
		if len(rows) >= 3 {
			out = append(out, mdTable{strings.Join(rows[0], " | "), rowsWidth(rows), depth > 0})
		}
		rows = nil
	}
	for _, l := range strings.Split(md, "\n") {
		if strings.HasPrefix(l, "|") {
			rows = append(rows, splitRow(l))
			continue
		}
		flush()
		switch {
		case strings.HasPrefix(l, "<details"):
			depth++
		case strings.HasPrefix(l, "</details>"):
			depth--
		}
	}
	flush()
	return out
}

// rowsWidth is the unwrapped width of a table (header, delimiter, rows).
func rowsWidth(rows [][]string) float64 {
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
	return total
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

// scriptWant is the want.md of a testdata/script archive, the comment
// that script compares with the real output.
func scriptWant(t *testing.T, name string) string {
	t.Helper()
	ar, err := txtar.ParseFile("../testdata/script/" + name + ".txtar")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range ar.Files {
		if f.Name == "want.md" {
			return string(f.Data)
		}
	}
	t.Fatalf("%s.txtar has no want.md", name)
	return ""
}

// kubernetesDiffCheck is the fixture with Kubernetes figures on
// h100-use1 that the change moves, Kueue borrowing included, so that
// every cell of the Kubernetes table is at its widest ("base → head").
func kubernetesDiffCheck() *Check {
	c := fixtureCheck()
	p := &c.Pools[0]
	p.Base.Kubernetes = &evaluator.KubernetesSummary{LimitGPUs: 160, WorkloadGPUsMax: 37, QuotaGPUs: 16, AdmitGPUs: 24, NodePools: 1, Queues: 1, Workloads: 2}
	p.Kubernetes = &evaluator.KubernetesSummary{LimitGPUs: 176, WorkloadGPUsMax: 45, QuotaGPUs: 24, AdmitGPUs: 32, NodePools: 1, Queues: 1, Workloads: 2}
	return c
}

// suggestCheck is the fixture with suggest_check.txtar's cheapest fix
// attached to h100-use1: three p5.48xlarge reservations to add.
func suggestCheck() *Check {
	c := fixtureCheck()
	ps := &evaluator.PoolSuggestion{Pool: "h100-use1", Plan: "prod", Status: evaluator.SuggestFixed, Total: 840960}
	for _, z := range []string{"a", "b", "c"} {
		ps.Changes = append(ps.Changes, evaluator.Change{Action: "add", Address: "aws_ec2_capacity_reservation.h100_fix_us_east_1" + z + "_2026_11",
			Zone: "us-east-1" + z, InstanceType: "p5.48xlarge", Instances: 1, GPUs: 8, Start: "2026-11-21", MonthlyCost: 23040, HorizonCost: 280320})
	}
	c.Pools[0].Suggestion = ps
	return c
}

// auditCheck is the fixture with audit_csv.txtar's audit attached (the
// scheduled audit issue, rendered as the comment is): ranker observed at
// p95 3000 requests/s against the plan's 2400, +25%, from its CSV file;
// l4-usc1's utilisation and its cliff moved by the observed demand.
func auditCheck() *Check {
	c := fixtureCheck()
	c.Document.Audit = &evaluator.AuditDoc{
		Start: "2026-11-07T00:00:00Z", End: "2026-11-21T00:00:00Z", WindowDays: 14,
		Workloads: []evaluator.AuditWorkloadDoc{{Name: "ranker", Pool: "l4-usc1", Source: "actuals/ranker.csv", Unit: "requests/s", Basis: "p95",
			Observed: 3000, Projected: 2400, ProjectedMonth: "2026-11", Drift: 0.25, DriftTolerance: 0.15}},
		Pools: []evaluator.AuditPoolDoc{{Name: "l4-usc1", GPU: &evaluator.UtilizationDoc{P95: 0.75, Peak: 0.75},
			Reservation: &evaluator.UtilizationDoc{Mean: 0.45}, Cliff: "2028-04", RefreshedCliff: "2027-04"}},
	}
	return c
}

// TestCommentTableFits is the column budget of issue 16: every table a
// comment shows open (not inside <details>) fits the 794 px of a comment
// unwrapped, so the monthly cost and its change, a dependency's headroom
// and cliff, a fix's address and cost are on screen without a scroll.
// The full tables (collapsed) are what used to be shown open, and they do
// not fit: the budget can fail. The comments: the fixture's; the two
// base → head comments the scripts compare with cmp (diff_remove,
// baseline_existing: pools, Kubernetes, dependencies); the dependency
// diff of TestDependencyMarkdownDiff (a new and a removed dependency,
// arrows in every cell); Kubernetes figures moved by the change with
// borrowing; a cheapest fix (check --suggest); and an audit (the
// scheduled audit issue, which the same renderer writes).
func TestCommentTableFits(t *testing.T) {
	comments := []struct {
		name string
		md   string
		// open are the heads of the tables shown open, in order; full
		// those of the collapsed tables that would not fit open.
		open, full []string
	}{
		{"fixture", render(t, "markdown", fixtureCheck(), fixtureOptions()),
			[]string{poolLead}, []string{poolFull}},
		{"diff_remove", scriptWant(t, "diff_remove"),
			[]string{poolLead, kubernetesHead, dependencyLead}, []string{poolFull, dependencyFull}},
		{"baseline_existing", scriptWant(t, "baseline_existing"),
			[]string{poolLead, kubernetesHead, dependencyLead}, []string{poolFull, dependencyFull}},
		{"dependency_diff", render(t, "markdown", dependencyDiffCheck(), Options{}),
			[]string{poolLead, dependencyLead}, []string{poolFull, dependencyFull}},
		{"kubernetes_diff", render(t, "markdown", kubernetesDiffCheck(), fixtureOptions()),
			[]string{poolLead, kubernetesHead}, []string{poolFull}},
		{"suggest", render(t, "markdown", suggestCheck(), fixtureOptions()),
			[]string{poolLead, suggestLead}, []string{poolFull, suggestFull}},
		{"audit", render(t, "markdown", auditCheck(), fixtureOptions()),
			[]string{poolLead, auditLead, auditPools}, []string{poolFull, auditFull}},
	}
	for _, tc := range comments {
		t.Run(tc.name, func(t *testing.T) {
			var open, full []string
			for _, tb := range mdTables(tc.md) {
				switch {
				case !tb.inDetails:
					open = append(open, tb.head)
					if tb.width > commentWidth {
						t.Errorf("the open table (%s) is %.0f px unwrapped, wider than the comment's %d px", tb.head, tb.width, commentWidth)
					}
				case slices.Contains(tc.full, tb.head):
					full = append(full, tb.head)
					if tb.width <= commentWidth {
						t.Errorf("the full table (%s) is %.0f px, within the budget: the budget would accept it shown open", tb.head, tb.width)
					}
				}
			}
			if diff := cmp.Diff(tc.open, open); diff != "" {
				t.Errorf("open tables (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tc.full, full); diff != "" {
				t.Errorf("collapsed full tables (-want +got):\n%s", diff)
			}
		})
	}
}

// The heads of the comment's tables, as mdTables joins them.
const (
	poolLead       = "Pool | Reserved | Min headroom | N+k | Monthly cost"
	poolFull       = "Pool | Plan | GPU | Reserved GPUs | Peak required | Min headroom | N+k | Cliff | Order by | Backed | Unbacked | Monthly cost"
	kubernetesHead = "Pool | NodePool limits | Workloads at max | Kueue quota"
	dependencyLead = "Dependency | Kind | Min headroom | Cliff"
	dependencyFull = "Dependency | Plan | Kind | Limit | Peak required | Ceiling | Min headroom | Cliff | Order by"
	suggestLead    = "action | address | GPUs | monthly"
	suggestFull    = "action | address | zone | instances | GPUs | start | end | monthly | horizon"
	auditLead      = "Workload | Pool | Observed | Plan | Drift"
	auditFull      = "Workload | Pool | Observed | Plan | Drift | Source"
	auditPools     = "Pool | GPU utilisation | Reserved utilisation | Cliff (plan → observed)"
)

// TestCommentTableWidths pins the budget's figures for the open tables
// of diff_remove's comment and the Kubernetes diff, worked out by hand
// from columnWidth (8 px a character, 8.5 bold, 14 a symbol, + 27 a
// column, + 1 the table's border), so a change to the estimate or to a
// table shows here.
func TestCommentTableWidths(t *testing.T) {
	want := map[string]map[string]float64{
		"diff_remove": {
			// Dependency: "Dependency" 10 × 8.5 = 85 (wider than
			// "**pgvector**", 8 × 8.5 = 68) + 27 = 112; Kind: "provider-api"
			// 12 × 8 = 96 + 27 = 123; Min headroom: the header, 12 × 8.5 =
			// 102 + 27 = 129; Cliff: "2027-06" 7 × 8 = 56 + 27 = 83.
			// 1 + 112 + 123 + 129 + 83 = 448.
			dependencyLead: 448,
			// Pool: "**h100-use1**" 9 × 8.5 = 76.5 + 27 = 103.5; NodePool
			// limits: 15 × 8.5 = 127.5 + 27 = 154.5; Workloads at max:
			// 16 × 8.5 = 136 + 27 = 163; Kueue quota: 11 × 8.5 = 93.5 +
			// 27 = 120.5. 1 + 103.5 + 154.5 + 163 + 120.5 = 542.5.
			kubernetesHead: 542.5,
		},
		"kubernetes_diff": {
			// As diff_remove but Kueue quota "16 (24 borrowing) → 24 (32
			// borrowing)": 36 characters and the arrow, 36 × 8 + 14 = 302
			// + 27 = 329. 1 + 103.5 + 154.5 + 163 + 329 = 751.
			kubernetesHead: 751,
		},
	}
	comments := map[string]string{
		"diff_remove":     scriptWant(t, "diff_remove"),
		"kubernetes_diff": render(t, "markdown", kubernetesDiffCheck(), fixtureOptions()),
	}
	for name, heads := range want {
		got := map[string]float64{}
		for _, tb := range mdTables(comments[name]) {
			if _, ok := heads[tb.head]; ok && !tb.inDetails {
				got[tb.head] = tb.width
			}
		}
		if diff := cmp.Diff(heads, got); diff != "" {
			t.Errorf("%s: open table widths in px (-want +got):\n%s", name, diff)
		}
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
