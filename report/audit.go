package report

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/capcheck/capcheck/evaluator"
	"github.com/capcheck/capcheck/internal/diag"
)

// auditWindow names an audit's window for people: "the 14 days to
// 2026-11-21".
func auditWindow(a *evaluator.AuditDoc) string {
	end := a.End
	if len(end) >= 10 {
		end = end[:10]
	}
	return fmt.Sprintf("the %s days to %s", num(a.WindowDays), end)
}

// auditRow is one observed workload's figures, formatted once for every
// renderer.
type auditRow struct {
	name, pool, observed, projected, drift, source string
}

func auditWorkloadRows(a *evaluator.AuditDoc) []auditRow {
	rows := make([]auditRow, 0, len(a.Workloads))
	for _, w := range a.Workloads {
		drift := fmt.Sprintf("%+.0f%%", 100*w.Drift)
		if w.Drift > w.DriftTolerance || w.Drift < -w.DriftTolerance {
			drift += " (beyond ±" + pct(w.DriftTolerance) + ")"
		}
		rows = append(rows, auditRow{
			name:      w.Name,
			pool:      w.Pool,
			observed:  fmt.Sprintf("%s %s %s", w.Basis, num(w.Observed), w.Unit),
			projected: fmt.Sprintf("%s (%s)", num(w.Projected), w.ProjectedMonth),
			drift:     drift,
			source:    w.Source,
		})
	}
	return rows
}

// auditPoolCells formats a pool's utilisation and cliff move.
func auditPoolCells(p evaluator.AuditPoolDoc) (gpu, reserved, cliff string) {
	gpu, reserved = "not audited", "not audited"
	if p.GPU != nil {
		gpu = fmt.Sprintf("p95 %s (peak %s)", pct(p.GPU.P95), pct(p.GPU.Peak))
	}
	if p.Reservation != nil {
		reserved = "mean " + pct(p.Reservation.Mean)
	}
	plan, refreshed := orNone(p.Cliff, "none"), orNone(p.RefreshedCliff, "none")
	cliff = plan
	if refreshed != plan {
		cliff = plan + " → " + refreshed
	}
	return gpu, reserved, cliff
}

// auditText writes the audit tables of the text report.
func auditText(w io.Writer, a *evaluator.AuditDoc) error {
	fmt.Fprintf(w, "Audit over %s:\n\n", auditWindow(a))
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	if rows := auditWorkloadRows(a); len(rows) > 0 {
		fmt.Fprintln(tw, "WORKLOAD\tPOOL\tOBSERVED\tPLAN\tDRIFT\tSOURCE")
		for _, r := range rows {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", diag.Text(r.name), diag.Text(r.pool), r.observed, r.projected, r.drift, diag.Text(r.source))
		}
		fmt.Fprintln(tw)
	}
	if len(a.Pools) > 0 {
		fmt.Fprintln(tw, "POOL\tGPU UTILISATION\tRESERVED UTILISATION\tCLIFF (PLAN → OBSERVED)")
		for _, p := range a.Pools {
			gpu, reserved, cliff := auditPoolCells(p)
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", diag.Text(p.Name), gpu, reserved, cliff)
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if len(a.NotAudited) > 0 {
		fmt.Fprintf(w, "\nNot audited: %s\n", notAuditedList(a, diag.Text))
	}
	_, err := fmt.Fprintln(w)
	return err
}

// auditMarkdown is the audit section of the Markdown report, one block.
func auditMarkdown(a *evaluator.AuditDoc) string {
	var b strings.Builder
	fmt.Fprintf(&b, "#### Audit over %s\n\n", mdText(auditWindow(a)))
	if rows := auditWorkloadRows(a); len(rows) > 0 {
		// Lead with observed against plan; the source (a file or a
		// query, as wide as it is) collapsed (see splitTable).
		t := splitTable{
			leadHead: "| Workload | Pool | Observed | Plan | Drift |\n|:--|:--|--:|--:|--:|\n",
			fullHead: "| Workload | Pool | Observed | Plan | Drift | Source |\n|:--|:--|--:|--:|--:|:--|\n",
			summary:  "Where each observation comes from",
		}
		for _, r := range rows {
			cells := []string{mdText(r.name), mdText(r.pool), mdText(r.observed), mdText(r.projected), mdText(r.drift)}
			t.lead = append(t.lead, mdRow(cells...))
			t.full = append(t.full, mdRow(append(cells, mdText(r.source))...))
		}
		lead, full := t.blocks()
		b.WriteString(strings.Join(lead, "") + full)
	}
	if len(a.Pools) > 0 {
		b.WriteString("| Pool | GPU utilisation | Reserved utilisation | Cliff (plan → observed) |\n|:--|--:|--:|:--|\n")
		for _, p := range a.Pools {
			gpu, reserved, cliff := auditPoolCells(p)
			fmt.Fprintf(&b, "| %s | %s | %s | %s |\n", mdText(p.Name), mdText(gpu), mdText(reserved), mdText(cliff))
		}
		b.WriteString("\n")
	}
	if len(a.NotAudited) > 0 {
		fmt.Fprintf(&b, "Not audited: %s\n", notAuditedList(a, mdText))
	}
	return b.String()
}

// notAuditedList names what the audit could not measure, escaped by esc.
func notAuditedList(a *evaluator.AuditDoc, esc func(string) string) string {
	parts := make([]string, len(a.NotAudited))
	for i, n := range a.NotAudited {
		parts[i] = esc(fmt.Sprintf("%s (%s)", n.Target, strings.ReplaceAll(n.What, "_", " ")))
	}
	return strings.Join(parts, ", ")
}
