package main

import (
	"time"

	"github.com/capcheck/capcheck/workspace"
)

const helpReport = `Evaluates and judges the plans under PATH as capcheck check does, and writes the monthly capacity review as one self-contained HTML page (nothing is fetched when it is viewed): the verdict and findings, and per pool its figures, the forecast chart (required GPUs per scenario against guaranteed and usable capacity, the cliff and order-by marked), the strategy costs at 6, 12, 18 and 24 months and the monthly timeline. Exit 0 whatever the verdict (the page states it), 2 when the plans cannot be evaluated.

` + helpPath + `

Example:
  capcheck report --out report.html .`

// runReport is `capcheck report [PATH] --out report.html`.
func runReport(e *env, args []string) int {
	started := e.now()
	fs := newFlags(e, "report", "[flags] [path]")
	var lf loadFlags
	lf.register(fs)
	out := fs.String("out", "-", "file to write the HTML page to (- for stdout)")
	flagNow := fs.String("now", "", "evaluation date YYYY-MM-DD (default: $CAPCHECK_NOW, else today)")
	pol := workspace.Policy{Timeout: 10 * time.Second}
	fs.Var((*stringList)(&pol.Dirs), "policy", "directory of extra Rego policies (repeatable)")
	root, now, code, ok := parseDated(e, fs, args, "report", flagNow)
	if !ok {
		return code
	}
	chk, rules, err := workspace.Check(e.ctx, root, workspace.CheckOptions{Load: lf.options(), Now: now, Policy: pol, Log: e.stderr})
	if err != nil {
		return fail(e, err)
	}
	if err := workspace.Emit(e.stdout, []workspace.Output{{Format: "html", File: *out}}, chk, reportOptions(e, started, rules, "", "", "")); err != nil {
		return fail(e, err)
	}
	return exitPass
}
