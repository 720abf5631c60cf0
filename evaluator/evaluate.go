package evaluator

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/capcheck/capcheck/evaluator/catalog"
	"github.com/capcheck/capcheck/evaluator/terraform"
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
	Inventory *terraform.Inventory
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
	res := []terraform.Reservation{}
	unres := []terraform.Unresolved{}
	if in.Inventory != nil {
		res = append(res, in.Inventory.Reservations...)
		unres = append(unres, in.Inventory.Unresolved...)
	}
	sortReservations(res)
	slices.SortStableFunc(unres, func(a, b terraform.Unresolved) int { return cmp.Compare(a.Address, b.Address) })

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
	}
	for _, p := range plans {
		if ds := e.checkPlan(p); len(ds) > 0 {
			diags = append(diags, ds...)
			continue
		}
		pd := e.planDoc(p)
		byPool := map[string][]*workloadModel{}
		for _, name := range sortedKeys(p.Workloads) {
			w := p.Workloads[name]
			if w == nil {
				continue
			}
			wm, ds := e.evalWorkload(p, name, w)
			diags = append(diags, ds...)
			if wm == nil {
				continue
			}
			byPool[w.Pool] = append(byPool[w.Pool], wm)
			doc.Workloads = append(doc.Workloads, wm.doc)
		}
		total := make([]float64, p.HorizonMonths)
		for _, name := range sortedKeys(p.Pools) {
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
			doc.Pools = append(doc.Pools, pdoc)
		}
		pd.ProjectedMonthly = slices.Max(total)
		doc.Plans = append(doc.Plans, pd)
		doc.Benchmarks = append(doc.Benchmarks, e.benchmarkDocs(p)...)
	}
	if err := diags.Err(); err != nil {
		return nil, err
	}
	markBinding(doc.Pools)
	return doc, nil
}

// checkPlan rejects plans the model cannot evaluate.
func (e *evaluation) checkPlan(p *schema.Plan) diag.Diagnostics {
	var ds diag.Diagnostics
	bad := func(path, format string, args ...any) {
		ds = append(ds, diag.Diagnostic{Pos: p.PosOf(path), Severity: diag.Error, Path: path, Msg: fmt.Sprintf(format, args...)})
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
	for _, s := range sortedKeys(p.Scenarios) {
		if g := p.Scenarios[s].MonthlyGrowth; !(g > -1) || math.IsInf(g, 0) {
			bad("scenarios."+s+".monthly_growth", "scenario %q has monthly_growth %g; it must be above -1", s, g)
		}
	}
	if h := p.Policy.HeadroomMin; !(h >= 0 && h < 1) {
		bad("policy.headroom_min", "headroom_min %g must be in [0, 1)", h)
	}
	switch p.Policy.Redundancy.Domain {
	case "", "zone", "replica":
	default:
		bad("policy.redundancy.domain", "redundancy domain %q is neither \"zone\" nor \"replica\"", p.Policy.Redundancy.Domain)
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
		File:           p.File,
		Line:           p.Pos.Line,
		Owner:          p.Owner,
		Reviewed:       formatDate(p.Reviewed),
		HorizonMonths:  p.HorizonMonths,
		Policy:         p.Policy,
		PlanFor:        e.planFor(p),
		ContingencyFor: contingencyFor(p),
		Contingency:    p.Contingency,
		GrowthRates:    map[string]float64{},
		Exceptions:     []ExceptionDoc{},
		Positions:      map[string]Position{},
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
			Location:   position(orPos(x.Pos, p.PosOf(fmt.Sprintf("exceptions[%d]", i)))),
		})
	}
	for k, v := range p.Positions {
		pd.Positions[k] = position(v)
	}
	return pd
}

// resState is a claimed reservation with its parsed dates.
type resState struct {
	r          *terraform.Reservation
	start, end time.Time // zero when open-ended
	guaranteed bool
	elastic    bool
}

// guaranteedKind reports whether a reservation adds guaranteed capacity:
// guaranteed, not elastic, and not a consumer of another reservation.
func guaranteedKind(r *terraform.Reservation) bool {
	return r.Guaranteed && r.Kind != terraform.KindElastic && r.ConsumerOf == ""
}

// activeWhole reports whether a reservation covers the rest of month m
// from its first day (from Now in month 0, whose past days need no
// capacity any more): start on or before that day and end on or after the
// month's last day (either may be open). A reservation ending mid-month
// does not count for that month: fail closed.
func (e *evaluation) activeWhole(rs resState, m int) bool {
	from := e.cal.start(m)
	if m == 0 {
		from = e.cal.now
	}
	if !rs.start.IsZero() && rs.start.After(from) {
		return false
	}
	if !rs.end.IsZero() && rs.end.Before(e.cal.last(m)) {
		return false
	}
	return true
}

// headroom is h = 1 − required/capacity, with h = 1 when both are zero and
// h = −1 when capacity is zero and required positive.
func headroom(required, capacity float64) float64 {
	switch {
	case capacity > 0:
		return 1 - required/capacity
	case required > 0:
		return -1
	}
	return 1
}

// domainsAt lists the failure domains of month m, largest first (then by
// name): by zone or, for domain "replica", one domain per reservation
// instance named "address#i" holding GPUs/count GPUs.
//
// Zones fail closed: a reservation without a zone (an AWS capacity block
// sits in one zone that is only known once it is bought) may share any
// zone, so the worst case is assumed: every zone-less GPU is added to the
// largest known zone, named "<zone>+unknown" (ties: the zone name first in
// order), or forms one domain "unknown" when no zone is known. Losing the k
// largest domains then loses Σ k largest known zones + every zone-less GPU,
// the most any placement could lose; counting "unknown" as a zone of its
// own would let N+k pass on capacity that may sit in the lost zone.
func (e *evaluation) domainsAt(rss []resState, m int, domain string) []DomainDoc {
	byName := map[string]float64{}
	var unknown float64
	for _, rs := range rss {
		if !rs.guaranteed || !e.activeWhole(rs, m) {
			continue
		}
		r := rs.r
		if domain == "replica" {
			n := r.Count
			if n <= 1 {
				byName[r.Address] += r.GPUs
				continue
			}
			for i := range n {
				byName[fmt.Sprintf("%s#%d", r.Address, i)] += r.GPUs / float64(n)
			}
			continue
		}
		if r.Zone == "" {
			unknown += r.GPUs
			continue
		}
		byName[r.Zone] += r.GPUs
	}
	out := make([]DomainDoc, 0, len(byName)+1)
	for n, g := range byName {
		out = append(out, DomainDoc{Name: n, GPUs: g})
	}
	byGPUs := func(a, b DomainDoc) int {
		return cmp.Or(-cmp.Compare(a.GPUs, b.GPUs), cmp.Compare(a.Name, b.Name))
	}
	slices.SortFunc(out, byGPUs)
	if unknown > 0 {
		if len(out) == 0 {
			out = append(out, DomainDoc{Name: "unknown", GPUs: unknown})
		} else {
			out[0] = DomainDoc{Name: out[0].Name + "+unknown", GPUs: out[0].GPUs + unknown}
		}
	}
	return out
}

// lostGPUs is the GPUs lost with the k largest of doms (sorted largest
// first), each counted at most limit when limit ≥ 0.
func lostGPUs(doms []DomainDoc, k int, limit float64) float64 {
	var lost float64
	for i := 0; i < k && i < len(doms); i++ {
		g := doms[i].GPUs
		if limit >= 0 {
			g = math.Min(g, limit)
		}
		lost += g
	}
	return lost
}

// scenarioRun is one scenario's timeline for a pool.
type scenarioRun struct {
	required, interruptible []float64
	timeline                []MonthDoc
}

// evalPool computes a pool's capacity model. idx are the indexes into res
// of the reservations the pool claims.
func (e *evaluation) evalPool(p *schema.Plan, name string, pool *schema.Pool, res []terraform.Reservation, idx []int, notes []NoteDoc, wms []*workloadModel) (PoolDoc, diag.Diagnostics) {
	H := p.HorizonMonths
	hmin := p.Policy.HeadroomMin
	domain := p.Policy.Redundancy.Domain
	if domain == "" {
		domain = "zone"
	}
	odh := pool.OnDemandHoursPerDay
	if odh == 0 {
		odh = defaultOnDemandHoursPerDay
	}
	L := leadMonths(pool.LeadTimeWeeks)
	W := min(L+3, H-1) // commit window: months 0..W

	// Reservations and their dates.
	var (
		rss   []resState
		diags diag.Diagnostics
	)
	for _, j := range idx {
		r := &res[j]
		rs := resState{r: r, guaranteed: guaranteedKind(r), elastic: r.Kind == terraform.KindElastic && r.ConsumerOf == ""}
		for _, f := range []struct {
			s   string
			dst *time.Time
			n   string
		}{{r.Start, &rs.start, "start"}, {r.End, &rs.end, "end"}} {
			if f.s == "" {
				continue
			}
			t, err := parseResDate(f.s)
			if err != nil {
				diags = append(diags, diag.Diagnostic{Pos: r.Pos(), Severity: diag.Error, Path: r.Address,
					Msg: fmt.Sprintf("reservation %s %s: %v", r.Address, f.n, err)})
				continue
			}
			*f.dst = t
		}
		rss = append(rss, rs)
	}
	if len(diags) > 0 {
		return PoolDoc{}, diags
	}

	capacity := make([]float64, H)
	elastic := make([]float64, H)
	for m := range H {
		for _, rs := range rss {
			if !e.activeWhole(rs, m) {
				continue
			}
			switch {
			case rs.guaranteed:
				capacity[m] += rs.r.GPUs
			case rs.elastic:
				elastic[m] += rs.r.GPUs
			}
		}
	}

	// monthCost is the pool's cost in month m (see CostDoc). Overflow is
	// peak demand, rented for the daily peak window (odh hours a day);
	// interruptible demand is training (GPU-hours spread over the month,
	// runs that last all day), rented around the clock.
	monthCost := func(m int, req, intr float64) (cost, onDemandGPUs, allOnDemand float64) {
		hours, days := e.cal.hours(m), e.cal.days(m)
		overflow := math.Max(0, req-capacity[m])
		onDemandGPUs = overflow + intr
		cost = capacity[m]*pool.Price.Reserved*hours + (overflow*days*odh+intr*hours)*pool.Price.OnDemand
		allOnDemand = (req + intr) * pool.Price.OnDemand * hours
		return cost, onDemandGPUs, allOnDemand
	}

	runs := map[string]*scenarioRun{}
	for _, s := range sortedKeys(p.Scenarios) {
		sr := &scenarioRun{required: make([]float64, H), interruptible: make([]float64, H), timeline: make([]MonthDoc, H)}
		for _, wm := range wms {
			for m, g := range wm.gpus[s] {
				if wm.w.Interruptible {
					sr.interruptible[m] += g
				} else {
					sr.required[m] += g
				}
			}
		}
		for m := range H {
			cost, od, _ := monthCost(m, sr.required[m], sr.interruptible[m])
			sr.timeline[m] = MonthDoc{
				Month:             e.cal.label(m),
				CapacityGPUs:      capacity[m],
				ElasticGPUs:       elastic[m],
				RequiredGPUs:      sr.required[m],
				InterruptibleGPUs: sr.interruptible[m],
				OnDemandGPUs:      od,
				Headroom:          headroom(sr.required[m], capacity[m]),
				Cost:              cost,
			}
		}
		runs[s] = sr
	}
	plan := runs[e.planFor(p)]
	req := plan.required

	d := PoolDoc{
		Name:             name,
		Plan:             p.Name,
		GPU:              pool.GPU,
		Region:           pool.Region,
		Location:         position(orPos(pool.Pos, p.PosOf("pools."+name))),
		LeadTimeWeeks:    pool.LeadTimeWeeks,
		LeadTimeMonths:   L,
		CommitWindowEnd:  e.cal.label(W),
		HeadroomMin:      hmin,
		ReservedGPUs:     capacity[0],
		ElasticGPUs:      elastic[0],
		OnDemandMaxGPUs:  pool.OnDemandMaxGPUs,
		RequiredGPUsPeak: slices.Max(req),
		RequiredGPUsNow:  req[0],
		BudgetMonthly:    pool.BudgetMonthly,
		Timeline:         plan.timeline,
		Scenarios:        map[string]ScenarioDoc{},
		Reservations:     []string{},
		Expiring:         []ExpiringDoc{},
		Workloads:        []string{},
		Notes:            append([]NoteDoc{}, notes...),
	}

	// Min headroom in the commit window (first month on ties) and over the
	// horizon; cliff and order-by.
	minAt := func(sr *scenarioRun, last int) (float64, int) {
		best, at := math.Inf(1), 0
		for m := 0; m <= last; m++ {
			if h := sr.timeline[m].Headroom; h < best {
				best, at = h, m
			}
		}
		return best, at
	}
	cliffOf := func(sr *scenarioRun) int {
		for m := range H {
			if sr.timeline[m].Headroom < hmin-tol {
				return m
			}
		}
		return -1
	}
	var mAt int
	d.MinHeadroom, mAt = minAt(plan, W)
	d.MinHeadroomMonth = e.cal.label(mAt)
	d.MinHeadroomHorizon, _ = minAt(plan, H-1)
	d.GPUsShort = math.Max(0, ceilTol(req[mAt]/(1-hmin)-capacity[mAt]))
	if c := cliffOf(plan); c >= 0 {
		d.Cliff = e.cal.label(c)
		d.CliffInHorizon = true
		d.OrderBy = e.cal.label(c - L)
		d.OrderByPassed = c-L <= 0
	}

	// N+k over the commit window, and backed capacity. Redundancy is owed
	// to the workloads whose availability SLO needs it (CAP002): after
	// losing k domains, the capacity left must serve their peak; training,
	// batch and lower-SLO serving can be paused in a zone outage. When no
	// workload needs it, the check runs on the whole requirement, for
	// information.
	k := p.Policy.Redundancy.NPlus
	d.NPlus = NPlusDoc{K: k, Domain: domain, Domains: []DomainDoc{}}
	critical := make([]float64, H)
	for _, wm := range wms {
		if wm.doc.NeedsRedundancy && !wm.doc.Interruptible {
			d.NPlus.Required = true
			for m, g := range wm.gpus[e.planFor(p)] {
				critical[m] += g
			}
		}
	}
	if !d.NPlus.Required {
		critical = req
	}
	d.NPlus.OK = true
	worst := math.Inf(1)
	var backed, maxCap float64
	for m := 0; m <= W; m++ {
		doms := e.domainsAt(rss, m, domain)
		lost := lostGPUs(doms, k, -1)
		after := capacity[m] - lost
		if after < critical[m]-tol {
			d.NPlus.OK = false
		}
		if margin := after - critical[m]; margin < worst {
			worst = margin
			d.NPlus.Month = e.cal.label(m)
			d.NPlus.Domains = doms
			d.NPlus.CapacityAfterLoss = after
			d.NPlus.LostGPUs = lost
			d.NPlus.RequiredGPUs = critical[m]
		}
		// Redundancy the plan justifies: the k largest domains (the
		// largest one when k is 0, as DESIGN writes it), each at most
		// required: surviving the loss of a domain never needs more than
		// the requirement elsewhere, so one oversized zone cannot justify
		// itself.
		b := req[m] / (1 - hmin)
		if req[m] > 0 {
			b = math.Max(b, req[m]+lostGPUs(doms, max(k, 1), req[m]))
		}
		backed = math.Max(backed, b)
		maxCap = math.Max(maxCap, capacity[m])
	}
	d.BackedGPUs = backed
	d.PeakReservedGPUs = maxCap
	if maxCap > backed*(1+p.Policy.UnbackedTolerance)+tol {
		d.UnbackedGPUs = maxCap - backed
	}

	// Scenarios and contingency.
	for s, sr := range runs {
		sd := ScenarioDoc{
			MonthlyGrowth:    p.Scenarios[s].MonthlyGrowth,
			RequiredGPUsPeak: slices.Max(sr.required),
			Timeline:         sr.timeline,
		}
		sd.MinHeadroom, _ = minAt(sr, W)
		if c := cliffOf(sr); c >= 0 {
			sd.Cliff = e.cal.label(c)
		}
		d.Scenarios[s] = sd
	}
	cont := runs[contingencyFor(p)]
	d.Contingency = ContingencyDoc{Scenario: contingencyFor(p), Written: strings.TrimSpace(p.Contingency) != ""}
	gapAt, gap := 0, math.Inf(-1)
	for m := range H {
		if g := cont.required[m] - capacity[m]; g > gap {
			gapAt, gap = m, g
		}
	}
	for m := range H {
		if cont.required[m] > capacity[m]+tol {
			d.Contingency.ExceedsCapacity = true
			d.Contingency.FirstMonth = e.cal.label(m)
			gapAt = m
			break
		}
	}
	d.Contingency.RequiredGPUs = cont.required[gapAt]
	d.Contingency.CapacityGPUs = capacity[gapAt]

	// Expiring reservations: a claimed guaranteed reservation whose end
	// falls inside the horizon (on or after Now) while demand remains in
	// the first month it no longer covers and what is left there does not
	// serve it with headroom_min (a capacity block ending while the
	// long-term reservations still cover the pool is no finding).
	for _, rs := range rss {
		d.Reservations = append(d.Reservations, rs.r.Address)
		if !rs.guaranteed || rs.end.IsZero() || rs.end.Before(e.cal.now) {
			continue
		}
		em := e.cal.index(rs.end)
		if em > H-1 {
			continue
		}
		gone := em
		if !rs.end.Before(e.cal.last(em)) {
			gone = em + 1
		}
		at := min(gone, H-1)
		need := req[at]
		if need > 0 && headroom(need, capacity[at]) < hmin-tol {
			d.Expiring = append(d.Expiring, ExpiringDoc{
				Address:      rs.r.Address,
				End:          formatDate(rs.end),
				Month:        e.cal.label(gone),
				GPUs:         rs.r.GPUs,
				RequiredGPUs: need,
				Location:     position(rs.r.Pos()),
			})
		}
	}

	// Cost.
	cost := CostDoc{
		Monthly:            make([]float64, H),
		AllOnDemandMonthly: make([]float64, H),
		At:                 map[string]float64{},
		Currency:           "USD",
	}
	if p.Budget != nil && p.Budget.Currency != "" {
		cost.Currency = p.Budget.Currency
	}
	for m := range H {
		c, _, all := monthCost(m, req[m], plan.interruptible[m])
		cost.Monthly[m] = c
		cost.AllOnDemandMonthly[m] = all
		cost.Total += c
	}
	for _, at := range []int{6, 12, 18, 24} {
		if at < H {
			cost.At[fmt.Sprint(at)] = cost.Monthly[at]
		}
	}
	if cost.AllOnDemandMonthly[0] > 0 {
		cost.SavingsVsOnDemand = 1 - cost.Monthly[0]/cost.AllOnDemandMonthly[0]
	}
	var tokensPerS float64
	for _, wm := range wms {
		tokensPerS += wm.tokensPerSMonth0
	}
	cost.OutputTokensFirstMonth = tokensPerS * e.cal.seconds(0)
	if cost.OutputTokensFirstMonth > 0 {
		cost.PerMillionOutputTokens = cost.Monthly[0] / (cost.OutputTokensFirstMonth / 1e6)
	}
	d.Cost = cost
	d.MonthlyCost = cost.Monthly[0]
	if !finite(cost.Total) || !finite(cost.AllOnDemandMonthly...) || !finite(cost.PerMillionOutputTokens) {
		return PoolDoc{}, diag.Diagnostics{{Pos: posOf(d.Location), Severity: diag.Error, Path: "pools." + name,
			Msg: fmt.Sprintf("pool %q: the cost overflows (prices %g reserved, %g on demand per GPU-hour): no finite figure can be reported", name, pool.Price.Reserved, pool.Price.OnDemand)}}
	}

	// Inputs.
	d.Inputs = PoolInputs{
		Scenario:        e.planFor(p),
		GrowthRates:     map[string]float64{},
		Benchmarks:      []string{},
		ForecastMethods: map[string]string{},
		PriceReserved:   pool.Price.Reserved,
		PriceOnDemand:   pool.Price.OnDemand,
		OnDemandHours:   odh,
	}
	for s, sc := range p.Scenarios {
		d.Inputs.GrowthRates[s] = sc.MonthlyGrowth
	}
	for _, wm := range wms {
		d.Workloads = append(d.Workloads, wm.name)
		d.Inputs.Benchmarks = append(d.Inputs.Benchmarks, wm.benchmarks...)
		if wm.doc.Forecast != nil {
			d.Inputs.ForecastMethods[wm.name] = wm.doc.Forecast.Method
		}
	}
	slices.Sort(d.Inputs.Benchmarks)
	d.Inputs.Benchmarks = slices.Compact(d.Inputs.Benchmarks)
	return d, nil
}

// markBinding marks the binding pool: the one whose cliff comes first (ties:
// the lowest commit-window min headroom, then document order); with no
// cliff anywhere, the pool with the lowest min headroom over the horizon.
func markBinding(pools []PoolDoc) {
	best := -1
	for i := range pools {
		if pools[i].Cliff == "" {
			continue
		}
		if best < 0 || pools[i].Cliff < pools[best].Cliff ||
			pools[i].Cliff == pools[best].Cliff && pools[i].MinHeadroom < pools[best].MinHeadroom {
			best = i
		}
	}
	if best < 0 {
		for i := range pools {
			if best < 0 || pools[i].MinHeadroomHorizon < pools[best].MinHeadroomHorizon {
				best = i
			}
		}
	}
	if best >= 0 {
		pools[best].Binding = true
	}
}

// benchmarkDocs reports a plan's benchmarks with freshness and plausibility.
//
// Roofline: a decode step reads every weight once per replica and emits one
// token per concurrent sequence, so per-replica output tokens/s is bounded by
//
//	concurrency × gpus_per_replica × HBM bandwidth (bytes/s) / (params_b × 1e9 × bytes_per_param)
//
// (tensor parallelism splits the weights across the replica's GPUs). It is
// computed when params_b > 0, concurrency > 0 and the GPU is in the catalog.
// A benchmark without a measured date is stale (its age is unknown).
func (e *evaluation) benchmarkDocs(p *schema.Plan) []BenchmarkDoc {
	maxAge := p.Policy.BenchmarkMaxAgeDays
	if maxAge == 0 {
		maxAge = defaultBenchmarkMaxAgeDays
	}
	var out []BenchmarkDoc
	for _, id := range sortedKeys(p.Benchmarks) {
		b := p.Benchmarks[id]
		if b == nil {
			continue
		}
		bd := BenchmarkDoc{
			ID:             id,
			Plan:           p.Name,
			Model:          b.Model,
			GPU:            b.GPU,
			Location:       position(orPos(b.Pos, p.PosOf("benchmarks."+id))),
			Measured:       formatDate(b.Measured),
			MeetsSLO:       b.MeetsSLO,
			GPUsPerReplica: b.GPUsPerReplica,
			Concurrency:    b.Concurrency,
			InputTokens:    b.InputTokens,
			OutputTokens:   b.OutputTokens,
			RequestsPerS:   b.RequestsPerS,
			Used:           e.used[p.Name+"/"+id],
		}
		if b.Measured.IsZero() {
			bd.Stale = true
		} else {
			bd.AgeDays = e.cal.ageDays(b.Measured)
			bd.Stale = bd.AgeDays > maxAge
		}
		bd.OutputTokensPerS = b.OutputTokensPerS
		if bd.OutputTokensPerS == 0 {
			bd.OutputTokensPerS = b.RequestsPerS * b.OutputTokens
		}
		if g, ok := e.gpuSpec(b.GPU); ok && b.ParamsB > 0 && b.Concurrency > 0 && g.HBMBandwidthTBs > 0 {
			bpp := b.BytesPerParam
			if bpp == 0 {
				bpp = defaultBytesPerParam
			}
			gpr := max(b.GPUsPerReplica, 1)
			bd.RooflineOutputTokensPerS = float64(b.Concurrency) * float64(gpr) * g.HBMBandwidthTBs * 1e12 / (b.ParamsB * 1e9 * bpp)
			bd.AboveRoofline = bd.OutputTokensPerS > bd.RooflineOutputTokensPerS
		}
		out = append(out, bd)
	}
	return out
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
func sortReservations(res []terraform.Reservation) {
	for i := range res {
		res[i].Pool = ""
	}
	slices.SortStableFunc(res, func(a, b terraform.Reservation) int { return cmp.Compare(a.Address, b.Address) })
}
