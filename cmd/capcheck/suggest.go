package main

import (
	"fmt"
	"slices"
	"time"

	"github.com/capcheck/capcheck/evaluator"
	"github.com/capcheck/capcheck/internal/diag"
	"github.com/capcheck/capcheck/report"
	"github.com/capcheck/capcheck/workspace"
)

const helpSuggest = `For each GPU pool that is short of headroom_min in some month of its plan's horizon (plan_for scenario), or fails N+k where an SLO owes it, prints the cheapest change to its reservations that makes every month pass: reservations to add (the instance type of the pool's smallest reservation, a count per zone, starting no earlier than today + the lead time, and an end when the capacity is needed only for a while) and expiring reservations to extend, within the zones the pool may use (pools.*.zones, default the zones its reservations use). It is solved exactly month by month (the cost over the horizon is the sum of each month's) and checked by evaluating the Terraform inventory with the change applied. When no change can pass, it says which constraint binds: the lead time, the zones, the instance type or the budget. When the pool's reservations: patterns would not claim the reservations to add, it names the entry to add to them (else pasting the snippet leaves them unclaimed, CAP003). "capcheck check --suggest" adds the same fix under each failing pool of the check's text, JSON (suggestion) and PR comment ("Cheapest fix").

` + helpPath + `

Formats: text, json, hcl (a Terraform snippet of the reservations to add and the end dates to change).

Exit codes: 0 every pool passes or has a fix, 1 some pool has no fix (or its strategy is not solved), 2 could not evaluate (bad input, usage, I/O).

Example:
  capcheck suggest --format json testdata/example`

func runSuggest(e *env, args []string) int {
	fs := newFlags(e, "suggest", "[flags] [path]")
	var lf loadFlags
	lf.register(fs)
	format := fs.String("format", "text", "output format: text, json or hcl")
	nowFlag := fs.String("now", "", "evaluation date YYYY-MM-DD (default: $CAPCHECK_NOW, else today)")
	var pools stringList
	fs.Var(&pools, "pool", "report only this pool (repeatable; default: every pool)")
	pos, code, ok := parseFlags(fs, args)
	if !ok {
		return code
	}
	if !knownFormat(e, "suggest", *format, report.SuggestFormats()) {
		return exitError
	}
	root, ok := onePath(e, "suggest", pos)
	if !ok {
		return exitError
	}
	now, err := clock(e, *nowFlag)
	if err != nil {
		return fail(e, err)
	}
	ws, err := workspace.Load(e.ctx, root, lf.options())
	if err != nil {
		return fail(e, err)
	}
	in, err := ws.Input(ws.Plans, now)
	if err != nil {
		return fail(e, err)
	}
	d, err := evaluator.Suggest(in)
	if err != nil {
		return fail(e, err)
	}
	if len(pools) > 0 {
		var keep []evaluator.PoolSuggestion
		for _, ps := range d.Suggestions {
			if slices.Contains(pools, ps.Pool) {
				keep = append(keep, ps)
			}
		}
		for _, name := range pools {
			if !slices.ContainsFunc(keep, func(ps evaluator.PoolSuggestion) bool { return ps.Pool == name }) {
				usageError(e.stderr, "suggest", fmt.Sprintf("--pool %q names no pool of the plans", name))
				return exitError
			}
		}
		d.Suggestions = keep
	}
	currency := ""
	for _, p := range ws.Plans {
		if p != nil && p.Budget != nil && p.Budget.Currency != "" {
			currency = p.Budget.Currency
			break
		}
	}
	if err := report.Suggest(e.stdout, *format, d, currency); err != nil {
		return fail(e, err)
	}
	for _, ps := range d.Suggestions {
		if ps.Status == evaluator.SuggestNoFix || ps.Status == evaluator.SuggestUnsupported {
			return exitPolicy
		}
	}
	return exitPass
}

// attachSuggestions is `check --suggest`: it loads root again, solves
// every pool as `capcheck suggest` does (the head's plans with the base's
// trusted settings applied in a diff, as check judges them) and attaches
// each failing pool's cheapest fix to chk's pools. A suggestion that
// cannot be computed is reported on stderr and leaves the check's
// result as it is: the check is already judged without it.
func attachSuggestions(e *env, root string, now time.Time, cf *checkFlags, chk *report.Check) {
	warn := func(err error) { fmt.Fprintf(e.stderr, "capcheck check: --suggest: %s\n", diag.Text(err.Error())) }
	ws, err := workspace.Load(e.ctx, root, cf.load.options())
	if err != nil {
		warn(err)
		return
	}
	plans := ws.Plans
	if chk.Document != nil && chk.Document.Base != nil {
		plans = evaluator.ApplyTrusted(plans, chk.Document.Base)
	}
	in, err := ws.Input(plans, now)
	if err != nil {
		warn(err)
		return
	}
	d, err := evaluator.Suggest(in)
	if err != nil {
		warn(err)
		return
	}
	d.Attach(chk.Pools)
}
