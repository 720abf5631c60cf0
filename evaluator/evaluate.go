package evaluator

import (
	"cmp"
	"fmt"
	"maps"
	"math"
	"slices"
	"time"

	"github.com/capcheck/capcheck/inventory"

	"github.com/capcheck/capcheck/evaluator/catalog"
	"github.com/capcheck/capcheck/internal/diag"
	"github.com/capcheck/capcheck/schema"
)

// GPUSpecs looks up a GPU model's specification by catalog name. The
// catalog package's *Catalog satisfies it; tests pass a small map.
type GPUSpecs interface {
	GPU(name string) (catalog.GPU, bool)
}

var _ GPUSpecs = (*catalog.Catalog)(nil)

// Input is everything Evaluate needs. Evaluate never modifies it.
type Input struct {
	// Plans are the loaded capacity plans.
	Plans []*schema.Plan
	// Inventory is the discovered Terraform GPU capacity; nil means none.
	Inventory *inventory.Inventory
	// GPUs gives HBM bandwidth for cross-GPU benchmark scaling and the
	// roofline check; nil disables both (scaling then fails closed).
	GPUs GPUSpecs
	// Now is the evaluation time (injected clock); month 0 is its UTC
	// calendar month.
	Now time.Time
	// Trends are fitted from actuals by the caller, keyed
	// "plan/workload". A trend replaces the workload's baseline peak (and
	// its as_of becomes Now); the plan's own growth is still what is
	// projected, and both growth rates are recorded for CAP011.
	Trends map[string]Trend
}

// Trend is a forecast fitted from a workload's actuals.
type Trend struct {
	BaselinePeak  float64 // requests/s peak at Now
	MonthlyGrowth float64 // fitted compound monthly growth
	Method        string  // e.g. "holt-winters", "log-linear"
	MASE          float64 // backtest mean absolute scaled error
	Source        string  // where the series came from
}

// evaluation is the state of one Evaluate call.
type evaluation struct {
	in   Input
	cal  calendar
	used map[string]bool // "plan/benchmark id" of benchmarks a workload used
}

func (e *evaluation) gpuSpec(name string) (catalog.GPU, bool) {
	if e.in.GPUs == nil {
		return catalog.GPU{}, false
	}
	return e.in.GPUs.GPU(name)
}

// planFor is the scenario a plan is judged on (schema default moderate).
func (e *evaluation) planFor(p *schema.Plan) string {
	if p.PlanFor == "" {
		return schema.Moderate
	}
	return p.PlanFor
}

// contingencyFor is the plan's stress scenario (schema default aggressive).
func contingencyFor(p *schema.Plan) string {
	if p.ContingencyFor == "" {
		return schema.Aggressive
	}
	return p.ContingencyFor
}

// Evaluate runs the capacity model over every plan and returns the policy
// input document. It returns diag.Diagnostics (with positions) when an input
// makes evaluation impossible; the document is then nil, so no partial
// result can pass for a clean one.
//
// Pools are sorted by plan then name, workloads likewise, reservations by
// address and benchmarks by plan then id.
func Evaluate(in Input) (*Document, error) {
	if in.Now.IsZero() {
		return nil, diag.Errorf(diag.Pos{}, "evaluate: no evaluation time given")
	}
	var (
		plans   []*schema.Plan
		horizon int
	)
	for _, p := range in.Plans {
		if p != nil {
			plans = append(plans, p)
			horizon = max(horizon, p.HorizonMonths)
		}
	}
	e := &evaluation{in: in, cal: newCalendar(in.Now, horizon), used: map[string]bool{}}
	plans = sortPlans(plans)

	// Copies: Evaluate must not mutate its input.
	inv := in.Inventory.Sorted()
	res, unres := inv.Reservations, inv.Unresolved
	clearPools(res)

	claimed, linkNotes, diags := link(plans, res)

	doc := &Document{
		Version:      Version,
		Now:          formatDate(e.cal.now),
		Month:        e.cal.label(0),
		Plans:        []PlanDoc{},
		Pools:        []PoolDoc{},
		Workloads:    []WorkloadDoc{},
		Reservations: res,
		Unresolved:   unres,
		Benchmarks:   []BenchmarkDoc{},
		Dependencies: []DependencyDoc{},
	}
	for _, p := range plans {
		if ds := e.checkPlan(p); len(ds) > 0 {
			diags = append(diags, ds...)
			continue
		}
		diags = append(diags, e.memoryFit(p)...) // roadmap.go
		pd := e.planDoc(p)
		byPool := map[string][]*workloadModel{}
		var all []*workloadModel
		for _, name := range slices.Sorted(maps.Keys(p.Workloads)) {
			w := p.Workloads[name]
			if w == nil {
				continue
			}
			parts, ds := e.evalParts(p, name, w) // one per pool served from (regions.go)
			diags = append(diags, ds...)
			for _, wm := range parts {
				byPool[wm.w.Pool] = append(byPool[wm.w.Pool], wm)
				all = append(all, wm)
				wm.docIndex = len(doc.Workloads)
				doc.Workloads = append(doc.Workloads, wm.doc)
			}
		}
		total := make([]float64, p.HorizonMonths)
		for _, name := range slices.Sorted(maps.Keys(p.Pools)) {
			pool := p.Pools[name]
			if pool == nil {
				continue
			}
			pdoc, ds := e.evalPool(p, name, pool, res, claimed[pool], linkNotes[pool], byPool[name])
			if len(ds) > 0 {
				diags = append(diags, ds...)
				continue
			}
			for m := range total {
				total[m] += pdoc.Cost.Monthly[m]
			}
			for _, wm := range byPool[name] {
				doc.Workloads[wm.docIndex].CostPerTask = wm.costPerTask
			}
			doc.Pools = append(doc.Pools, pdoc)
		}
		doc.RegionFailover = append(doc.RegionFailover, e.regionFailover(p, all, doc.Pools)...)
		deps, ds := e.evalDependencies(p, all)
		diags = append(diags, ds...)
		doc.Dependencies = append(doc.Dependencies, deps...)
		pd.ProjectedMonthly = slices.Max(total)
		doc.Plans = append(doc.Plans, pd)
		doc.Benchmarks = append(doc.Benchmarks, e.benchmarkDocs(p)...)
	}
	diags = append(diags, e.kubernetesDocs(doc, plans, res)...)
	if err := diags.Err(); err != nil {
		return nil, err
	}
	markBinding(doc.Pools)
	doc.BindingConstraint = bindingConstraint(doc.Pools, doc.Dependencies)
	return doc, nil
}

// checkPlan rejects plans the model cannot evaluate.
func (e *evaluation) checkPlan(p *schema.Plan) diag.Diagnostics {
	var ds diag.Diagnostics
	bad := func(path, format string, args ...any) {
		ds = append(ds, diag.Diagnostic{Range: p.PosOf(path).Range(), Severity: diag.Error, Path: path, Msg: fmt.Sprintf(format, args...)})
	}
	if p.HorizonMonths < 1 {
		bad("horizon_months", "plan %q has horizon_months %d; at least 1 month is needed", p.Name, p.HorizonMonths)
	}
	if _, ok := p.Scenarios[e.planFor(p)]; !ok {
		bad("plan_for", "plan_for names scenario %q, which plan %q does not define", e.planFor(p), p.Name)
	}
	if _, ok := p.Scenarios[contingencyFor(p)]; !ok {
		bad("contingency_for", "contingency_for names scenario %q, which plan %q does not define", contingencyFor(p), p.Name)
	}
	for _, s := range slices.Sorted(maps.Keys(p.Scenarios)) {
		if g := p.Scenarios[s].MonthlyGrowth; !(g > -1) || math.IsInf(g, 0) {
			bad("scenarios."+s+".monthly_growth", "scenario %q has monthly_growth %g; it must be above -1", s, g)
		}
	}
	if h := p.Policy.HeadroomMin; !(h >= 0 && h < 1) {
		bad("policy.headroom_min", "headroom_min %g must be in [0, 1)", h)
	}
	switch FailureDomain(p.Policy.Redundancy.Domain) {
	case "", DomainZone, DomainReplica, DomainRegion:
	default:
		bad("policy.redundancy.domain", "redundancy domain %q is none of \"zone\", \"replica\", \"region\"", p.Policy.Redundancy.Domain)
	}
	if p.Policy.Redundancy.NPlus < 0 {
		bad("policy.redundancy.n_plus", "n_plus %d must not be negative", p.Policy.Redundancy.NPlus)
	}
	return ds
}

// planDoc fills in a plan's identity, policy and hygiene.
func (e *evaluation) planDoc(p *schema.Plan) PlanDoc {
	pd := PlanDoc{
		Name:           p.Name,
		Range:          diag.Pos{File: p.File, Line: p.Pos.Line, Column: p.Pos.Column}.Range(),
		Owner:          p.Owner,
		Reviewed:       formatDate(p.Reviewed),
		HorizonMonths:  p.HorizonMonths,
		Policy:         p.Policy,
		PlanFor:        e.planFor(p),
		ContingencyFor: contingencyFor(p),
		Contingency:    p.Contingency,
		GrowthRates:    map[string]float64{},
		Exceptions:     []ExceptionDoc{},
		Positions:      map[string]diag.Range{},
	}
	if !p.Reviewed.IsZero() {
		pd.ReviewedAgeDays = e.cal.ageDays(p.Reviewed)
	}
	for s, sc := range p.Scenarios {
		pd.GrowthRates[s] = sc.MonthlyGrowth
	}
	if p.Budget != nil {
		pd.BudgetMonthly = p.Budget.Monthly
		pd.Currency = p.Budget.Currency
	}
	if pd.Currency == "" {
		pd.Currency = "USD"
	}
	for i, x := range p.Exceptions {
		left := -e.cal.ageDays(x.Expires)
		pd.Exceptions = append(pd.Exceptions, ExceptionDoc{
			Rule:       x.Rule,
			Target:     x.Target,
			Reason:     x.Reason,
			Expires:    formatDate(x.Expires),
			ApprovedBy: x.ApprovedBy,
			Expired:    x.Expires.IsZero() || left < 0,
			DaysLeft:   left,
			Location:   orPos(x.Pos, p.PosOf(fmt.Sprintf("exceptions[%d]", i))).Range(),
		})
	}
	for k, v := range p.Positions {
		pd.Positions[k] = v.Range()
	}
	return pd
}

// sortPlans returns the non-nil plans ordered by name, then file.
func sortPlans(in []*schema.Plan) []*schema.Plan {
	plans := make([]*schema.Plan, 0, len(in))
	for _, p := range in {
		if p != nil {
			plans = append(plans, p)
		}
	}
	slices.SortStableFunc(plans, func(a, b *schema.Plan) int {
		return cmp.Or(cmp.Compare(a.Name, b.Name), cmp.Compare(a.File, b.File))
	})
	return plans
}

// sortReservations orders res by address and clears any pool a previous
// link set, so linking starts afresh.
func sortReservations(res []inventory.Entry) {
	clearPools(res)
	slices.SortStableFunc(res, func(a, b inventory.Entry) int { return cmp.Compare(a.Address, b.Address) })
}

// clearPools clears the pool a previous link set on each entry.
func clearPools(res []inventory.Entry) {
	for i := range res {
		res[i].Pool = ""
	}
}
