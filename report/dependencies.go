package report

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/capcheck/capcheck/evaluator"
	"github.com/capcheck/capcheck/internal/diag"
)

// limitUnits are the units of a dependency's limits.
var limitUnits = map[string]string{
	evaluator.LimitTokensPerMinute:   "tokens/min",
	evaluator.LimitRequestsPerMinute: "requests/min",
	evaluator.LimitQueriesPerS:       "queries/s",
	evaluator.LimitGbitPerS:          "Gbit/s",
	evaluator.LimitCapacityGB:        "GB",
}

// amount is a figure of a limit with its unit: "1632000 tokens/min".
func amount(limit string, f float64) string {
	if u, ok := limitUnits[limit]; ok {
		return num(f) + " " + u
	}
	return num(f)
}

// dependencyCells are the cells of a dependency's row: its tightest limit
// (the one with the lowest commit-window headroom).
type dependencyCells struct {
	limit, peak, ceiling, headroom, cliff, orderBy string
}

func dependencyRow(d *evaluator.DependencyDoc) dependencyCells {
	c := dependencyCells{
		limit:    d.Limit,
		headroom: pct(d.MinHeadroom),
		cliff:    orNone(d.Cliff, "none"),
		orderBy:  orNone(d.OrderBy, "-"),
	}
	if d.MinHeadroomMonth != "" {
		c.headroom += " (" + d.MinHeadroomMonth + ")"
	}
	for _, l := range d.Limits {
		if l.Name == d.Limit {
			c.peak, c.ceiling = amount(l.Name, l.RequiredPeak), amount(l.Name, l.Capacity)
		}
	}
	if d.Cliff != "" && d.CliffLimit != d.Limit {
		c.cliff += " (" + d.CliffLimit + ")"
	}
	return c
}

// bindingLine names the resource that runs out first, "" when the
// document names none.
func bindingLine(doc *evaluator.Document) string {
	if doc == nil || doc.BindingConstraint == nil {
		return ""
	}
	b := doc.BindingConstraint
	what := "pool " + b.Name
	if b.Kind != "pool" {
		what = "dependency " + b.Name + " (" + b.Kind
		if b.Limit != "" {
			what += ", " + b.Limit
		}
		what += ")"
	}
	if b.Month == "" {
		return fmt.Sprintf("Binding constraint: %s, lowest headroom %s; nothing runs short of headroom in the horizon", what, pct(b.MinHeadroom))
	}
	s := fmt.Sprintf("Binding constraint: %s runs short of headroom first, in %s", what, b.Month)
	if b.OrderBy != "" {
		s += " (order by " + b.OrderBy + ")"
	}
	return s
}

// dependencyText writes the dependency table and the binding constraint
// line of the text report.
func dependencyText(w io.Writer, doc *evaluator.Document) error {
	if doc == nil {
		return nil
	}
	if len(doc.Dependencies) > 0 {
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "DEPENDENCY\tPLAN\tKIND\tLIMIT\tPEAK REQUIRED\tCEILING\tMIN HEADROOM\tCLIFF\tORDER BY")
		for i := range doc.Dependencies {
			d := &doc.Dependencies[i]
			r := dependencyRow(d)
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", diag.Text(d.Name), diag.Text(d.Plan), diag.Text(string(d.Kind)),
				diag.Text(r.limit), r.peak, r.ceiling, r.headroom, diag.Text(r.cliff), r.orderBy)
		}
		if err := tw.Flush(); err != nil {
			return err
		}
		fmt.Fprintln(w)
	}
	if l := bindingLine(doc); l != "" {
		fmt.Fprintln(w, diag.Text(l))
		fmt.Fprintln(w)
	}
	return nil
}

// dependencyMarkdown is the dependency table (one block) and the binding
// constraint line (one block) of the PR comment.
func dependencyMarkdown(doc *evaluator.Document) []string {
	if doc == nil {
		return nil
	}
	var out []string
	if len(doc.Dependencies) > 0 {
		var b strings.Builder
		b.WriteString("| Dependency | Plan | Kind | Limit | Peak required | Ceiling | Min headroom | Cliff | Order by |\n" +
			"|:--|:--|:--|:--|--:|--:|:--|:--|:--|\n")
		for i := range doc.Dependencies {
			d := &doc.Dependencies[i]
			r := dependencyRow(d)
			fmt.Fprintf(&b, "| **%s** | %s | %s | %s | %s | %s | %s | %s | %s |\n", mdText(d.Name), mdText(d.Plan), mdText(string(d.Kind)),
				mdText(r.limit), mdText(r.peak), mdText(r.ceiling), mdText(r.headroom), mdText(r.cliff), mdText(r.orderBy))
		}
		b.WriteString("\n")
		out = append(out, b.String())
	}
	if l := bindingLine(doc); l != "" {
		name, rest, _ := strings.Cut(l, ": ")
		out = append(out, "**"+mdText(name)+":** "+mdText(rest)+"\n\n")
	}
	return out
}
