package workspace

import (
	"context"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"time"

	"github.com/capcheck/capcheck/evaluator"
	"github.com/capcheck/capcheck/internal/diag"
	"github.com/capcheck/capcheck/inventory/terraform/tfedit"
	"github.com/capcheck/capcheck/report"
	"github.com/capcheck/capcheck/schema"
)

// SuggestOptions are the inputs of [Suggest] besides the tree itself.
type SuggestOptions struct {
	Load Options
	Now  time.Time
	// Pools keeps only these pools' suggestions (default: every pool).
	Pools []string
}

// UnknownPoolError is a pool named in SuggestOptions.Pools that no plan
// has: a usage error of the caller.
type UnknownPoolError struct{ Pool string }

func (e *UnknownPoolError) Error() string {
	return fmt.Sprintf("--pool %q names no pool of the plans", e.Pool)
}

// Suggestion is what [Suggest] found, the currency to show it in and the
// workspace it was solved on (for a caller that edits its files).
type Suggestion struct {
	*evaluator.SuggestDoc
	Currency  string // the first plan's budget currency ("" for the default)
	Workspace *Workspace
	input     evaluator.Input // what was solved (for Edit)
}

// Write renders the suggestion in format (report.SuggestFormats).
func (s Suggestion) Write(w io.Writer, format string) error {
	return report.Suggest(w, format, s.SuggestDoc, s.Currency)
}

// Unsolved reports whether some pool has no fix, or a strategy suggest
// does not solve: the command's policy failure.
func (s Suggestion) Unsolved() bool {
	return slices.ContainsFunc(s.Suggestions, func(ps evaluator.PoolSuggestion) bool {
		return ps.Status == evaluator.SuggestNoFix || ps.Status == evaluator.SuggestUnsupported
	})
}

// Suggest loads the repository and solves every pool of its plans for
// the cheapest reservations that make it pass (evaluator.Suggest),
// keeping opts.Pools only; a pool name no plan has is an
// [UnknownPoolError].
func Suggest(ctx context.Context, root string, opts SuggestOptions) (Suggestion, error) {
	ws, err := Load(ctx, root, opts.Load)
	if err != nil {
		return Suggestion{}, err
	}
	d, in, err := ws.suggest(ws.Plans, opts.Now)
	if err != nil {
		return Suggestion{}, err
	}
	if len(opts.Pools) > 0 {
		var keep []evaluator.PoolSuggestion
		for _, ps := range d.Suggestions {
			if slices.Contains(opts.Pools, ps.Pool) {
				keep = append(keep, ps)
			}
		}
		for _, name := range opts.Pools {
			if !slices.ContainsFunc(keep, func(ps evaluator.PoolSuggestion) bool { return ps.Pool == name }) {
				return Suggestion{}, &UnknownPoolError{Pool: name}
			}
		}
		d.Suggestions = keep
	}
	s := Suggestion{SuggestDoc: d, Workspace: ws, input: in}
	for _, p := range ws.Plans {
		if p != nil && p.Budget != nil && p.Budget.Currency != "" {
			s.Currency = p.Budget.Currency
			break
		}
	}
	return s, nil
}

// AttachSuggestions is `check --suggest`: it loads root again, solves
// every pool as [Suggest] does (the head's plans with the base's trusted
// settings applied in a diff, as check judges them) and attaches each
// failing pool's cheapest fix to chk's pools. An error leaves chk as it
// is: the check is already judged without it.
func AttachSuggestions(ctx context.Context, root string, load Options, now time.Time, chk *report.Check) error {
	ws, err := Load(ctx, root, load)
	if err != nil {
		return err
	}
	plans := ws.Plans
	if chk.Document != nil && chk.Document.Base != nil {
		plans = evaluator.ApplyTrusted(plans, chk.Document.Base)
	}
	d, _, err := ws.suggest(plans, now)
	if err != nil {
		return err
	}
	d.Attach(chk.Pools)
	return nil
}

func (ws *Workspace) suggest(plans []*schema.Plan, now time.Time) (*evaluator.SuggestDoc, evaluator.Input, error) {
	in, err := ws.Input(plans, now)
	if err != nil {
		return nil, in, err
	}
	d, err := evaluator.Suggest(in)
	return d, in, err
}

// WriteEdit writes the Terraform change of s's fixed pools to w as a
// unified diff and, with apply, writes it to the files ([Suggestion.Edit]).
func (s Suggestion) WriteEdit(w io.Writer, load Options, apply bool) error {
	ed, err := s.Edit(load)
	if err != nil {
		return err
	}
	if apply {
		if err := ed.Apply(); err != nil {
			return err
		}
	}
	_, err = w.Write(ed.Diff())
	return err
}

// Edit is the Terraform change of s's fixed pools (`suggest --diff` and
// `--apply`, inventory/terraform/tfedit): the reservations the pools
// claim, as the evaluator links them, are what it raises, copies or
// extends. load is what the workspace was loaded with (its variable
// files and variables decide where a variable's value is written). A
// pool with no fix or not solved is left out.
func (s Suggestion) Edit(load Options) (*tfedit.Edit, error) {
	ws := s.Workspace
	if len(ws.Config.Terraform.PlanJSON) > 0 || len(load.PlanJSON) > 0 {
		return nil, fmt.Errorf("suggest: the inventory comes from plan files: --diff and --apply edit the HCL, so run them without plan_json/--plan-json")
	}
	doc, err := evaluator.Evaluate(s.input)
	if err != nil {
		return nil, err
	}
	opts := tfedit.Options{Now: s.input.Now, Entries: doc.Reservations,
		VarFiles: append(slices.Clone(ws.Config.Terraform.VarFiles), load.VarFiles...),
		Vars:     slices.Sorted(maps.Keys(ws.Config.Terraform.Vars))}
	opts.Vars = append(opts.Vars, slices.Sorted(maps.Keys(load.Vars))...)
	var reqs []tfedit.Request
	for _, ps := range s.Suggestions {
		if ps.Status != evaluator.SuggestFixed || len(ps.Changes) == 0 {
			continue
		}
		r := tfedit.Request{Pool: ps.Pool, Claim: ps.Claim}
		for _, c := range ps.Changes {
			if c.Kind == evaluator.KindOnDemand || c.Kind == evaluator.KindOnDemandCeiling {
				// Rented on demand, and the plan's ceiling: no Terraform.
				continue
			}
			r.Changes = append(r.Changes, tfedit.Change{Kind: c.Kind, DurationHours: c.DurationHours, Action: c.Action, Address: c.Address, Root: c.Root, Zone: c.Zone,
				InstanceType: c.InstanceType, Instances: c.Instances, Start: c.Start, End: c.End, OldEnd: c.OldEnd})
		}
		if len(r.Changes) > 0 {
			reqs = append(reqs, r)
		}
	}
	ed, err := tfedit.Plan(ws.Root, reqs, opts)
	if err != nil {
		return nil, err
	}
	// A raised on_demand_max_gpus is an edit of the plan that states it.
	for _, ps := range s.Suggestions {
		if ps.Status != evaluator.SuggestFixed {
			continue
		}
		for _, c := range ps.Changes {
			if c.Kind != evaluator.KindOnDemandCeiling {
				continue
			}
			if err := ws.raiseCeiling(ed, ps.Plan, ps.Pool, c); err != nil {
				return nil, err
			}
		}
	}
	return ed, nil
}

// raiseCeiling adds to ed the edit of pool's on_demand_max_gpus in the
// file of plan, re-validated through the schema. A pool that does not
// state it is an error: where a new field goes in a plan is the
// author's to choose.
func (ws *Workspace) raiseCeiling(ed *tfedit.Edit, plan, pool string, c evaluator.Change) error {
	var p *schema.Plan
	for _, x := range ws.Plans {
		if x != nil && x.Name == plan && x.Pools[pool] != nil {
			p = x
			break
		}
	}
	if p == nil {
		return fmt.Errorf("suggest: plan %s has no pool %s any more; run capcheck suggest again", plan, pool)
	}
	what := "pools." + pool + ".on_demand_max_gpus"
	pos, ok := p.Positions[what]
	if !ok || c.OldOnDemandMaxGPUs == 0 {
		at := p.Positions["pools."+pool]
		if at.File == "" {
			at.File = p.File
		}
		return diag.Errorf(at, "pool %s states no on_demand_max_gpus: add on_demand_max_gpus: %s to it (the fix rents on demand up to that), then run capcheck suggest --apply again",
			pool, strconv.FormatFloat(c.OnDemandMaxGPUs, 'f', -1, 64)).Err()
	}
	return ed.SetPlanNumber(pos, what, c.OldOnDemandMaxGPUs, c.OnDemandMaxGPUs, func(rel string, data []byte) (float64, error) {
		np, err := schema.LoadPlanBytes(rel, data)
		if err != nil {
			return 0, err
		}
		if np.Pools[pool] == nil {
			return 0, fmt.Errorf("pool %s is gone from %s", pool, rel)
		}
		return np.Pools[pool].OnDemandMaxGPUs, nil
	})
}
