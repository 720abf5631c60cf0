package report

import (
	"cmp"
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

// dependencyPair is a dependency in a PR diff: head and base (nil when
// the dependency is new; head nil when the change removes it).
type dependencyPair struct {
	head, base *evaluator.DependencyDoc
}

// dependencyPairs pairs the head's dependencies with the base's
// (doc.Base) by plan and name: the head's in order, then the ones only
// the base has. Outside a diff every base is nil.
func dependencyPairs(doc *evaluator.Document) []dependencyPair {
	type key struct{ plan, name string }
	base := map[key]*evaluator.DependencyDoc{}
	var baseOrder []key
	if doc.Base != nil {
		for i := range doc.Base.Dependencies {
			d := &doc.Base.Dependencies[i]
			base[key{d.Plan, d.Name}] = d
			baseOrder = append(baseOrder, key{d.Plan, d.Name})
		}
	}
	var out []dependencyPair
	seen := map[key]bool{}
	for i := range doc.Dependencies {
		d := &doc.Dependencies[i]
		k := key{d.Plan, d.Name}
		seen[k] = true
		out = append(out, dependencyPair{head: d, base: base[k]})
	}
	for _, k := range baseOrder {
		if !seen[k] {
			out = append(out, dependencyPair{base: base[k]})
		}
	}
	return out
}

// arrow is "base → head" when the two differ, else head.
func arrow(base, head string) string {
	if base == head {
		return head
	}
	return base + " → " + head
}

// dependencyMarkdown is the dependency tables of the PR comment (see
// splitTable), then the binding constraint line (one block), then the
// full table. The lead is what a reviewer checks: dependency, kind,
// lowest commit-window headroom and cliff month; the full table has the
// plan, the tightest limit with its peak and ceiling, the headroom month,
// the cliff's limit and the order-by month. In a PR diff a figure the
// change moves reads "base → head", as the pools' do, and a dependency
// the change adds or removes says so (a removed one shows its base
// figures). A name two plans share is followed by its plan in the lead.
func dependencyMarkdown(doc *evaluator.Document) []string {
	if doc == nil {
		return nil
	}
	t := splitTable{
		leadHead: "| Dependency | Kind | Min headroom | Cliff |\n" +
			"|:--|:--|--:|:--|\n",
		fullHead: "| Dependency | Plan | Kind | Limit | Peak required | Ceiling | Min headroom | Cliff | Order by |\n" +
			"|:--|:--|:--|:--|--:|--:|:--|:--|:--|\n",
		summary: "All dependency figures: plan, tightest limit, peak required, ceiling, headroom month, order-by",
	}
	pairs := dependencyPairs(doc)
	plans := map[string]map[string]bool{}
	for _, pr := range pairs {
		d := cmp.Or(pr.head, pr.base)
		if plans[d.Name] == nil {
			plans[d.Name] = map[string]bool{}
		}
		plans[d.Name][d.Plan] = true
	}
	for _, pr := range pairs {
		d, label := pr.head, ""
		switch {
		case d == nil:
			d, label = pr.base, " *(removed)*"
		case doc.Base != nil && pr.base == nil:
			label = " *(new)*"
		}
		r := dependencyRow(d)
		headroom, cliff := pct(d.MinHeadroom), orNone(d.Cliff, "none")
		if pr.head != nil && pr.base != nil {
			br := dependencyRow(pr.base)
			r = dependencyCells{
				limit:    arrow(br.limit, r.limit),
				peak:     arrow(br.peak, r.peak),
				ceiling:  arrow(br.ceiling, r.ceiling),
				headroom: arrow(br.headroom, r.headroom),
				cliff:    arrow(br.cliff, r.cliff),
				orderBy:  arrow(br.orderBy, r.orderBy),
			}
			headroom = arrow(pct(pr.base.MinHeadroom), headroom)
			cliff = arrow(orNone(pr.base.Cliff, "none"), cliff)
		}
		name := "**" + mdText(d.Name) + "**" + label
		leadName := name
		if len(plans[d.Name]) > 1 {
			leadName += " (" + mdText(d.Plan) + ")"
		}
		t.lead = append(t.lead, mdRow(leadName, mdText(string(d.Kind)), mdText(headroom), mdText(cliff)))
		t.full = append(t.full, mdRow(name, mdText(d.Plan), mdText(string(d.Kind)),
			mdText(r.limit), mdText(r.peak), mdText(r.ceiling), mdText(r.headroom), mdText(r.cliff), mdText(r.orderBy)))
	}
	out, full := t.blocks()
	if l := bindingLine(doc); l != "" {
		name, rest, _ := strings.Cut(l, ": ")
		out = append(out, "**"+mdText(name)+":** "+mdText(rest)+"\n\n")
	}
	if full != "" {
		out = append(out, full)
	}
	return out
}
