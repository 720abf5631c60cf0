package report

import (
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/capcheck/capcheck/internal/diag"
	"github.com/capcheck/capcheck/policies"
)

// checkText renders findings the way editors and problem matchers read them
// ("infra/gpu.tf:14:3: deny: [CAP001] msg"), then a table per pool and the
// verdict line.
func checkText(w io.Writer, c *Check) error {
	for _, f := range c.Findings {
		fmt.Fprintln(w, textFinding(f))
	}
	if len(c.Findings) > 0 {
		fmt.Fprintln(w)
	}
	if fixed := fixedFindings(c); len(fixed) > 0 {
		fmt.Fprintln(w, "Fixed by this change (findings of the base):")
		for _, f := range fixed {
			fmt.Fprintln(w, "  "+diag.Text(posOr(f, "capcheck"))+": "+diag.Text(f.Level)+": ["+diag.Text(f.Rule)+"] "+diag.Text(f.Msg))
		}
		fmt.Fprintln(w)
	}
	if len(c.Pools) > 0 {
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "POOL\tPLAN\tGPU\tRESERVED\tPEAK REQUIRED\tMIN HEADROOM\tN+K\tCLIFF\tORDER BY\tBACKED\tUNBACKED\tMONTHLY COST")
		for i := range c.Pools {
			p := &c.Pools[i]
			r := rowCells(p, "ok", "NO")
			fmt.Fprintf(tw, "%s%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n",
				diag.Text(p.Name), statusLabel(p), diag.Text(p.Plan), diag.Text(p.GPU),
				r.reserved, r.peak, r.headroom, r.nplus, r.cliff, r.orderBy, r.backed, r.unbacked, r.cost)
		}
		if err := tw.Flush(); err != nil {
			return err
		}
		fmt.Fprintln(w)
	}
	if err := strategyText(w, c.Pools); err != nil {
		return err
	}
	if err := dependencyText(w, c.Document); err != nil {
		return err
	}
	if c.Document != nil && c.Document.Audit != nil {
		if err := auditText(w, c.Document.Audit); err != nil {
			return err
		}
	}
	_, err := fmt.Fprintln(w, textVerdict(c))
	return err
}

// textFinding is one finding on one line.
func textFinding(f policies.Finding) string {
	return fmt.Sprintf("%s: %s: [%s] %s%s", diag.Text(posOr(f, "capcheck")), diag.Text(f.Level), diag.Text(f.Rule), diag.Text(f.Msg), diag.Text(suffix(f)))
}

// textVerdict is "FAIL: 2 blocking findings, 3 warnings", "PASS with 3
// warnings" or "PASS", followed by the cleared findings in parentheses. In
// a pull request diff with findings already on the base it says both:
// "PASS: no new blocking findings (2 existing), 3 warnings", "FAIL: 1 new
// blocking finding (2 existing)", or with enforcement.existing: block
// "FAIL: 3 blocking findings (2 existing)".
func textVerdict(c *Check) string {
	t := tallyOf(c.Findings)
	warnings := ""
	if t.warnings > 0 {
		warnings = ", " + plural(t.warnings, "warning", "warnings")
	}
	switch {
	case t.existing > 0 && c.Verdict == policies.VerdictFail:
		return "FAIL: " + plural(t.blocking, "new blocking finding", "new blocking findings") + fmt.Sprintf(" (%d existing)", t.existing) + warnings + t.cleared()
	case t.existing > 0:
		return fmt.Sprintf("PASS: no new blocking findings (%d existing)", t.existing) + warnings + t.cleared()
	case c.Verdict == policies.VerdictFail:
		s := "FAIL: " + plural(t.blocking, "blocking finding", "blocking findings")
		if t.existingBlocking > 0 {
			s += fmt.Sprintf(" (%d existing)", t.existingBlocking)
		}
		return s + warnings + t.cleared()
	case t.warnings > 0:
		return "PASS with " + plural(t.warnings, "warning", "warnings") + t.cleared()
	}
	return "PASS" + t.cleared()
}
