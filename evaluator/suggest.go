package evaluator

import (
	"cmp"
	"fmt"
	"maps"
	"math"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/capcheck/capcheck/inventory"
	"github.com/capcheck/capcheck/schema"
)

// SuggestDoc is what `capcheck suggest` answers: for each pool, the
// cheapest change to the reservations that makes every capacity rule
// pass in every month of the plan_for scenario (issue 19), verified by
// evaluating the inventory with the change applied.
type SuggestDoc struct {
	Version string `json:"version"`
	Now     string `json:"now"`
	// Suggestions are per pool, in the document's pool order.
	Suggestions []PoolSuggestion `json:"suggestions"`
}

// Suggestion statuses.
const (
	SuggestPass        = "pass"        // every month passes; nothing to change
	SuggestFixed       = "fixed"       // Changes make every month pass
	SuggestNoFix       = "no-fix"      // no change can: Binding says why
	SuggestUnsupported = "unsupported" // the pool's strategy is not solved yet
)

// Binding constraints a suggestion can name.
const (
	BindLeadTime     = "lead_time"       // months short before anything ordered today arrives
	BindBudget       = "budget"          // the cheapest fix costs more than the budget allows
	BindZones        = "zones"           // N+k cannot hold with the zones the pool may use
	BindInstanceType = "instance_type"   // no reservation to take the instance type from
	BindCeiling      = "elastic_ceiling" // the elastic entries the pool claims cap what it may rent
)

// Change kinds besides a reservation ("", the kind every change had
// before): GPUs rented on demand under a hybrid strategy, a raise of the
// pool's on_demand_max_gpus, and an AWS capacity block for a bounded
// window.
const (
	KindOnDemand        = "on-demand"
	KindOnDemandCeiling = "on-demand-ceiling"
	KindCapacityBlock   = "capacity-block"
)

// PoolSuggestion is one pool's cheapest fix.
type PoolSuggestion struct {
	Pool     string   `json:"pool"`
	Plan     string   `json:"plan"`
	GPU      string   `json:"gpu"`
	Strategy Strategy `json:"strategy"`
	Status   string   `json:"status"`
	// Zones are the zones capacity may be added in (pools.*.zones, else
	// the zones the pool's reservations use); InstanceType and
	// GPUsPerInstance the unit added (the smallest of the pool's
	// reservations); Earliest the first day a new reservation can start
	// (today + the lead time).
	Zones           []string `json:"zones"`
	InstanceType    string   `json:"instance_type"`
	GPUsPerInstance float64  `json:"gpus_per_instance"`
	Earliest        string   `json:"earliest_start"`
	Changes         []Change `json:"changes"`
	// Claim is the entry to add to the pool's `reservations:` when none
	// of its patterns would claim the reservations to add (pasting them
	// alone would leave them unclaimed, CAP003); "" when they are
	// claimed already.
	Claim string `json:"claim,omitempty"`
	// Notes say why a candidate was not offered (a capacity block without
	// price_per_gpu_hour.capacity_block).
	Notes []string `json:"notes,omitempty"`
	// AddedMonthly is the reserved cost of the changes per timeline
	// month; MonthlyCost and CumulativeCost its run-rate and sum at 6, 12,
	// 18 and 24 months (see milestones), Total the sum over the horizon.
	AddedMonthly   []float64          `json:"added_monthly"`
	MonthlyCost    map[string]float64 `json:"monthly_cost"`
	CumulativeCost map[string]float64 `json:"cumulative_cost"`
	Total          float64            `json:"total"`
	Binding        []BindingDoc       `json:"binding"`
	// Before and After are the pool's figures without and with the
	// changes (After from evaluating the changed inventory).
	Before SuggestFigures `json:"before"`
	After  SuggestFigures `json:"after"`
}

// Change is one reservation to add, or an existing one to extend; under
// a hybrid strategy also GPUs rented on demand (Kind on-demand, Action
// "rent": GPUs each month from Start to End) and a raise of the pool's
// on_demand_max_gpus (Kind on-demand-ceiling, Action "raise", Address
// pools.NAME.on_demand_max_gpus); for a bounded window an AWS capacity
// block (Kind capacity-block, Action "add", DurationHours long).
type Change struct {
	// Kind is "" for a reservation (see KindOnDemand and the others).
	Kind    string `json:"kind,omitempty"`
	Action  string `json:"action"` // "add" | "extend" | "rent" | "raise"
	Address string `json:"address"`
	// Root is the root module the reservation is in (an added one: the
	// root of the pool's reservation it copies the instance type from).
	Root            string  `json:"root,omitempty"`
	Zone            string  `json:"zone"`
	InstanceType    string  `json:"instance_type"`
	Instances       int     `json:"instances"`
	GPUsPerInstance float64 `json:"gpus_per_instance"`
	GPUs            float64 `json:"gpus"`
	// Start is the first day the change adds capacity; End the last
	// ("" open-ended); OldEnd an extended reservation's end as written.
	Start  string `json:"start"`
	End    string `json:"end"`
	OldEnd string `json:"old_end,omitempty"`
	// DurationHours is a capacity block's length (Start to End inclusive).
	DurationHours float64 `json:"duration_hours,omitempty"`
	// OldOnDemandMaxGPUs and OnDemandMaxGPUs are a ceiling raise's
	// on_demand_max_gpus as written (0: not given) and as it must be.
	OldOnDemandMaxGPUs float64 `json:"old_on_demand_max_gpus,omitempty"`
	OnDemandMaxGPUs    float64 `json:"on_demand_max_gpus,omitempty"`
	// MonthlyCost is the reserved cost of its first month, HorizonCost
	// over every horizon month it covers.
	MonthlyCost float64 `json:"monthly_cost"`
	HorizonCost float64 `json:"horizon_cost"`
}

// BindingDoc is a constraint that keeps a pool from being fixed.
type BindingDoc struct {
	Constraint string `json:"constraint"`
	Month      string `json:"month,omitempty"`
	Msg        string `json:"msg"`
}

// SuggestFigures are a pool's capacity figures.
type SuggestFigures struct {
	ReservedGPUs       float64 `json:"reserved_gpus"`
	MinHeadroom        float64 `json:"min_headroom"`
	MinHeadroomHorizon float64 `json:"min_headroom_horizon"`
	Cliff              string  `json:"cliff"`
	NPlusOK            bool    `json:"n_plus_ok"`
	NPlusRequired      bool    `json:"n_plus_required"`
	CapacityAfterLoss  float64 `json:"capacity_after_loss"`
	MaxMonthlyCost     float64 `json:"max_monthly_cost"`
}

// Suggest evaluates in and, for each reserved pool that is short of
// headroom_min in some month of the horizon or fails N+k (where an SLO
// owes it) in some month, finds the cheapest change that makes every
// month pass (see solveMonth), then evaluates in again with every change
// applied ([SuggestDoc.Apply]) and reads each pool's figures from that
// document: a change the evaluator does not pass with is an error, never
// a suggestion.
//
// The problem is separable by month: the cost is Σ_m hours(m) × price ×
// GPUs added in m, and every rule (headroom, N+k, the budget) is a
// constraint on one month, so the cheapest plan takes the cheapest
// addition of each month, found by exact enumeration of the per-zone
// instance counts in increasing total (the first total with a feasible
// split is the optimum). Added capacity only ever helps headroom and N+k
// (losing a domain loses at most what was added to it), so layers of
// the monthly additions become reservations with a start and an end.
//
// Under strategy hybrid the month's rules are check's (guaranteed vs the
// baseline with headroom and N+k, guaranteed + the elastic ceiling vs the
// peak with headroom) and renting on demand is a choice beside reserving
// (see solveHybrid): the GPUs rented and a raise of on_demand_max_gpus
// are changes of their own. Additions confined to a bounded window may
// become an AWS capacity block instead (see blocks). Pools of strategy
// on-demand are not solved.
func Suggest(in Input) (*SuggestDoc, error) {
	doc, err := Evaluate(in)
	if err != nil {
		return nil, err
	}
	horizon := 0
	for _, p := range in.Plans {
		if p != nil {
			horizon = max(horizon, p.HorizonMonths)
		}
	}
	e := &evaluation{in: in, cal: newCalendar(in.Now, horizon)}
	out := &SuggestDoc{Version: Version, Now: doc.Now, Suggestions: []PoolSuggestion{}}
	plans := map[string]*schema.Plan{}
	for _, p := range sortPlans(in.Plans) {
		if _, ok := plans[p.Name]; !ok {
			plans[p.Name] = p
		}
	}
	for i := range doc.Pools {
		pd := &doc.Pools[i]
		p := plans[pd.Plan]
		if p == nil || p.Pools[pd.Name] == nil {
			continue
		}
		ps, err := e.suggestPool(doc, p, p.Pools[pd.Name], pd)
		if err != nil {
			return nil, err
		}
		out.Suggestions = append(out.Suggestions, ps)
	}
	if err := out.verify(in); err != nil {
		return nil, err
	}
	return out, nil
}

// Attach sets the Suggestion of each pool of pools that d does not pass
// (fixed, no fix, not solved), matched by plan and name; a pool removed
// in a diff gets none.
func (d *SuggestDoc) Attach(pools []PoolSummary) {
	for i := range pools {
		p := &pools[i]
		if p.Status == StatusRemoved {
			continue
		}
		for j := range d.Suggestions {
			ps := &d.Suggestions[j]
			if ps.Plan == p.Plan && ps.Pool == p.Name && ps.Status != SuggestPass {
				p.Suggestion = ps
			}
		}
	}
}

// sugPool is the per-month problem of one pool.
type sugPool struct {
	e          *evaluation
	rss        []resState
	required   []float64
	critical   []float64
	needed     bool
	h          float64
	k          int
	fd         FailureDomain
	zones      []string
	g          float64
	arrive     int // first month a new reservation counts
	extendable []int
	// hybrid: required and critical are the baseline (critical bounded
	// above by min(the peak's critical, the baseline)), peak the plan_for
	// peak guaranteed plus ceil must carry with headroom; ceil is the
	// ceiling the month is checked with (the pool's, or what raising
	// on_demand_max_gpus may give, hi: the claimed elastic GPUs, else
	// unbounded).
	hybrid bool
	peak   []float64
	ceil   []float64
	cur    []float64
	hi     []float64
}

// monthCheck reports whether month m passes with add[z] instances added
// in zones[z] and the reservations ext (indexes into rss) extended into
// it: headroom against required, and N+k against critical when owed. It
// builds a one-month series and asks the series arithmetic.
func (sp *sugPool) monthCheck(m int, add []int, ext []int) bool {
	e := sp.e
	byName := map[string]float64{}
	var unknown, capacity float64
	var doms []domain
	extended := func(j int) bool { return slices.Contains(ext, j) }
	for j, rs := range sp.rss {
		if !rs.guaranteed || !(e.activeWhole(rs, m) || extended(j)) {
			continue
		}
		capacity += rs.r.GPUs
		if sp.fd == DomainZone {
			if rs.r.Zone == "" {
				unknown += rs.r.GPUs
			} else {
				byName[rs.r.Zone] += rs.r.GPUs
			}
		}
	}
	if sp.fd == DomainReplica {
		var sub []resState
		for j, rs := range sp.rss {
			if extended(j) {
				rs.start, rs.end = time.Time{}, time.Time{}
			}
			sub = append(sub, rs)
		}
		doms = e.reservationDomains(sub, m, DomainReplica)
	}
	for z, n := range add {
		capacity += float64(n) * sp.g
		if sp.fd == DomainZone {
			byName[sp.zones[z]] += float64(n) * sp.g
			continue
		}
		for i := range n {
			doms = append(doms, domain{name: fmt.Sprintf("new:%s#%d", sp.zones[z], i), size: sp.g})
		}
	}
	if sp.fd == DomainZone {
		doms = zoneDomains(byName, unknown)
	} else {
		sortDomains(doms)
	}
	s := series{capacity: []float64{capacity}, required: []float64{sp.required[m]}, headroomMin: sp.h, domains: [][]domain{doms}}
	if s.short(0) {
		return false
	}
	if sp.hybrid {
		burst := series{capacity: []float64{capacity + sp.ceil[m]}, required: []float64{sp.peak[m]}, headroomMin: sp.h}
		if burst.short(0) {
			return false
		}
	}
	return !sp.needed || s.nPlus(sp.k, []float64{sp.critical[m]}, 0).ok
}

// existing is the guaranteed GPUs of month m without changes.
func (sp *sugPool) existing(m int) float64 {
	var c float64
	for _, rs := range sp.rss {
		if rs.guaranteed && sp.e.activeWhole(rs, m) {
			c += rs.r.GPUs
		}
	}
	return c
}

// solveMonth is month m's cheapest addition: per-zone instance counts
// when a new reservation can arrive by then, else a set of expired
// reservations to extend. ok is false when nothing makes the month pass.
// Among additions of the same size it prefers one that keeps the
// previous month's (prev), then one that carries on expired reservations
// in their zones, then the smallest largest zone, then the most even
// split, then the earlier zones.
//
// floor is the fewest instances to add (0: none needed); a hybrid pool
// asks for the additions that cover its on-demand overflow with it.
func (sp *sugPool) solveMonth(m int, prev []int, prevExt []int, floor int) (add, ext []int, ok bool) {
	Z := len(sp.zones)
	if floor == 0 && sp.monthCheck(m, make([]int, Z), nil) {
		return make([]int, Z), nil, true
	}
	if m < sp.arrive {
		if floor > 0 {
			return nil, nil, false
		}
		return sp.solveExtend(m, prevExt)
	}
	if Z == 0 || sp.g <= 0 {
		return nil, nil, false
	}
	target := sp.required[m] / (1 - sp.h)
	if sp.hybrid {
		target = math.Max(target, sp.peak[m]/(1-sp.h)-sp.ceil[m])
	}
	n0 := max(floor, int(ceilTol((target-sp.existing(m))/sp.g)))
	crit := 0.0
	if sp.needed {
		crit = sp.critical[m]
	}
	// A sure bound: q instances in every allowed zone leave at least
	// (Z − k) × q × g after losing any k domains, and Z × q × g in all.
	q := int(ceilTol(target / (float64(Z) * sp.g)))
	if sp.needed && Z > sp.k {
		q = max(q, int(ceilTol(crit/(float64(Z-sp.k)*sp.g))))
	} else if sp.needed {
		q = max(q, int(ceilTol(crit/sp.g))+1)
	}
	nmax := max(n0, Z*q)
	x := make([]int, Z)
	for n := n0; n <= nmax; n++ {
		var best []int
		compositions(x, 0, n, func(x []int) {
			if !sp.monthCheck(m, x, nil) {
				return
			}
			if best == nil || sp.better(m, x, best, prev) {
				best = slices.Clone(x)
			}
		})
		if best != nil {
			return best, nil, true
		}
	}
	return nil, nil, false
}

// better reports whether addition a is preferred to b (same total).
func (sp *sugPool) better(m int, a, b, prev []int) bool {
	keeps := func(x []int) bool {
		if prev == nil {
			return false
		}
		for z := range x {
			if x[z] < prev[z] {
				return false
			}
		}
		return true
	}
	largest := func(x []int) float64 {
		var most float64
		for z, n := range x {
			var have float64
			for _, rs := range sp.rss {
				if rs.guaranteed && rs.r.Zone == sp.zones[z] && sp.e.activeWhole(rs, m) {
					have += rs.r.GPUs
				}
			}
			most = math.Max(most, have+float64(n)*sp.g)
		}
		return most
	}
	squares := func(x []int) int {
		s := 0
		for _, n := range x {
			s += n * n
		}
		return s
	}
	// Instances of expired reservations carried on: an extension rather
	// than a new reservation.
	credit := make([]int, len(sp.zones))
	for _, j := range sp.extendable {
		rs := sp.rss[j]
		if z := slices.Index(sp.zones, rs.r.Zone); z >= 0 && rs.end.Before(sp.e.cal.last(m)) && rs.r.GPUsPerInstance == sp.g {
			credit[z] += rs.r.Count
		}
	}
	carried := func(x []int) int {
		c := 0
		for z, n := range x {
			c += min(n, credit[z])
		}
		return c
	}
	if ka, kb := keeps(a), keeps(b); ka != kb {
		return ka
	}
	if ca, cb := carried(a), carried(b); ca != cb {
		return ca > cb
	}
	if la, lb := largest(a), largest(b); la != lb {
		return la < lb
	}
	if sa, sb := squares(a), squares(b); sa != sb {
		return sa < sb
	}
	return slices.Compare(a, b) > 0
}

// solveExtend is the cheapest set of expired reservations to extend into
// month m (before anything new can arrive): the fewest GPUs, then one
// that keeps prev, then the fewest reservations, then the first in order.
func (sp *sugPool) solveExtend(m int, prev []int) (add, ext []int, ok bool) {
	var cands []int
	for _, j := range sp.extendable {
		if rs := sp.rss[j]; !rs.end.IsZero() && rs.end.Before(sp.e.cal.last(m)) {
			cands = append(cands, j)
		}
	}
	if len(cands) > 16 {
		cands = cands[:16]
	}
	var (
		best     []int
		bestGPUs float64
	)
	for mask := 1; mask < 1<<len(cands); mask++ {
		var set []int
		var gpus float64
		for i, j := range cands {
			if mask&(1<<i) != 0 {
				set = append(set, j)
				gpus += sp.rss[j].r.GPUs
			}
		}
		if !sp.monthCheck(m, make([]int, len(sp.zones)), set) {
			continue
		}
		better := best == nil || gpus < bestGPUs-tol
		if !better && math.Abs(gpus-bestGPUs) <= tol {
			ka, kb := subset(prev, set), subset(prev, best)
			better = ka && !kb || ka == kb && len(set) < len(best)
		}
		if better {
			best, bestGPUs = set, gpus
		}
	}
	if best == nil {
		return nil, nil, false
	}
	return make([]int, len(sp.zones)), best, true
}

// subset reports whether every element of a is in b.
func subset(a, b []int) bool {
	for _, x := range a {
		if !slices.Contains(b, x) {
			return false
		}
	}
	return true
}

// compositions calls f with every x[i:] of non-negative counts summing to
// n (x[:i] fixed), the earlier entries largest first.
func compositions(x []int, i, n int, f func([]int)) {
	if i == len(x)-1 {
		x[i] = n
		f(x)
		return
	}
	for c := n; c >= 0; c-- {
		x[i] = c
		compositions(x, i+1, n-c, f)
	}
	x[i] = 0
}

// suggestPool solves one pool.
func (e *evaluation) suggestPool(doc *Document, p *schema.Plan, pool *schema.Pool, pd *PoolDoc) (PoolSuggestion, error) {
	H := len(pd.Timeline)
	ps := PoolSuggestion{
		Pool: pd.Name, Plan: pd.Plan, GPU: pd.GPU, Strategy: pd.Strategy, Status: SuggestPass,
		Zones: []string{}, Changes: []Change{}, Binding: []BindingDoc{},
		AddedMonthly: make([]float64, H), Before: figures(pd), After: figures(pd),
	}
	ps.MonthlyCost, ps.CumulativeCost = milestones(ps.AddedMonthly)
	var idx []int
	for j, r := range doc.Reservations {
		if r.Pool == pd.Name {
			idx = append(idx, j)
		}
	}
	rss, diags := claimedReservations(doc.Reservations, idx)
	if len(diags) > 0 {
		return ps, diags.Err()
	}
	sp := &sugPool{e: e, rss: rss, required: make([]float64, H), critical: make([]float64, H),
		h: pd.HeadroomMin, k: p.Policy.Redundancy.NPlus, fd: failureDomain(p)}
	for m, tm := range pd.Timeline {
		sp.required[m] = tm.RequiredGPUs
	}
	for _, w := range doc.Workloads {
		if w.Plan == p.Name && w.Pool == pd.Name && w.NeedsRedundancy && !w.Interruptible {
			sp.needed = true
			for m := range min(H, len(w.GPUs)) {
				sp.critical[m] += w.GPUs[m]
			}
		}
	}
	claimsElastic := slices.ContainsFunc(rss, func(rs resState) bool { return rs.elastic })
	if pd.Strategy == StrategyHybrid {
		// Guaranteed capacity carries the baseline with headroom and N+k,
		// guaranteed plus the ceiling the peak with headroom (as check
		// judges hybrid pools, see strategyRunOf). The baseline's critical
		// part is at most the peak's and at most the baseline: a fix that
		// holds N+k against that bound holds it against check's.
		sp.hybrid = true
		sp.peak, sp.cur, sp.hi = make([]float64, H), make([]float64, H), make([]float64, H)
		for m, tm := range pd.Timeline {
			sp.peak[m] = tm.RequiredGPUs
			sp.required[m] = tm.BaselineGPUs
			sp.critical[m] = math.Min(sp.critical[m], tm.BaselineGPUs)
			sp.cur[m] = tm.CeilingGPUs
			sp.hi[m] = math.Max(tm.CeilingGPUs, tm.RequiredGPUs/(1-sp.h))
			if claimsElastic {
				sp.hi[m] = math.Max(tm.CeilingGPUs, tm.ElasticGPUs)
			}
		}
		sp.ceil = sp.cur
	}
	// Which months fail today.
	var failing []int
	for m := range H {
		if !sp.monthCheck(m, nil, nil) {
			failing = append(failing, m)
		}
	}
	if len(failing) == 0 {
		return ps, nil
	}
	if pd.Strategy != StrategyReserved && pd.Strategy != StrategyHybrid {
		ps.Status = SuggestUnsupported
		ps.Binding = append(ps.Binding, BindingDoc{Constraint: "strategy",
			Msg: fmt.Sprintf("pool %s has strategy %s: suggestions are solved for reserved and hybrid pools only", pd.Name, pd.Strategy)})
		return ps, nil
	}

	// The unit: the pool's smallest guaranteed instance, reservations
	// before capacity blocks; the zones: the pool's, else its reservations'.
	var unit *inventory.Entry
	zoneSet := map[string]bool{}
	for _, rs := range rss {
		r := rs.r
		if !rs.guaranteed || r.Count < 1 || r.GPUsPerInstance <= 0 || r.InstanceType == "" {
			continue
		}
		if r.Zone != "" {
			zoneSet[r.Zone] = true
		}
		if unit == nil || cmp.Or(boolCmp(r.Kind != inventory.KindReservation, unit.Kind != inventory.KindReservation),
			cmp.Compare(r.GPUsPerInstance, unit.GPUsPerInstance), cmp.Compare(r.InstanceType, unit.InstanceType)) < 0 {
			unit = r
		}
	}
	if len(pool.Zones) > 0 {
		sp.zones = slices.Clone(pool.Zones)
	} else {
		sp.zones = slices.Sorted(maps.Keys(zoneSet))
	}
	slices.Sort(sp.zones)
	sp.zones = slices.Compact(sp.zones)
	ps.Zones = slices.Clone(sp.zones)
	if unit != nil {
		sp.g = unit.GPUsPerInstance
		ps.InstanceType, ps.GPUsPerInstance = unit.InstanceType, unit.GPUsPerInstance
	}
	days := int(math.Ceil(pool.LeadTimeWeeks*7 - tol))
	earliest := e.cal.now.AddDate(0, 0, max(days, 0))
	ps.Earliest = formatDate(earliest)
	sp.arrive = H
	for m := range H {
		if !e.cal.from(m).Before(earliest) {
			sp.arrive = m
			break
		}
	}
	for j, rs := range rss {
		if rs.guaranteed && !rs.end.IsZero() && !rs.end.Before(e.cal.now) && e.cal.index(rs.end) < H {
			sp.extendable = append(sp.extendable, j)
		}
	}

	// Solve month by month.
	adds := make([][]int, H)
	exts := make([][]int, H)
	var prev, prevExt []int
	var unfixable []int
	ceilings := make([]float64, H) // hybrid: the ceiling each month's choice needs
	for m := range H {
		var add, ext []int
		var ok bool
		if sp.hybrid {
			add, ext, ceilings[m], ok = sp.solveHybrid(m, prev, prevExt, pool)
		} else {
			add, ext, ok = sp.solveMonth(m, prev, prevExt, 0)
		}
		if !ok {
			unfixable = append(unfixable, m)
			add = make([]int, len(sp.zones))
		}
		adds[m], exts[m] = add, ext
		prev, prevExt = add, ext
	}
	ps.Status = SuggestFixed
	for _, m := range unfixable {
		switch {
		case m < sp.arrive:
			ps.Binding = append(ps.Binding, BindingDoc{Constraint: BindLeadTime, Month: e.cal.label(m),
				Msg: fmt.Sprintf("%s is short of the rules and nothing ordered today arrives before %s (lead time %s weeks); extending every expiring reservation is not enough", e.cal.label(m), ps.Earliest, trimNum(pool.LeadTimeWeeks))})
		case sp.hybrid && claimsElastic:
			ps.Binding = append(ps.Binding, BindingDoc{Constraint: BindCeiling, Month: e.cal.label(m),
				Msg: fmt.Sprintf("%s is short of the rules and the elastic entries pool %s claims cap what it may rent on demand at %s GPUs", e.cal.label(m), pd.Name, trimNum(sp.hi[m]))})
		case unit == nil:
			ps.Binding = append(ps.Binding, BindingDoc{Constraint: BindInstanceType, Month: e.cal.label(m),
				Msg: fmt.Sprintf("pool %s has no guaranteed reservation to take an instance type from", pd.Name)})
		default:
			ps.Binding = append(ps.Binding, BindingDoc{Constraint: BindZones, Month: e.cal.label(m),
				Msg: fmt.Sprintf("N+%d cannot hold in %s with capacity added only in zones %s", sp.k, e.cal.label(m), strings.Join(sp.zones, ", "))})
		}
		if len(ps.Binding) >= 3 {
			break
		}
	}
	if len(unfixable) > 0 {
		ps.Status = SuggestNoFix
	}
	ps.Changes = sp.blocks(&ps, pool, unit, sp.changes(pd, unit, adds, exts))
	if sp.hybrid {
		ps.Changes = append(ps.Changes, sp.onDemand(pd, pool, adds, exts, ceilings)...)
	}
	ps.Claim = claimFor(pool, pd.Name, ps.Changes)
	t := poolTariff(pool)
	for i := range ps.Changes {
		c := &ps.Changes[i]
		// Dollars per GPU per hour of the month.
		price := t.reserved
		switch c.Kind {
		case KindOnDemandCeiling:
			continue // the ceiling costs nothing; what is rented does
		case KindOnDemand:
			price = t.onDemand * t.onDemandHours / 24
		case KindCapacityBlock:
			price = pool.Price.CapacityBlock
		}
		from, to := sp.monthsOf(*c)
		var start, end time.Time
		if c.Kind == KindCapacityBlock {
			// A block is paid for its hours in every month it overlaps,
			// not only those it covers whole (monthsOf).
			start, _ = time.Parse("2006-01-02", c.Start)
			end = start.Add(time.Duration(c.DurationHours) * time.Hour)
			from, to = max(0, e.cal.index(start)), min(H-1, e.cal.index(end.Add(-time.Nanosecond)))
		}
		for m := from; m <= to; m++ {
			cost := c.GPUs * price * e.cal.hours(m)
			if c.Kind == KindCapacityBlock {
				lo, hi := e.cal.start(m), e.cal.start(m+1)
				if start.After(lo) {
					lo = start
				}
				if end.Before(hi) {
					hi = end
				}
				cost = c.GPUs * price * math.Max(0, hi.Sub(lo).Hours())
			}
			if m == from {
				c.MonthlyCost = cost
			}
			c.HorizonCost += cost
			ps.AddedMonthly[m] += cost
		}
	}
	for _, c := range ps.AddedMonthly {
		ps.Total += c
	}
	ps.MonthlyCost, ps.CumulativeCost = milestones(ps.AddedMonthly)
	return ps, nil
}

func boolCmp(a, b bool) int {
	switch {
	case a == b:
		return 0
	case !a:
		return -1
	}
	return 1
}

// monthsOf is the first and last horizon month a change adds capacity in.
func (sp *sugPool) monthsOf(c Change) (from, to int) {
	H := len(sp.required)
	start, _ := parseResStart(c.Start)
	from = max(0, sp.e.cal.index(start))
	if sp.e.cal.from(from).Before(start) {
		from++
	}
	to = H - 1
	if c.End != "" {
		end, _ := parseResEnd(c.End)
		to = min(H-1, sp.e.cal.index(end))
		if end.Before(sp.e.cal.last(to)) {
			to--
		}
	}
	return from, to
}

// layer is a run of months [from, to] of one instance in one zone.
type layer struct{ from, to int }

// changes turns the monthly additions into reservations: in each zone
// the j-th instance is added over each run of months with at least j
// instances, runs with the same months are one reservation, and an
// extended reservation continues into the new instances of its zone that
// start where it stops.
func (sp *sugPool) changes(pd *PoolDoc, unit *inventory.Entry, adds, exts [][]int) []Change {
	H := len(adds)
	e := sp.e
	out := []Change{}
	// Extensions: from the reservation's end to the last month used.
	extTo := map[int]int{}
	for m, ext := range exts {
		for _, j := range ext {
			extTo[j] = max(extTo[j], m)
		}
	}
	layers := make([][]layer, len(sp.zones))
	for z := range sp.zones {
		for j := 1; ; j++ {
			any := false
			for m := 0; m < H; m++ {
				if adds[m] == nil || adds[m][z] < j {
					continue
				}
				any = true
				to := m
				for to+1 < H && adds[to+1] != nil && adds[to+1][z] >= j {
					to++
				}
				layers[z] = append(layers[z], layer{m, to})
				m = to
			}
			if !any {
				break
			}
		}
	}
	// An expiring reservation whose zone gains instances of its type the
	// month after it (or its extension) stops is extended instead.
	for _, j := range sp.extendable {
		rs := sp.rss[j]
		z := slices.Index(sp.zones, rs.r.Zone)
		if z < 0 || unit == nil || rs.r.InstanceType != unit.InstanceType {
			continue
		}
		// The first month it no longer covers whole (as expiring has it).
		next := e.cal.index(rs.end)
		if !rs.end.Before(e.cal.last(next)) {
			next++
		}
		if to, ok := extTo[j]; ok {
			next = to + 1
		}
		var take []int
		for i, l := range layers[z] {
			if l.from == next && len(take) < rs.r.Count {
				if len(take) > 0 && layers[z][take[0]].to != l.to {
					continue
				}
				take = append(take, i)
			}
		}
		if len(take) != rs.r.Count {
			continue
		}
		extTo[j] = layers[z][take[0]].to
		for i := len(take) - 1; i >= 0; i-- {
			layers[z] = slices.Delete(layers[z], take[i], take[i]+1)
		}
	}
	for _, j := range slices.Sorted(maps.Keys(extTo)) {
		rs := sp.rss[j]
		r := rs.r
		end := ""
		if extTo[j] < H-1 {
			end = formatDate(e.cal.last(extTo[j]))
		}
		out = append(out, Change{Action: "extend", Address: r.Address, Root: r.Root, Zone: r.Zone, InstanceType: r.InstanceType,
			Instances: r.Count, GPUsPerInstance: r.GPUsPerInstance, GPUs: r.GPUs,
			Start: formatDate(rs.end.AddDate(0, 0, 1)), End: end, OldEnd: r.End})
	}
	if unit == nil {
		return out
	}
	for z, ls := range layers {
		groups := map[layer]int{}
		for _, l := range ls {
			groups[l]++
		}
		keys := slices.SortedFunc(maps.Keys(groups), func(a, b layer) int {
			return cmp.Or(cmp.Compare(a.from, b.from), cmp.Compare(a.to, b.to))
		})
		for _, l := range keys {
			n := groups[l]
			end := ""
			if l.to < H-1 {
				end = formatDate(e.cal.last(l.to))
			}
			out = append(out, Change{Action: "add", Root: unit.Root, Zone: sp.zones[z], InstanceType: unit.InstanceType,
				Instances: n, GPUsPerInstance: unit.GPUsPerInstance, GPUs: float64(n) * unit.GPUsPerInstance,
				Start: formatDate(e.cal.from(l.from)), End: end,
				Address: suggestAddress(addType(unit.ResourceType, e.cal.from(l.from), e.cal.now, end), pd.Name, sp.zones[z], e.cal.label(l.from), end)})
		}
	}
	slices.SortStableFunc(out, func(a, b Change) int {
		return cmp.Or(cmp.Compare(a.Action, b.Action), cmp.Compare(a.Start, b.Start), cmp.Compare(a.Zone, b.Zone), cmp.Compare(a.Address, b.Address))
	})
	return out
}

// claims reports whether one of patterns (a pool's `reservations:`)
// claims address in root, as link matches them.
func claims(patterns []string, root, address string) bool {
	forms := newAddrForms(address)
	for _, pattern := range patterns {
		rootGlob, addrPattern, hasRoot := splitRoot(pattern)
		if hasRoot && !matchRoot(rootGlob, root) {
			continue
		}
		if forms.match(addrPattern) {
			return true
		}
	}
	return false
}

// Claims reports whether one of patterns (a pool's `reservations:`)
// claims address in root, as check links them.
func Claims(patterns []string, root, address string) bool { return claims(patterns, root, address) }

// ClaimEntries are the `reservations:` entries pool lacks for the
// reservations and capacity blocks changes add (what `suggest --apply`
// writes into the plan): each added address none of its patterns claims,
// in order, as ROOT:ADDRESS when one of its patterns names a root; nil
// when its patterns claim them all. Unlike Claim (a glob for the pool's
// prefix, for a person to add), an entry claims exactly the reservation
// the solver added and nothing else the prefix might match.
func ClaimEntries(pool *schema.Pool, changes []Change) []string {
	rooted := slices.ContainsFunc(pool.Reservations, func(p string) bool { _, _, ok := splitRoot(p); return ok })
	var out []string
	for _, c := range changes {
		if c.Action != "add" || c.Kind != "" && c.Kind != KindCapacityBlock || claims(pool.Reservations, c.Root, c.Address) {
			continue
		}
		entry := c.Address
		if rooted {
			entry = cmp.Or(c.Root, ".") + ":" + c.Address
		}
		if !slices.Contains(out, entry) {
			out = append(out, entry)
		}
	}
	return out
}

// claimFor is the `reservations:` entry pool needs for the reservations
// changes adds, "" when its patterns claim them all: the resource type
// and the pool's prefix of suggestAddress (`aws_ec2_capacity_reservation.h100_fix_*`),
// else the addresses themselves when they share no such prefix.
func claimFor(pool *schema.Pool, name string, changes []Change) string {
	var added []Change
	for _, c := range changes {
		if c.Action == "add" && !claims(pool.Reservations, c.Root, c.Address) {
			added = append(added, c)
		}
	}
	if len(added) == 0 {
		return ""
	}
	rt, _, _ := strings.Cut(added[0].Address, ".")
	prefix := strings.Trim(nonIdent.ReplaceAllString(name, "_"), "_")
	pattern := rt + "." + prefix + "_*"
	for _, c := range added {
		if !claims([]string{pattern}, c.Root, c.Address) {
			return c.Address
		}
	}
	return pattern
}

var nonIdent = regexp.MustCompile(`[^A-Za-z0-9_]+`)

// suggestAddress names a reservation to add: the pool's resource type
// and pool_zone_YYYY_MM (plus _to_YYYY_MM when it ends inside the
// horizon).
func suggestAddress(resourceType, pool, zone, start, end string) string {
	if resourceType == "" {
		resourceType = "capacity_reservation"
	}
	name := pool + "_" + zone + "_" + start
	if end != "" {
		name += "_to_" + end[:7]
	}
	return resourceType + "." + strings.Trim(nonIdent.ReplaceAllString(name, "_"), "_")
}

// figures are a pool document's capacity figures.
func figures(pd *PoolDoc) SuggestFigures {
	f := SuggestFigures{ReservedGPUs: pd.ReservedGPUs, MinHeadroom: pd.MinHeadroom, MinHeadroomHorizon: pd.MinHeadroomHorizon,
		Cliff: pd.Cliff, NPlusOK: pd.NPlus.OK, NPlusRequired: pd.NPlus.Required, CapacityAfterLoss: pd.NPlus.CapacityAfterLoss}
	if len(pd.Cost.Monthly) > 0 {
		f.MaxMonthlyCost = slices.Max(pd.Cost.Monthly)
	}
	return f
}

// Apply returns in with every change of d made: extended reservations
// end later, added ones are new guaranteed entries in their root, and a
// pool with a Claim gets it added to its reservations (its plan is
// copied), so the verification also proves the pool's patterns claim
// them. in is not modified.
func (d *SuggestDoc) Apply(in Input) Input {
	out := in
	inv := &inventory.Inventory{}
	if in.Inventory != nil {
		*inv = *in.Inventory
		inv.Reservations = slices.Clone(in.Inventory.Reservations)
	}
	extra := map[string][]string{} // "plan/pool" -> addresses
	raise := map[string]float64{}  // "plan/pool" -> on_demand_max_gpus
	for _, ps := range d.Suggestions {
		for _, c := range ps.Changes {
			switch {
			case c.Kind == KindOnDemand:
				// Rented: nothing to change but the ceiling.
			case c.Kind == KindOnDemandCeiling:
				raise[ps.Plan+"/"+ps.Pool] = c.OnDemandMaxGPUs
			case c.Kind == KindCapacityBlock:
				// As the Terraform reader lists a block bought from an
				// offering: from the start of its window (11:30 UTC the day
				// before c.Start, as tfedit writes it) for its duration, no
				// zone.
				rt, _, _ := strings.Cut(c.Address, ".")
				start, _ := time.Parse("2006-01-02", c.Start)
				start = start.AddDate(0, 0, -1).Add(11*time.Hour + 30*time.Minute)
				inv.Reservations = append(inv.Reservations, inventory.Entry{
					Address: c.Address, Root: c.Root, ResourceType: rt, Kind: inventory.KindCapacityBlock,
					InstanceType: c.InstanceType, Count: c.Instances, GPUsPerInstance: c.GPUsPerInstance,
					GPUs: c.GPUs, GPU: ps.GPU, Start: start.Format(time.RFC3339),
					End: start.Add(time.Duration(c.DurationHours) * time.Hour).Format(time.RFC3339), Guaranteed: true,
				})
			case c.Action == "extend":
				for i := range inv.Reservations {
					if inv.Reservations[i].Address == c.Address && inv.Reservations[i].End == c.OldEnd {
						inv.Reservations[i].End = c.End
					}
				}
			case c.Action == "add":
				rt, _, _ := strings.Cut(c.Address, ".")
				inv.Reservations = append(inv.Reservations, inventory.Entry{
					Address: c.Address, Root: c.Root, ResourceType: rt, Kind: inventory.KindReservation,
					InstanceType: c.InstanceType, Count: c.Instances, GPUsPerInstance: c.GPUsPerInstance,
					GPUs: c.GPUs, GPU: ps.GPU, Zone: c.Zone, Start: c.Start, End: c.End, Guaranteed: true,
				})
			}
		}
		if ps.Claim != "" {
			extra[ps.Plan+"/"+ps.Pool] = append(extra[ps.Plan+"/"+ps.Pool], ps.Claim)
		}
	}
	out.Inventory = inv
	out.Plans = make([]*schema.Plan, len(in.Plans))
	for i, p := range in.Plans {
		out.Plans[i] = p
		if p == nil {
			continue
		}
		var cp *schema.Plan
		for name, pool := range p.Pools {
			addrs := extra[p.Name+"/"+name]
			odMax, raised := raise[p.Name+"/"+name]
			if pool == nil || len(addrs) == 0 && !raised {
				continue
			}
			if cp == nil {
				c := *p
				c.Pools = maps.Clone(p.Pools)
				cp = &c
			}
			np := *pool
			np.Reservations = append(slices.Clone(pool.Reservations), addrs...)
			if raised {
				np.OnDemandMaxGPUs = odMax
			}
			cp.Pools[name] = &np
		}
		if cp != nil {
			out.Plans[i] = cp
		}
	}
	return out
}

// verify evaluates in with d's changes, fills in each suggestion's After
// figures and checks them: a fixed pool must keep headroom_min in every
// month and N+k where owed; the budget (the pool's and the plan's, with
// budget_tolerance) must cover the pool's cost with the change, else the
// pool has no fix and the budget binds.
func (d *SuggestDoc) verify(in Input) error {
	after, err := Evaluate(d.Apply(in))
	if err != nil {
		return fmt.Errorf("suggest: evaluate the suggested changes: %w", err)
	}
	pools := map[string]*PoolDoc{}
	for i := range after.Pools {
		pools[after.Pools[i].Name] = &after.Pools[i]
	}
	plans := map[string]*PlanDoc{}
	for i := range after.Plans {
		plans[after.Plans[i].Name] = &after.Plans[i]
	}
	for i := range d.Suggestions {
		ps := &d.Suggestions[i]
		pd := pools[ps.Pool]
		if pd == nil {
			return fmt.Errorf("suggest: pool %s is missing once the changes are applied", ps.Pool)
		}
		ps.After = figures(pd)
		if len(ps.Changes) == 0 {
			continue
		}
		if ps.Status == SuggestFixed && (pd.Cliff != "" || pd.MinHeadroomHorizon < pd.HeadroomMin-tol || pd.NPlus.Required && !pd.NPlus.OK) {
			return fmt.Errorf("suggest: pool %s still fails with the suggested changes (cliff %q, min headroom %.4f, N+k ok %v): the solver and the model disagree",
				ps.Pool, pd.Cliff, pd.MinHeadroomHorizon, pd.NPlus.OK)
		}
		plan := plans[ps.Plan]
		if plan == nil {
			continue
		}
		tolB := plan.Policy.BudgetTolerance
		cur := plan.Currency
		if b := pd.BudgetMonthly; b > 0 && ps.After.MaxMonthlyCost > b*(1+tolB)+tol {
			ps.Status = SuggestNoFix
			ps.Binding = append(ps.Binding, BindingDoc{Constraint: BindBudget,
				Msg: fmt.Sprintf("the cheapest fix costs up to %s %.0f/month, above pool %s's budget of %s %.0f (tolerance %.0f%%)", cur, ps.After.MaxMonthlyCost, ps.Pool, cur, b, tolB*100)})
		}
		if b := plan.BudgetMonthly; b > 0 && plan.ProjectedMonthly > b*(1+tolB)+tol {
			ps.Status = SuggestNoFix
			ps.Binding = append(ps.Binding, BindingDoc{Constraint: BindBudget,
				Msg: fmt.Sprintf("with the cheapest fix plan %s costs up to %s %.0f/month, above its budget of %s %.0f (tolerance %.0f%%)", ps.Plan, cur, plan.ProjectedMonthly, cur, b, tolB*100)})
		}
	}
	return nil
}

// addedGPUs is the guaranteed GPUs add and ext put into month m.
func (sp *sugPool) addedGPUs(add, ext []int) float64 {
	var a float64
	for _, n := range add {
		a += float64(n) * sp.g
	}
	for _, j := range ext {
		a += sp.rss[j].r.GPUs
	}
	return a
}

// solveHybrid is month m's cheapest choice under a hybrid strategy, where
// on-demand GPUs are a choice beside reservations: the cheapest of (1)
// the fewest additions with the pool's ceiling, (2) the fewest that also
// cover the month's on-demand overflow (nothing rented), and (3) the
// fewest with the ceiling raising on_demand_max_gpus may give (the rest
// of the peak rented). A month costs its additions at the reserved price
// around the clock plus its overflow, peak − guaranteed, at the on-demand
// price on_demand_hours_per_day hours a day, as the cost model rents it.
// Equal costs prefer the earlier choice (no ceiling to raise). need is
// the ceiling the choice needs: peak/(1 − h) − guaranteed.
func (sp *sugPool) solveHybrid(m int, prev, prevExt []int, pool *schema.Pool) (add, ext []int, need float64, ok bool) {
	t := poolTariff(pool)
	e := sp.e
	type choice struct {
		add, ext   []int
		cost, need float64
	}
	var best *choice
	try := func(ceil []float64, floor int) {
		sp.ceil = ceil
		defer func() { sp.ceil = sp.cur }()
		a, x, ok := sp.solveMonth(m, prev, prevExt, floor)
		if !ok {
			return
		}
		guaranteed := sp.existing(m) + sp.addedGPUs(a, x)
		over := math.Max(0, sp.peak[m]-guaranteed)
		c := choice{add: a, ext: x,
			cost: sp.addedGPUs(a, x)*t.reserved*e.cal.hours(m) + over*t.onDemand*t.onDemandHours*e.cal.days(m),
			need: math.Max(0, sp.peak[m]/(1-sp.h)-guaranteed)}
		if best == nil || c.cost < best.cost-tol {
			best = &c
		}
	}
	try(sp.cur, 0)
	if over := sp.peak[m] - sp.existing(m); over > tol && sp.g > 0 && m >= sp.arrive {
		try(sp.cur, int(ceilTol(over/sp.g)))
	}
	try(sp.hi, 0)
	if best == nil {
		return nil, nil, 0, false
	}
	return best.add, best.ext, best.need, true
}

// onDemand are a hybrid pool's on-demand changes: the GPUs rented each
// month above guaranteed capacity with the changes (one change per run
// of months renting the same GPUs), and a raise of on_demand_max_gpus to
// the largest ceiling a month's choice needs (ceilings) above the pool's.
func (sp *sugPool) onDemand(pd *PoolDoc, pool *schema.Pool, adds, exts [][]int, ceilings []float64) []Change {
	e := sp.e
	H := len(adds)
	var out []Change
	var raise float64
	for m := range H {
		if ceilings[m] > sp.cur[m]+tol {
			raise = math.Max(raise, ceilTol(ceilings[m]))
		}
	}
	if raise > 0 {
		out = append(out, Change{Kind: KindOnDemandCeiling, Action: "raise", Address: "pools." + pd.Name + ".on_demand_max_gpus",
			GPUs: raise, OldOnDemandMaxGPUs: pool.OnDemandMaxGPUs, OnDemandMaxGPUs: raise,
			Start: formatDate(dateOf(e.cal.now)), End: ""})
	}
	over := make([]float64, H)
	for m := range H {
		over[m] = math.Max(0, sp.peak[m]-sp.existing(m)-sp.addedGPUs(adds[m], exts[m]))
	}
	for m := 0; m < H; m++ {
		if over[m] <= tol {
			continue
		}
		to := m
		for to+1 < H && math.Abs(over[to+1]-over[m]) <= tol {
			to++
		}
		out = append(out, Change{Kind: KindOnDemand, Action: "rent", GPUs: over[m],
			Start: formatDate(dateOf(e.cal.from(m))), End: formatDate(e.cal.last(to))})
		m = to
	}
	return out
}

// Capacity blocks: the longest AWS sells (182 days), the most instances
// one block holds (64), and the term a reservation at the reserved price
// is taken to commit to (one year).
const (
	maxBlockDays        = 182
	maxBlockInstances   = 64
	reservationTermDays = 365
)

// blockDays is the shortest capacity block duration AWS sells that covers
// days days: durations go in 1-day increments up to 14 days and in 7-day
// increments up to 182 (DescribeCapacityBlockOfferings,
// CapacityDurationHours), so 15 days need 21 and 59 need 63; 0 when
// nothing covers it (more than 182 days, or none).
func blockDays(days int) int {
	switch {
	case days <= 0 || days > maxBlockDays:
		return 0
	case days <= 14:
		return days
	}
	return (days + 6) / 7 * 7
}

// blocks replaces the additions of a bounded window (reservations that
// end inside the horizon, grouped by their start and end) with one AWS
// capacity block of all their instances when it is cheaper: the block
// costs price_per_gpu_hour.capacity_block × GPUs × its hours, the
// reservation the reserved price × GPUs × 24 × max(its days, 365) (the
// reserved price is a one-year commitment's). A block covers whole
// months of the window, as check counts capacity (a month counts a
// reservation only when it covers all of it). It is offered only for an
// AWS pool that owes no N+k (a block bought from an offering has no zone
// in Terraform) and is not longer than 182 days; without a capacity
// block price no block is offered and a note says so.
func (sp *sugPool) blocks(ps *PoolSuggestion, pool *schema.Pool, unit *inventory.Entry, changes []Change) []Change {
	if unit == nil || sp.needed || (unit.ResourceType != "aws_ec2_capacity_reservation" && unit.ResourceType != "aws_ec2_capacity_block_reservation") {
		return changes
	}
	type window struct{ start, end string }
	groups := map[window][]int{}
	for i, c := range changes {
		if c.Kind != "" || c.Action != "add" || c.End == "" {
			continue
		}
		groups[window{c.Start, c.End}] = append(groups[window{c.Start, c.End}], i)
	}
	drop := map[int]bool{}
	var added []Change
	for _, w := range slices.SortedFunc(maps.Keys(groups), func(a, b window) int { return cmp.Or(cmp.Compare(a.start, b.start), cmp.Compare(a.end, b.end)) }) {
		start, err1 := time.Parse("2006-01-02", w.start)
		end, err2 := time.Parse("2006-01-02", w.end)
		if err1 != nil || err2 != nil {
			continue
		}
		// The window's days, rounded up to a duration AWS sells: the block
		// may run past the window's end, never stop short of it. Blocks
		// start and end at 11:30 UTC (tfedit's blockWindow), so one that
		// holds the window's first day from midnight starts the day
		// before and needs a day more.
		days := blockDays(int(math.Round(end.AddDate(0, 0, 1).Sub(start).Hours()/24)) + 1)
		if days == 0 {
			continue
		}
		if pool.Price.CapacityBlock <= 0 {
			ps.Notes = append(ps.Notes, fmt.Sprintf("the additions from %s to %s could be an AWS capacity block, but pool %s states no price_per_gpu_hour.capacity_block: none is offered", w.start, w.end, ps.Pool))
			continue
		}
		n := 0
		for _, i := range groups[w] {
			n += changes[i].Instances
		}
		if n > maxBlockInstances {
			ps.Notes = append(ps.Notes, fmt.Sprintf("the additions from %s to %s need %d instances, more than the %d one AWS capacity block holds: none is offered", w.start, w.end, n, maxBlockInstances))
			continue
		}
		// Its last whole day: it ends at 11:30 on day start − 1 + days.
		blockEnd := formatDate(start.AddDate(0, 0, days-2))
		gpus := float64(n) * unit.GPUsPerInstance
		block := gpus * pool.Price.CapacityBlock * float64(days) * 24
		reserve := gpus * pool.Price.Reserved * float64(max(days, reservationTermDays)) * 24
		if block >= reserve-tol {
			continue
		}
		for _, i := range groups[w] {
			drop[i] = true
		}
		added = append(added, Change{Kind: KindCapacityBlock, Action: "add", Root: unit.Root, InstanceType: unit.InstanceType,
			Instances: n, GPUsPerInstance: unit.GPUsPerInstance, GPUs: gpus, Start: w.start, End: blockEnd, DurationHours: float64(days) * 24,
			Address: suggestAddress("aws_ec2_capacity_block_reservation", ps.Pool, "block", strings.ReplaceAll(w.start, "-", "_"), w.end)})
	}
	if len(added) == 0 {
		return changes
	}
	var out []Change
	for i, c := range changes {
		if !drop[i] {
			out = append(out, c)
		}
	}
	return append(out, added...)
}
