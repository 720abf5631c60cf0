package main

import (
	"errors"
	"flag"
	"fmt"
	"time"

	"github.com/capcheck/capcheck/internal/cli"
	"github.com/capcheck/capcheck/internal/diag"
	"github.com/capcheck/capcheck/report"
	"github.com/capcheck/capcheck/workspace"
)

const helpSuggest = `For each GPU pool that is short of headroom_min in some month of its plan's horizon (plan_for scenario), or fails N+k where an SLO owes it, prints the cheapest change that makes every month pass: reservations to add (the instance type of the pool's smallest reservation, a count per zone, starting no earlier than today + the lead time, and an end when the capacity is needed only for a while) and expiring reservations to extend, within the zones the pool may use (pools.*.zones, default the zones its reservations use). Under strategy hybrid, renting on demand is a choice beside reserving: a month may rent its overflow (rent, at the on-demand price for on_demand_hours_per_day hours a day) and raise the pool's on_demand_max_gpus (raise) when that is cheaper, within the elastic ceiling the pool's node groups allow. Additions needed only for a bounded window of an AWS pool that owes no N+k may become an AWS capacity block (at most 182 days, at price_per_gpu_hour.capacity_block) when that costs less than a year's reservation; without a capacity block price none is offered and a note says so. It is solved exactly month by month (the cost over the horizon is the sum of each month's) and checked by evaluating the Terraform inventory with the change applied. When no change can pass, it says which constraint binds: the lead time, the zones, the instance type, the elastic ceiling or the budget. When the pool's reservations: patterns would not claim the reservations to add, it names the entry to add to them (else pasting the snippet leaves them unclaimed, CAP003). "capcheck check --suggest" adds the same fix under each failing pool of the check's text, JSON (suggestion) and PR comment ("Cheapest fix").

` + helpPath + `

Formats: text, json, hcl (a Terraform snippet of the reservations to add and the end dates to change).

--diff prints the fixed pools' change as a unified diff of the Terraform that defines the capacity and of the plan, and writes nothing; --apply writes it (and prints the diff). A reservation in the zone with the same term gets its count raised, a for_each over zones a new key, else a copy of a neighbouring reservation block is added; a capacity block is added as an aws_ec2_capacity_block_offering and the aws_ec2_capacity_block_reservation bought from it; an end date is moved; a count set by a variable is changed in the variable file that sets it, else in its default. In the plan (YAML, JSON or CUE, its comments and layout kept): a new block's address is appended to the pool's reservations: when no entry there claims it (as ROOT:ADDRESS when the entries name roots; a glob that matches it leaves the plan alone), and a raised on_demand_max_gpus is changed where the pool states it, else added after the pool's strategy. Each edited plan must load through the schema as the plan with only that change. An expression capcheck cannot edit safely is an error at it (exit 2) and nothing is written.

Exit codes: 0 every pool passes or has a fix, 1 some pool has no fix (or its strategy is not solved), 2 could not evaluate (bad input, usage, I/O).

Example:
  capcheck suggest --format json testdata/example`

// suggestFlags are `capcheck suggest`'s flags.
type suggestFlags struct {
	load   loadFlags
	format string
	now    string
	pools  stringList
	diff   bool
	apply  bool
}

func (sf *suggestFlags) register(fs *flag.FlagSet) {
	sf.load.register(fs)
	fs.StringVar(&sf.format, "format", "text", "output format: text, json or hcl")
	fs.StringVar(&sf.now, "now", "", "evaluation date YYYY-MM-DD (default: $CAPCHECK_NOW, else today)")
	fs.Var(&sf.pools, "pool", "report only this pool (repeatable; default: every pool)")
	fs.BoolVar(&sf.diff, "diff", false, "print the fixed pools' change of the Terraform and the plan as a unified diff instead; write nothing")
	fs.BoolVar(&sf.apply, "apply", false, "write the fixed pools' change of the Terraform and the plan (and print its diff)")
	cli.QuietFlag(fs, "text: print only the pools without a fix (those that make the exit code 1) and errors; json, hcl and --diff are unchanged")
}

func runSuggest(e *env, args []string) int {
	fs := newFlags(e, "suggest", "[flags] [path]")
	var sf suggestFlags
	sf.register(fs)
	root, now, code, ok := parseDated(e, fs, args, "suggest", &sf.now, func() bool { return knownFormat(e, "suggest", sf.format, report.SuggestFormats()) })
	if !ok {
		return code
	}
	s, err := workspace.Suggest(e.ctx, root, workspace.SuggestOptions{Load: sf.load.options(), Now: now, Pools: sf.pools})
	var unknown *workspace.UnknownPoolError
	if errors.As(err, &unknown) {
		return usageError(e, "suggest", unknown.Error())
	}
	if err != nil {
		return fail(e, err)
	}
	if (sf.diff || sf.apply) && sf.format != "text" {
		return usageError(e, "suggest", "--diff and --apply print a diff, not --format "+sf.format)
	}
	if sf.diff || sf.apply {
		err = s.WriteEdit(e.stdout, sf.load.options(), sf.apply)
	} else {
		err = s.Write(e.stdout, sf.format)
	}
	if err != nil {
		return fail(e, err)
	}
	if s.Unsolved() {
		return exitPolicy
	}
	return exitPass
}

// attachSuggestions is `check --suggest` (workspace.AttachSuggestions). A
// suggestion that cannot be computed is reported on stderr and leaves the
// check's result as it is.
func attachSuggestions(e *env, root string, now time.Time, cf *checkFlags, chk *report.Check) {
	if err := workspace.AttachSuggestions(e.ctx, root, cf.load.options(), now, chk); err != nil {
		fmt.Fprintf(e.stderr, "capcheck check: --suggest: %s\n", diag.Text(err.Error()))
	}
}
