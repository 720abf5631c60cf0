package report

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/capcheck/capcheck/evaluator"
	"github.com/capcheck/capcheck/internal/diag"
)

// strategyMilestones are the cost milestones the strategy tables show.
var strategyMilestones = []string{"6", "12", "18", "24"}

// milestoneCell is a strategy's cumulative cost at milestone n, "-" when
// the horizon does not reach it.
func milestoneCell(s evaluator.StrategyDoc, n, currency string) string {
	v, ok := s.CumulativeCost[n]
	if !ok {
		return "-"
	}
	return money(v, currency)
}

// strategyVerdict is "yes", "yes (cheapest)" or "no".
func strategyVerdict(s evaluator.StrategyDoc) string {
	switch {
	case s.Cheapest:
		return "yes (cheapest)"
	case s.MeetsPolicy:
		return "yes"
	}
	return "no"
}

// strategyText writes each head pool's strategy comparison: cumulative
// cost at 6, 12, 18 and 24 months and whether the strategy meets the
// policy.
func strategyText(w io.Writer, pools []evaluator.PoolSummary) error {
	any := false
	for i := range pools {
		if len(pools[i].Strategies) > 0 && pools[i].Status != evaluator.StatusRemoved {
			any = true
		}
	}
	if !any {
		return nil
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "POOL\tSTRATEGY\tCOST 6 MO\tCOST 12 MO\tCOST 18 MO\tCOST 24 MO\tMEETS POLICY")
	for i := range pools {
		p := &pools[i]
		if p.Status == evaluator.StatusRemoved {
			continue
		}
		for _, s := range p.Strategies {
			name := s.Name
			if s.Name == evaluator.StrategyAsPlanned {
				name += " (" + string(p.Strategy) + ")"
			}
			cells := []string{diag.Text(p.Name), diag.Text(name)}
			for _, n := range strategyMilestones {
				cells = append(cells, milestoneCell(s, n, p.Currency))
			}
			cells = append(cells, strategyVerdict(s))
			fmt.Fprintln(tw, strings.Join(cells, "\t"))
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err := fmt.Fprintln(w)
	return err
}

// strategyDetails is the collapsed strategy comparison of a pool in the
// PR comment, "" when it has none.
func strategyDetails(p *evaluator.PoolSummary) string {
	if len(p.Strategies) == 0 {
		return ""
	}
	var b strings.Builder
	b.WriteString("<details><summary>pool " + htmlText(p.Name) + ": cost of each strategy</summary>\n\n")
	b.WriteString("| strategy | 6 months | 12 months | 18 months | 24 months | meets policy |\n|---|---:|---:|---:|---:|---|\n")
	for _, s := range p.Strategies {
		name := s.Name
		if s.Name == evaluator.StrategyAsPlanned {
			name += " (" + string(p.Strategy) + ")"
		}
		cells := []string{mdText(name)}
		for _, n := range strategyMilestones {
			cells = append(cells, mdText(milestoneCell(s, n, p.Currency)))
		}
		cells = append(cells, strategyVerdict(s))
		b.WriteString("| " + strings.Join(cells, " | ") + " |\n")
	}
	b.WriteString("\nCumulative cost from this month under the plan_for scenario.\n\n</details>\n\n")
	return b.String()
}
