package report

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/capcheck/capcheck/evaluator"
	"github.com/capcheck/capcheck/internal/diag"
	"github.com/capcheck/capcheck/policies"
)

// checkText renders findings the way editors and problem matchers read them
// ("infra/gpu.tf:14:3: deny: [CAP001] msg"), then a table per pool and the
// verdict line. With st the level labels and the verdict are coloured.
func checkText(w io.Writer, c *Check, st style) error {
	for _, g := range groupFindings(c.Findings) {
		fmt.Fprintln(w, st.finding(g))
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
	if err := kubernetesText(w, c.Pools); err != nil {
		return err
	}
	if err := strategyText(w, c.Pools); err != nil {
		return err
	}
	if err := suggestCheckText(w, c.Pools); err != nil {
		return err
	}
	if err := costPerTaskText(w, c.Document); err != nil {
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
	_, err := fmt.Fprintln(w, st.verdict(c))
	return err
}

// quietText is checkText under --quiet: the blocking findings (those
// that make the verdict fail), one a line, and nothing else.
func quietText(w io.Writer, c *Check, st style) error {
	for _, g := range groupFindings(c.Findings) {
		if kindOf(g.First()) == kindBlocking {
			if _, err := fmt.Fprintln(w, st.finding(g)); err != nil {
				return err
			}
		}
	}
	return nil
}

// style colours the text output for a terminal (Options.Color) with ANSI
// SGR codes: the level label of each finding (deny bold red, warn
// yellow, any other cyan) and the verdict's word (FAIL bold red, PASS
// with warnings bold yellow, PASS bold green). Tables are never
// coloured, so their columns stay aligned. false writes plain text.
type style bool

const (
	sgrDeny  = "1;31"
	sgrWarn  = "33"
	sgrOther = "36"
	sgrPass  = "1;32"
	sgrWarnV = "1;33"
)

// styleOf is the style of text written straight to w: coloured when w
// says so (a cli.Output whose Color is true; Options.Color where a
// renderer takes options).
func styleOf(w io.Writer) style {
	c, ok := w.(interface{ Color() bool })
	return style(ok && c.Color())
}

// ForStdout is o for output written to w, the command's stdout: Color
// and Quiet are also set when w asks for them (a cli.Output under
// --color or --quiet).
func (o Options) ForStdout(w io.Writer) Options {
	o.Color = o.Color || bool(styleOf(w))
	o.Quiet = o.Quiet || quietOf(w)
	return o
}

// quietOf reports whether text written straight to w is to be quiet (a
// cli.Output under --quiet; Options.Quiet where a renderer takes options).
func quietOf(w io.Writer) bool {
	q, ok := w.(interface{ Quiet() bool })
	return ok && q.Quiet()
}

func (st style) paint(sgr, text string) string {
	if !st {
		return text
	}
	return "\x1b[" + sgr + "m" + text + "\x1b[0m"
}

// finding is textFinding with its level label coloured.
func (st style) finding(g findingGroup) string {
	line := textFinding(g)
	if !st {
		return line
	}
	f := g.First()
	label := diag.Text(f.Level)
	sgr := sgrOther
	switch f.Level {
	case policies.LevelDeny:
		sgr = sgrDeny
	case policies.LevelWarn:
		sgr = sgrWarn
	}
	at := len(diag.Text(posOr(f, "capcheck"))) + len(": ")
	return line[:at] + st.paint(sgr, label) + line[at+len(label):]
}

// verdict is textVerdict with its first word (FAIL or PASS) coloured.
func (st style) verdict(c *Check) string {
	v := textVerdict(c)
	sgr := sgrPass
	switch {
	case strings.HasPrefix(v, "FAIL"):
		sgr = sgrDeny
	case strings.HasPrefix(v, "PASS with"):
		sgr = sgrWarnV
	}
	word, rest, _ := strings.Cut(v, " ")
	if strings.HasSuffix(word, ":") {
		word, rest = strings.TrimSuffix(word, ":"), ":"+" "+rest
	} else if rest != "" {
		rest = " " + rest
	}
	return st.paint(sgr, word) + rest
}

// textFinding is one finding, or a group of findings that differ only in
// their address, on one line.
func textFinding(g findingGroup) string {
	f := g.First()
	return fmt.Sprintf("%s: %s: [%s] %s%s", diag.Text(posOr(f, "capcheck")), diag.Text(f.Level), diag.Text(f.Rule), diag.Text(g.groupText()), diag.Text(suffix(f)))
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

// costPerTaskText writes each workload's cost per 1,000 requests (and per
// million output tokens for LLM workloads) now and at 6, 12, 18 and 24
// months, with the change from now to the last milestone the horizon
// reaches (see evaluator.CostPerTaskDoc), so a rising cost per task shows
// before the bill does.
func costPerTaskText(w io.Writer, doc *evaluator.Document) error {
	if doc == nil {
		return nil
	}
	var rows [][]string
	for i := range doc.Workloads {
		wd := &doc.Workloads[i]
		c := wd.CostPerTask
		if c == nil {
			continue
		}
		row := func(per string, now float64, at map[string]float64, change string) []string {
			cells := []string{diag.Text(wd.Name), diag.Text(wd.Pool), per, unitMoney(now, c.Currency)}
			for _, n := range strategyMilestones {
				if v, ok := at[n]; ok {
					cells = append(cells, unitMoney(v, c.Currency))
				} else {
					cells = append(cells, "-")
				}
			}
			return append(cells, change)
		}
		change := "-"
		if len(c.PerThousandRequestsAt) > 0 {
			change = signedPct(c.Change)
		}
		basis := ""
		if c.Basis == "peak" {
			basis = " (at peak rate: a lower bound)"
		}
		rows = append(rows, row("1k requests"+basis, c.PerThousandRequestsNow, c.PerThousandRequestsAt, change))
		if c.PerMillionOutputTokensNow > 0 {
			rows = append(rows, row("1M output tokens"+basis, c.PerMillionOutputTokensNow, c.PerMillionOutputTokensAt, change))
		}
	}
	if len(rows) == 0 {
		return nil
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "WORKLOAD\tPOOL\tCOST PER\tNOW\t6 MO\t12 MO\t18 MO\t24 MO\tCHANGE")
	for _, r := range rows {
		fmt.Fprintln(tw, strings.Join(r, "\t"))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err := fmt.Fprintln(w)
	return err
}
