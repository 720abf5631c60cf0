package workspace

import (
	"context"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

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
		// The plan gets the entries that claim what is added (see
		// claimAdded), so the Terraform is written without the Claim.
		r := tfedit.Request{Pool: ps.Pool}
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
	// The plan's side: the entries that claim the reservations added, and
	// a raised on_demand_max_gpus, each re-validated through the schema.
	pe := &planEdits{ws: ws, ed: ed, want: map[string]*schema.Plan{}}
	for _, ps := range s.Suggestions {
		if ps.Status != evaluator.SuggestFixed {
			continue
		}
		if err := pe.claimAdded(ps); err != nil {
			return nil, err
		}
		for _, c := range ps.Changes {
			if c.Kind != evaluator.KindOnDemandCeiling {
				continue
			}
			if err := pe.raiseCeiling(ps.Plan, ps.Pool, c); err != nil {
				return nil, err
			}
		}
	}
	return ed, nil
}

// planEdits are the edits of the plan files an [Edit] makes besides the
// Terraform's. want is each edited file's plan as it must read after
// the edits so far: every edit is checked by loading the edited file
// through the schema and comparing the whole plan with it (positions
// aside), so an edit that changes anything else is refused.
type planEdits struct {
	ws   *Workspace
	ed   *tfedit.Edit
	want map[string]*schema.Plan
}

// pool is the loaded plan named plan, which has the pool named pool.
func (pe *planEdits) pool(plan, pool string) (*schema.Plan, error) {
	for _, x := range pe.ws.Plans {
		if x != nil && x.Name == plan && x.Pools[pool] != nil {
			return x, nil
		}
	}
	return nil, fmt.Errorf("suggest: plan %s has no pool %s any more; run capcheck suggest again", plan, pool)
}

// check is the edit's check of pool in p's file: the edited file must
// load as the plan want[file] (p at first) with change made to the pool.
func (pe *planEdits) check(p *schema.Plan, pool string, change func(np *schema.Pool)) func(rel string, data []byte) error {
	return func(rel string, data []byte) error {
		got, err := schema.LoadPlanBytes(rel, data)
		if err != nil {
			return err
		}
		base := pe.want[rel]
		if base == nil {
			base = p
		}
		want := *base
		want.Pools = maps.Clone(base.Pools)
		np := *base.Pools[pool]
		np.Reservations = slices.Clone(np.Reservations)
		change(&np)
		want.Pools[pool] = &np
		if d := cmp.Diff(&want, got, planCompare); d != "" {
			return fmt.Errorf("the edited plan differs from the plan with the change (-want +got):\n%s", d)
		}
		pe.want[rel] = &want
		return nil
	}
}

// planCompare compares plans as they read, not where they are written.
var planCompare = cmp.Options{
	cmpopts.IgnoreFields(schema.Plan{}, "File", "Positions"),
	cmpopts.IgnoreTypes(diag.Pos{}, diag.Range{}),
	cmpopts.EquateEmpty(),
}

// claimAdded adds to the pool's `reservations:` the entries that claim
// the blocks (reservations, capacity blocks) the Terraform edit adds for
// ps (tfedit.Edit.Created: an addition made by raising a count is claimed
// already) when none of its patterns does (evaluator.ClaimEntries: the
// addresses themselves), after its last entry; a pool whose patterns
// claim them is left alone.
func (pe *planEdits) claimAdded(ps evaluator.PoolSuggestion) error {
	p, err := pe.pool(ps.Plan, ps.Pool)
	if err != nil {
		return err
	}
	pool := p.Pools[ps.Pool]
	created := pe.ed.Created(ps.Pool)
	var added []evaluator.Change
	for _, c := range ps.Changes {
		if slices.Contains(created, c.Address) {
			added = append(added, c)
		}
	}
	entries := evaluator.ClaimEntries(pool, added)
	if len(entries) == 0 {
		return nil
	}
	what := "pools." + ps.Pool + ".reservations"
	n := len(pool.Reservations)
	last, ok := p.Positions[fmt.Sprintf("%s[%d]", what, n-1)]
	if n == 0 || !ok {
		return diag.Errorf(p.PosOf(what), "pool %s lists no reservations to add %s after: add them to %s by hand, then run capcheck suggest --apply again",
			ps.Pool, strings.Join(entries, ", "), what).Err()
	}
	return pe.ed.AddPlanListItems(last, pool.Reservations[n-1], what, entries, pe.check(p, ps.Pool, func(np *schema.Pool) {
		np.Reservations = append(np.Reservations, entries...)
	}))
}

// raiseCeiling adds the edit of pool's on_demand_max_gpus in the file of
// plan: the number changed where the pool states it, else the field
// added next to the first of strategy, lead_time_weeks, region and gpu
// the pool writes (a hybrid pool writes its strategy).
func (pe *planEdits) raiseCeiling(plan, pool string, c evaluator.Change) error {
	p, err := pe.pool(plan, pool)
	if err != nil {
		return err
	}
	pl := p.Pools[pool]
	what := "pools." + pool + ".on_demand_max_gpus"
	check := pe.check(p, pool, func(np *schema.Pool) { np.OnDemandMaxGPUs = c.OnDemandMaxGPUs })
	at := p.PosOf("pools." + pool)
	if pos, ok := p.Positions[what]; ok && pos != at {
		return pe.ed.SetPlanNumber(pos, what, pl.OnDemandMaxGPUs, c.OnDemandMaxGPUs, func(rel string, data []byte) (float64, error) {
			if err := check(rel, data); err != nil {
				return 0, err
			}
			return c.OnDemandMaxGPUs, nil
		})
	}
	for _, sib := range []struct{ key, value string }{
		{"strategy", pl.Strategy}, {"lead_time_weeks", strconv.FormatFloat(pl.LeadTimeWeeks, 'f', -1, 64)}, {"region", pl.Region}, {"gpu", pl.GPU},
	} {
		if pos, ok := p.Positions["pools."+pool+"."+sib.key]; ok && pos != at {
			return pe.ed.AddPlanField(pos, sib.key, sib.value, "on_demand_max_gpus", c.OnDemandMaxGPUs, what, check)
		}
	}
	return diag.Errorf(at, "pool %s states no on_demand_max_gpus, nor a field to add it next to: add on_demand_max_gpus: %s to it (the fix rents on demand up to that), then run capcheck suggest --apply again",
		pool, strconv.FormatFloat(c.OnDemandMaxGPUs, 'f', -1, 64)).Err()
}
