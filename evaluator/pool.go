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
	interruptible []float64 // interruptible GPUs, on spot then on demand
	timeline      []MonthDoc
	// strategy is the scenario judged under the pool's strategy (see
	// judgeRuns): every scenario is judged as plan_for is.
	strategy strategyRun
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
	capacity, elastic, spot := e.capacityOf(rss, p.HorizonMonths)
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
	block := e.blockGPUs(rss, p.HorizonMonths)
	L := leadMonths(pool.LeadTimeWeeks)
	runs := e.scenarioRuns(p, wms, capacity, block, elastic, spot, L, t, costCeiling)
	fd := failureDomain(p)
	st := poolStrategy(pool)
	// Domains over the whole horizon: N+k reads the commit window, backing
	// the reservations' whole term.
	e.judgeRuns(p, st, runs, e.poolDomains(rss, p.HorizonMonths-1, fd), ceiling, wms)
	plan := runs[e.planFor(p)]
	s, sr := plan.series, plan.strategy
	o := sr.judged.outlook()
	if len(sr.missing) > 0 {
		notes = append(append([]NoteDoc{}, notes...), NoteDoc{Code: "CAP-BASELINE-PEAK",
			Msg:      fmt.Sprintf("strategy hybrid: workloads %s give no requests_per_s avg or p50, so their peak is taken as the baseline guaranteed capacity must carry", strings.Join(sr.missing, ", ")),
			Location: orPos(pool.Pos, p.PosOf("pools."+name)).Range()})
	}
	if n, ok := onDemandNote(name, pool, st, s, orPos(pool.Pos, p.PosOf("pools."+name)).Range()); ok {
		notes = append(append([]NoteDoc{}, notes...), n)
	}

	d := PoolDoc{
		Name:                name,
		Plan:                p.Name,
		GPU:                 pool.GPU,
		Region:              pool.Region,
		Location:            orPos(pool.Pos, p.PosOf("pools."+name)).Range(),
		LeadTimeWeeks:       pool.LeadTimeWeeks,
		LeadTimeMonths:      L,
		CommitWindowEnd:     e.cal.label(o.window),
		HeadroomMin:         s.headroomMin,
		Strategy:            st,
		ElasticCeilingGPUs:  ceiling[0],
		ElasticCeilingKnown: ceilingKnown,
		ReservedGPUs:        capacity[0],
		ElasticGPUs:         elastic[0],
		SpotGPUs:            spot[0],
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
		Contingency:         e.contingencyDoc(p, runs[contingencyFor(p)]),
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

	cost, ds := e.poolCost(p, name, t, s, block, plan.interruptible, spot, costCeiling, pool.PriceEgressPerGB, wms, d.Location)
	if len(ds) > 0 {
		return PoolDoc{}, ds
	}
	d.Cost = cost
	if n, ok := spotPriceNote(pool, t, plan.timeline, d.Location); ok {
		d.Notes = append(d.Notes, n)
	}
	if n, ok := egressPriceNote(pool, cost.EgressGBMonthly, d.Location); ok {
		d.Notes = append(d.Notes, n)
	}
	var blocks []string
	for _, rs := range rss {
		if rs.guaranteed && rs.r.Kind == inventory.KindCapacityBlock {
			blocks = append(blocks, rs.r.Address)
		}
	}
	if n, ok := blockPriceNote(pool, block, blocks, d.Location); ok {
		d.Notes = append(d.Notes, n)
	}
	for _, rs := range rss {
		if n, ok := blockDurationNote(rs); ok {
			d.Notes = append(d.Notes, n)
		}
	}
	e.costPerTask(p, cost.Monthly, cost.EgressMonthly, pool.PriceEgressPerGB, cost.Currency, wms)
	base, baseCrit, _, _ := e.poolBaseline(p, e.planFor(p), wms, s.horizon())
	critical, needed := e.criticalGPUs(p, e.planFor(p), s, wms)
	if !needed {
		critical = make([]float64, s.horizon())
	}
	d.Strategies = e.strategyDocs(strategyInput{
		t: t, spot: pool.Price.Spot, s: s, critical: critical, baseline: base, baseCritical: baseCrit,
		interruptible: plan.interruptible, spotGPUs: spot, block: block, ceiling: ceiling, ceilingKnown: ceilingKnown,
		asPlanned: cost.Monthly, egress: cost.EgressMonthly, k: p.Policy.Redundancy.NPlus,
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
// against the pool's capacity, with its timeline (interruptible work on
// the spot capacity first; the capacity blocks among capacity, block, at
// their own price).
func (e *evaluation) scenarioRuns(p *schema.Plan, wms []*workloadModel, capacity []float64, block blockUse, elastic, spot []float64, lead int, t tariff, ceiling []float64) map[string]*scenarioRun {
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
			cost, od, onSpot, _, unserved := t.monthSpot(capacity[m], req[m], sr.interruptible[m], spot[m], e.cal.days(m), capAt(ceiling, m))
			cost += t.blockPremium(block, m, e.cal.days(m))
			sr.timeline[m] = MonthDoc{
				Month:             e.cal.label(m),
				CapacityGPUs:      capacity[m],
				ElasticGPUs:       elastic[m],
				RequiredGPUs:      req[m],
				InterruptibleGPUs: sr.interruptible[m],
				OnDemandGPUs:      od,
				UnservedGPUs:      unserved,
				SpotGPUs:          spot[m],
				OnSpotGPUs:        onSpot,
				// reserved judging; judgeRuns restates it under the
				// pool's strategy
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

// judgeRuns judges every scenario's run under the pool's strategy st, as
// plan_for is judged (docs/ARCHITECTURE.md, "Capacity strategies"): each
// run gets the failure domains and its strategyRun, and its timeline the
// headroom, basis and judged figures of that run, with the elastic
// ceiling. A reserved pool's figures are those scenarioRuns wrote.
func (e *evaluation) judgeRuns(p *schema.Plan, st Strategy, runs map[string]*scenarioRun, domains [][]domain, ceiling []float64, wms []*workloadModel) {
	for sc, run := range runs {
		run.series.domains = domains
		sr := e.strategyRunOf(p, sc, st, run.series, ceiling, wms)
		run.strategy = sr
		for m := range run.timeline {
			tm := &run.timeline[m]
			tm.Headroom = sr.judged.headroom(m)
			if sr.baseline != nil {
				tm.BaselineGPUs = sr.baseline[m]
			}
			tm.CeilingGPUs = ceiling[m]
			tm.Basis = string(sr.by[m])
			tm.JudgedCapacityGPUs, tm.JudgedRequiredGPUs = sr.judged.capacity[m], sr.judged.required[m]
		}
	}
}

// scenarioDocs summarises every scenario's run, judged under the pool's
// strategy (judgeRuns).
func (e *evaluation) scenarioDocs(p *schema.Plan, runs map[string]*scenarioRun) map[string]ScenarioDoc {
	out := make(map[string]ScenarioDoc, len(runs))
	for sc, sr := range runs {
		j := sr.strategy.judged
		sd := ScenarioDoc{
			MonthlyGrowth:    p.Scenarios[sc].MonthlyGrowth,
			RequiredGPUsPeak: slices.Max(sr.series.required),
			Timeline:         sr.timeline,
		}
		sd.MinHeadroom, _ = j.minHeadroom(j.window())
		if c := j.cliff(); c >= 0 {
			sd.Cliff = e.cal.label(c)
		}
		out[sc] = sd
	}
	return out
}

// contingencyDoc is the contingency_for scenario's run against capacity,
// judged under the pool's strategy: the first month the judged demand
// exceeds the judged capacity (under hybrid, the baseline on guaranteed
// capacity or the peak on guaranteed + elastic ceiling, whichever has the
// lower headroom; Basis names it).
func (e *evaluation) contingencyDoc(p *schema.Plan, run *scenarioRun) ContingencyDoc {
	s := run.strategy.judged
	at, exceeds := s.overrun()
	d := ContingencyDoc{
		Scenario:        contingencyFor(p),
		Written:         strings.TrimSpace(p.Contingency) != "",
		ExceedsCapacity: exceeds,
		RequiredGPUs:    s.required[at],
		CapacityGPUs:    s.capacity[at],
		Basis:           string(run.strategy.by[at]),
	}
	if exceeds {
		d.FirstMonth = e.cal.label(at)
	}
	return d
}

// spotPriceNote is the CAP-SPOT-PRICE note of a pool whose interruptible
// work runs on spot capacity it claims while it gives no spot price: that
// work is costed at the on-demand price (see tariff.spotPrice).
func spotPriceNote(pool *schema.Pool, t tariff, timeline []MonthDoc, loc diag.Range) (NoteDoc, bool) {
	var most float64
	for _, m := range timeline {
		most = max(most, m.OnSpotGPUs)
	}
	if t.spot > 0 || most <= 0 {
		return NoteDoc{}, false
	}
	return NoteDoc{Code: "CAP-SPOT-PRICE", Location: loc,
		Msg: fmt.Sprintf("up to %s interruptible GPUs run on the pool's spot capacity, but price_per_gpu_hour gives no spot price: they are costed at the on-demand price (%g per GPU-hour)",
			trimNum(most), pool.Price.OnDemand)}, true
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
		PriceSpot:       t.spot,
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
