package evaluator

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/capcheck/capcheck/inventory"

	"github.com/capcheck/capcheck/internal/diag"
	"github.com/capcheck/capcheck/schema"
)

// scenarioRun is one scenario's demand against a pool's capacity.
type scenarioRun struct {
	series        series    // required: non-interruptible GPUs
	interruptible []float64 // interruptible GPUs, rented on demand
	timeline      []MonthDoc
}

// evalPool computes a pool's capacity model: its reservations (idx are
// the indexes into res of those it claims) make the capacity series, its
// workloads (wms) the demand series of each scenario, and the series
// arithmetic (series.go) judges one against the other.
func (e *evaluation) evalPool(p *schema.Plan, name string, pool *schema.Pool, res []inventory.Entry, idx []int, notes []NoteDoc, wms []*workloadModel) (PoolDoc, diag.Diagnostics) {
	rss, diags := claimedReservations(res, idx)
	if len(diags) > 0 {
		return PoolDoc{}, diags
	}
	capacity, elastic := e.capacityOf(rss, p.HorizonMonths)
	claimsElastic := false
	for _, rs := range rss {
		claimsElastic = claimsElastic || rs.elastic
	}
	ceiling, ceilingKnown := elasticCeiling(pool, elastic, claimsElastic)
	var costCeiling []float64 // nil: on-demand overflow uncapped
	if ceilingKnown {
		costCeiling = ceiling
	}
	t := poolTariff(pool)
	L := leadMonths(pool.LeadTimeWeeks)
	runs := e.scenarioRuns(p, wms, capacity, elastic, L, t, costCeiling)
	plan := runs[e.planFor(p)]
	s := plan.series
	fd := failureDomain(p)
	// Domains over the whole horizon: N+k reads the commit window, backing
	// the reservations' whole term.
	s.domains = e.poolDomains(rss, s.horizon()-1, fd)
	st := poolStrategy(pool)
	sr := e.strategyRunOf(p, st, s, ceiling, wms)
	o := sr.judged.outlook()
	if st != StrategyReserved {
		for m := range plan.timeline {
			tm := &plan.timeline[m]
			tm.Headroom = sr.judged.headroom(m)
			if sr.baseline != nil {
				tm.BaselineGPUs = sr.baseline[m]
			}
		}
	}
	for m := range plan.timeline {
		tm := &plan.timeline[m]
		tm.CeilingGPUs = ceiling[m]
		tm.Basis = string(sr.by[m])
		tm.JudgedCapacityGPUs, tm.JudgedRequiredGPUs = sr.judged.capacity[m], sr.judged.required[m]
	}
	if len(sr.missing) > 0 {
		notes = append(append([]NoteDoc{}, notes...), NoteDoc{Code: "CAP-BASELINE-PEAK",
			Msg:      fmt.Sprintf("strategy hybrid: workloads %s give no requests_per_s avg or p50, so their peak is taken as the baseline guaranteed capacity must carry", strings.Join(sr.missing, ", ")),
			Location: position(orPos(pool.Pos, p.PosOf("pools."+name)))})
	}
	if n, ok := onDemandNote(name, pool, st, s, position(orPos(pool.Pos, p.PosOf("pools."+name)))); ok {
		notes = append(append([]NoteDoc{}, notes...), n)
	}

	d := PoolDoc{
		Name:                name,
		Plan:                p.Name,
		GPU:                 pool.GPU,
		Region:              pool.Region,
		Location:            position(orPos(pool.Pos, p.PosOf("pools."+name))),
		LeadTimeWeeks:       pool.LeadTimeWeeks,
		LeadTimeMonths:      L,
		CommitWindowEnd:     e.cal.label(o.window),
		HeadroomMin:         s.headroomMin,
		Strategy:            st,
		ElasticCeilingGPUs:  ceiling[0],
		ElasticCeilingKnown: ceilingKnown,
		ReservedGPUs:        capacity[0],
		ElasticGPUs:         elastic[0],
		OnDemandMaxGPUs:     pool.OnDemandMaxGPUs,
		RequiredGPUsPeak:    slices.Max(s.required),
		RequiredGPUsNow:     s.required[0],
		MinHeadroom:         o.minHeadroom,
		MinHeadroomMonth:    e.cal.label(o.minAt),
		MinHeadroomHorizon:  o.minHorizon,
		GPUsShort:           o.shortfall,
		NPlus:               e.nPlusDocOf(p, sr.nplus, nplusCritical(sr), sr.needed, fd, o.window),
		BudgetMonthly:       pool.BudgetMonthly,
		Timeline:            plan.timeline,
		Scenarios:           e.scenarioDocs(p, runs),
		Contingency:         e.contingencyDoc(p, runs[contingencyFor(p)].series),
		Reservations:        []string{},
		Expiring:            e.expiring(rss, s),
		Workloads:           []string{},
		Notes:               append([]NoteDoc{}, notes...),
	}
	if date, passed, ok := o.orderByDate(e.cal, pool.LeadTimeWeeks); ok {
		d.Cliff = e.cal.label(o.cliff)
		d.CliffInHorizon = true
		d.OrderByDate = formatDate(date)
		d.OrderBy = date.Format("2006-01")
		d.OrderByPassed = passed
	}
	bs := s
	if st == StrategyHybrid {
		bs = sr.nplus // guaranteed capacity is backed by the baseline
	}
	b := bs.backingTerm(p.Policy.Redundancy.NPlus, sr.critical, bs.term(o.window), o.window, p.Policy.UnbackedTolerance)
	d.BackedGPUs, d.PeakReservedGPUs, d.UnbackedGPUs = b.backed, b.peak, b.unbacked
	for _, rs := range rss {
		d.Reservations = append(d.Reservations, rs.r.Address)
	}

	cost, ds := e.poolCost(p, name, t, s, plan.interruptible, costCeiling, wms, d.Location)
	if len(ds) > 0 {
		return PoolDoc{}, ds
	}
	d.Cost = cost
	e.costPerTask(p, cost.Monthly, cost.Currency, wms)
	base, baseCrit, _, _ := e.poolBaseline(p, wms, s.horizon())
	critical, needed := e.criticalGPUs(p, s, wms)
	if !needed {
		critical = make([]float64, s.horizon())
	}
	d.Strategies = e.strategyDocs(strategyInput{
		t: t, spot: pool.Price.Spot, s: s, critical: critical, baseline: base, baseCritical: baseCrit,
		interruptible: plan.interruptible, ceiling: ceiling, ceilingKnown: ceilingKnown,
		asPlanned: cost.Monthly, k: p.Policy.Redundancy.NPlus,
		meets: !(o.minHeadroom < s.headroomMin-tol) && (d.NPlus.OK || !d.NPlus.Required) && !d.OrderByPassed,
	})
	d.MonthlyCost = cost.Monthly[0]
	d.Inputs = e.poolInputs(p, t, wms)
	for _, wm := range wms {
		d.Workloads = append(d.Workloads, wm.name)
	}
	return d, nil
}

// scenarioRuns sums the pool's workload demand per scenario into a series
// against the pool's capacity, with its timeline.
func (e *evaluation) scenarioRuns(p *schema.Plan, wms []*workloadModel, capacity, elastic []float64, lead int, t tariff, ceiling []float64) map[string]*scenarioRun {
	H := len(capacity)
	runs := map[string]*scenarioRun{}
	for _, sc := range slices.Sorted(maps.Keys(p.Scenarios)) {
		sr := &scenarioRun{
			series:        series{capacity: capacity, required: make([]float64, H), headroomMin: p.Policy.HeadroomMin, lead: lead},
			interruptible: make([]float64, H),
			timeline:      make([]MonthDoc, H),
		}
		req := sr.series.required
		for _, wm := range wms {
			for m, g := range wm.gpus[sc] {
				if wm.w.Interruptible {
					sr.interruptible[m] += g
				} else {
					req[m] += g
				}
			}
		}
		for m := range H {
			cost, od, _, unserved := t.monthCapped(capacity[m], req[m], sr.interruptible[m], e.cal.days(m), capAt(ceiling, m))
			sr.timeline[m] = MonthDoc{
				Month:             e.cal.label(m),
				CapacityGPUs:      capacity[m],
				ElasticGPUs:       elastic[m],
				RequiredGPUs:      req[m],
				InterruptibleGPUs: sr.interruptible[m],
				OnDemandGPUs:      od,
				UnservedGPUs:      unserved,
				// reserved judging; evalPool restates the plan_for
				// scenario's under its strategy
				Basis:              string(basisPeak),
				JudgedCapacityGPUs: capacity[m],
				JudgedRequiredGPUs: req[m],
				Headroom:           sr.series.headroom(m),
				Cost:               cost,
			}
		}
		runs[sc] = sr
	}
	return runs
}

// scenarioDocs summarises every scenario's run.
func (e *evaluation) scenarioDocs(p *schema.Plan, runs map[string]*scenarioRun) map[string]ScenarioDoc {
	out := make(map[string]ScenarioDoc, len(runs))
	for sc, sr := range runs {
		s := sr.series
		sd := ScenarioDoc{
			MonthlyGrowth:    p.Scenarios[sc].MonthlyGrowth,
			RequiredGPUsPeak: slices.Max(s.required),
			Timeline:         sr.timeline,
		}
		sd.MinHeadroom, _ = s.minHeadroom(s.window())
		if c := s.cliff(); c >= 0 {
			sd.Cliff = e.cal.label(c)
		}
		out[sc] = sd
	}
	return out
}

// contingencyDoc is the contingency_for scenario's series s against
// capacity.
func (e *evaluation) contingencyDoc(p *schema.Plan, s series) ContingencyDoc {
	at, exceeds := s.overrun()
	d := ContingencyDoc{
		Scenario:        contingencyFor(p),
		Written:         strings.TrimSpace(p.Contingency) != "",
		ExceedsCapacity: exceeds,
		RequiredGPUs:    s.required[at],
		CapacityGPUs:    s.capacity[at],
	}
	if exceeds {
		d.FirstMonth = e.cal.label(at)
	}
	return d
}

// poolInputs records what a pool's figures were computed from.
func (e *evaluation) poolInputs(p *schema.Plan, t tariff, wms []*workloadModel) PoolInputs {
	in := PoolInputs{
		Scenario:        e.planFor(p),
		GrowthRates:     map[string]float64{},
		Benchmarks:      []string{},
		ForecastMethods: map[string]string{},
		PriceReserved:   t.reserved,
		PriceOnDemand:   t.onDemand,
		OnDemandHours:   t.onDemandHours,
	}
	for s, sc := range p.Scenarios {
		in.GrowthRates[s] = sc.MonthlyGrowth
	}
	for _, wm := range wms {
		in.Benchmarks = append(in.Benchmarks, wm.benchmarks...)
		if wm.doc.Forecast != nil {
			in.ForecastMethods[wm.name] = wm.doc.Forecast.Method
		}
	}
	slices.Sort(in.Benchmarks)
	in.Benchmarks = slices.Compact(in.Benchmarks)
	return in
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

// nplusCritical is the demand N+k judges: the part owed redundancy when
// some workload needs it, else (for information) all of the series' demand.
func nplusCritical(sr strategyRun) []float64 {
	if sr.needed {
		return sr.critical
	}
	return sr.nplus.required
}
