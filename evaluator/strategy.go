package evaluator

import (
	"fmt"
	"math"

	"github.com/capcheck/capcheck/internal/diag"
	"github.com/capcheck/capcheck/schema"
)

// Strategy is how a pool meets its demand (pools' `strategy`, schema
// default reserved). docs/ARCHITECTURE.md, "Capacity strategies":
//
//   - reserved: guaranteed capacity carries the peak with headroom and
//     N+k (the series guaranteed vs peak).
//   - hybrid: guaranteed capacity carries the baseline (the workloads'
//     average or p50; the peak where neither is given: fail closed) with
//     headroom and N+k, and guaranteed plus the elastic ceiling carries the
//     peak with headroom.
//   - on-demand: guaranteed plus the elastic ceiling carries the peak with
//     headroom and N+k (the ceiling counted as one failure domain: where
//     its GPUs come up is not known).
//
// The elastic ceiling is what the pool may rent: the elastic entries it
// claims (node groups, ASGs, NAP at their maxima) capped by
// on_demand_max_gpus, or either alone. Spot capacity is never part of it:
// spot counts only for interruptible work, never for serving.
type Strategy string

// Strategies.
const (
	StrategyReserved Strategy = schema.StrategyReserved
	StrategyHybrid   Strategy = schema.StrategyHybrid
	StrategyOnDemand Strategy = schema.StrategyOnDemand
)

// poolStrategy is a pool's strategy ("" is the schema default, reserved).
func poolStrategy(pool *schema.Pool) Strategy {
	if pool.Strategy == "" {
		return StrategyReserved
	}
	return Strategy(pool.Strategy)
}

// elasticCeiling is the elastic ceiling per month (see Strategy): the
// claimed elastic GPUs active in the month, capped by on_demand_max_gpus
// when the pool gives it; on_demand_max_gpus alone when the pool claims
// no elastic entry. known is false when the pool states neither: nothing
// can be rented for sure, so the ceiling is 0 (fail closed), and the
// cost model leaves on-demand overflow uncapped as before.
func elasticCeiling(pool *schema.Pool, elastic []float64, claimsElastic bool) (ceiling []float64, known bool) {
	ceiling = make([]float64, len(elastic))
	max := pool.OnDemandMaxGPUs
	switch {
	case claimsElastic && max > 0:
		for m, g := range elastic {
			ceiling[m] = math.Min(g, max)
		}
	case claimsElastic:
		copy(ceiling, elastic)
	case max > 0:
		for m := range ceiling {
			ceiling[m] = max
		}
	default:
		return ceiling, false
	}
	return ceiling, true
}

// baselineOf is a workload's baseline GPUs per month under scenario sc:
// what a hybrid pool's guaranteed capacity carries. For request-rate
// workloads it is the average rate (else p50) × the month's volume factor
// (growth × the mean event factor over its days), turned into GPUs like
// the peak; without either rate it is the peak (fail closed: unknown
// baseline, all of it guaranteed), and ok is false. Training, batch and
// stream workloads carry their planned GPUs (already volumes).
func (e *evaluation) baselineOf(p *schema.Plan, wm *workloadModel, scenario string) (gpus []float64, ok bool) {
	peak := wm.gpus[scenario]
	w := wm.w
	if !WorkloadKind(w.Kind).rateBased() || wm.perRPS == nil {
		return peak, true
	}
	var rate *float64
	if w.RequestsPerS != nil {
		rate = w.RequestsPerS.Avg
		if rate == nil {
			rate = w.RequestsPerS.P50
		}
	}
	if rate == nil {
		return peak, false
	}
	sc := p.Scenarios[scenario]
	gpus = make([]float64, len(peak))
	for m := range gpus {
		// The baseline never exceeds the peak (an avg above the peak is an
		// input error the peak bounds).
		gpus[m] = math.Min(wm.perRPS(m, *rate*e.volumeFactor(wm.name, w, sc, m, wm.useAsOf)), peak[m])
	}
	return gpus, true
}

// poolBaseline sums the baseline of a pool's non-interruptible workloads
// under scenario, and the part owed redundancy (workloads whose SLO needs
// it); missing names the workloads without an average or p50 rate (their
// peak was used).
func (e *evaluation) poolBaseline(p *schema.Plan, scenario string, wms []*workloadModel, H int) (base, critical []float64, needed bool, missing []string) {
	base, critical = make([]float64, H), make([]float64, H)
	for _, wm := range wms {
		if wm.doc.Interruptible {
			continue
		}
		g, ok := e.baselineOf(p, wm, scenario)
		if !ok {
			missing = append(missing, wm.name)
		}
		for m := range H {
			base[m] += g[m]
			if wm.doc.NeedsRedundancy {
				needed = true
				critical[m] += g[m]
			}
		}
	}
	return base, critical, needed, missing
}

// addSeries is a + b, month by month.
func addSeries(a, b []float64) []float64 {
	out := make([]float64, len(a))
	for m := range a {
		out[m] = a[m] + b[m]
	}
	return out
}

// strategyRun is what a pool's strategy judges: the judged series (see
// judged), the basis of each month, the series N+k and backing run on
// with the demand owed redundancy.
type strategyRun struct {
	judged   series
	by       []basis
	nplus    series
	critical []float64
	needed   bool
	baseline []float64 // hybrid: the baseline; nil otherwise
	missing  []string  // hybrid: workloads without an avg or p50
}

// strategyRunOf builds a pool's strategyRun under scenario: s is
// guaranteed capacity against the scenario's peak (with its domains),
// ceiling the elastic ceiling.
func (e *evaluation) strategyRunOf(p *schema.Plan, scenario string, st Strategy, s series, ceiling []float64, wms []*workloadModel) strategyRun {
	critical, needed := e.criticalGPUs(p, scenario, s, wms)
	if !needed {
		critical = make([]float64, s.horizon())
	}
	switch st {
	case StrategyHybrid:
		base, crit, need, missing := e.poolBaseline(p, scenario, wms, s.horizon())
		sb := s
		sb.required = base
		burst := s
		burst.capacity = addSeries(s.capacity, ceiling)
		j, by := judged(constraint{basisBaseline, sb}, constraint{basisBurst, burst})
		return strategyRun{judged: j, by: by, nplus: sb, critical: crit, needed: need, baseline: base, missing: missing}
	case StrategyOnDemand:
		burst := s
		burst.capacity = addSeries(s.capacity, ceiling)
		burst.domains = make([][]domain, len(s.domains))
		for m := range burst.domains {
			// The ceiling may come up in any one zone: one domain of its own
			// (losing it loses all of it), next to the guaranteed ones.
			doms := append([]domain{}, s.domainsAt(m)...)
			if m < len(ceiling) && ceiling[m] > 0 {
				doms = append(doms, domain{name: "elastic", size: ceiling[m]})
				sortDomains(doms)
			}
			burst.domains[m] = doms
		}
		j, by := judged(constraint{basisBurst, burst})
		return strategyRun{judged: j, by: by, nplus: burst, critical: critical, needed: needed}
	}
	j, by := judged(constraint{basisPeak, s})
	return strategyRun{judged: j, by: by, nplus: s, critical: critical, needed: needed}
}

// sortDomains orders domains largest first, then by name (as
// reservationDomains does).
func sortDomains(doms []domain) {
	for i := 1; i < len(doms); i++ {
		for j := i; j > 0 && (doms[j].size > doms[j-1].size || doms[j].size == doms[j-1].size && doms[j].name < doms[j-1].name); j-- {
			doms[j], doms[j-1] = doms[j-1], doms[j]
		}
	}
}

// onDemandNote is the warning a hybrid or on-demand pool carries: the
// GPUs it expects to rent at the peak may not be obtainable for a scarce
// type, and buying guaranteed capacity instead takes the lead time.
func onDemandNote(name string, pool *schema.Pool, st Strategy, s series, loc diag.Range) (NoteDoc, bool) {
	var most float64
	for m := range s.horizon() {
		most = math.Max(most, s.required[m]-s.capacity[m])
	}
	if st == StrategyReserved || most <= tol {
		return NoteDoc{}, false
	}
	return NoteDoc{
		Code: "CAP-ONDEMAND-RISK",
		Msg: fmt.Sprintf("strategy %s counts on up to %s on-demand %s GPUs at the peak, which may not be obtainable when the type is scarce; guaranteed capacity takes %s weeks to arrive",
			st, trimNum(most), pool.GPU, trimNum(pool.LeadTimeWeeks)),
		Location: loc,
	}, true
}

// trimNum formats a figure without trailing zeros (12, 12.5).
func trimNum(x float64) string {
	if x == math.Trunc(x) {
		return fmt.Sprintf("%.0f", x)
	}
	return fmt.Sprintf("%.1f", x)
}

// Strategy names in PoolDoc.Strategies.
const (
	StrategyAsPlanned            = "as-planned"
	StrategyAllReserved          = "all-reserved"
	StrategyHybridPlan           = "hybrid"
	StrategyAllOnDemand          = "all-on-demand"
	StrategySpotForInterruptible = "spot-for-interruptible"
)

// strategyInput is what the strategy comparison of a pool reads.
type strategyInput struct {
	t             tariff
	spot          float64 // spot price per GPU-hour, 0 when not given
	s             series  // guaranteed vs plan_for peak, with its domains
	critical      []float64
	baseline      []float64 // baseline of every non-interruptible workload
	baseCritical  []float64
	interruptible []float64
	spotGPUs      []float64 // spot capacity the pool claims
	block         blockUse  // what capacity blocks put into each month
	ceiling       []float64
	ceilingKnown  bool
	asPlanned     []float64 // the pool's own monthly cost, egress included
	// egress is the pool's cross-region egress cost per month (nil when
	// none is priced), the same under every strategy
	egress []float64
	meets  bool // the pool as planned passes its policy
	k      int
}

// zonesFor is the number of equal failure domains a strategy's reserved
// capacity is assumed spread over: the pool's month-0 domains, at least
// k + 1 (so N+k can hold at all).
func zonesFor(s series, k int) int {
	return max(len(s.domainsAt(0)), k+1)
}

// sized is the least whole capacity that carries demand with headroom
// and, spread equally over z domains, survives losing k of them for the
// critical part: max(ceil(demand/(1 − h)), ceil(critical × z/(z − k))).
func sized(demand, critical, h float64, k, z int) float64 {
	c := ceilTol(demand / (1 - h))
	if critical > 0 && k > 0 {
		c = math.Max(c, ceilTol(critical*float64(z)/float64(z-k)))
	}
	return c
}

// strategyDocs prices the strategies a planner compares for one pool
// (see StrategyDoc), month by month over the horizon, and marks the
// cheapest that meets the policy.
func (e *evaluation) strategyDocs(in strategyInput) []StrategyDoc {
	H := in.s.horizon()
	h := in.s.headroomMin
	z := zonesFor(in.s, in.k)
	t := in.t
	type plan struct {
		name    string
		monthly []float64
		meets   bool
		note    string
	}
	allRes := plan{name: StrategyAllReserved, monthly: make([]float64, H), meets: true,
		note: fmt.Sprintf("reserve the peak with headroom and N+%d each month (spread over %d domains); interruptible work on demand", in.k, z)}
	hyb := plan{name: StrategyHybridPlan, monthly: make([]float64, H), meets: in.ceilingKnown,
		note: "reserve the baseline with headroom and N+k; rent the rest of the peak on demand within the elastic ceiling"}
	allOD := plan{name: StrategyAllOnDemand, monthly: make([]float64, H), meets: in.ceilingKnown,
		note: "rent everything on demand around the clock within the elastic ceiling"}
	if !in.ceilingKnown {
		hyb.note += " (the pool states no elastic ceiling: nothing can be rented for sure)"
		allOD.note += " (the pool states no elastic ceiling: nothing can be rented for sure)"
	}
	var interruptibleAny bool
	for m := range H {
		days := e.cal.days(m)
		hours := days * 24
		req, intr := in.s.required[m], in.interruptible[m]
		interruptibleAny = interruptibleAny || intr > 0
		r := sized(req, in.critical[m], h, in.k, z)
		allRes.monthly[m], _, _ = t.month(r, req, intr, days)
		b := sized(in.baseline[m], in.baseCritical[m], h, in.k, z)
		hyb.monthly[m], _, _ = t.month(b, req, intr, days)
		if b+in.ceiling[m] < req/(1-h)-tol {
			hyb.meets = false
		}
		allOD.monthly[m] = (req + intr) * t.onDemand * hours
		eg := valueAt(in.egress, m)
		allRes.monthly[m] += eg
		hyb.monthly[m] += eg
		allOD.monthly[m] += eg
		if in.ceiling[m] < req/(1-h)-tol {
			allOD.meets = false
		}
	}
	plans := []plan{{name: StrategyAsPlanned, monthly: in.asPlanned, meets: in.meets, note: "the pool's reservations and strategy as written"}, allRes, hyb, allOD}
	if interruptibleAny && in.spot > 0 {
		// As planned, with all interruptible work on spot (as-planned puts
		// only what the pool's spot capacity holds there).
		sp := plan{name: StrategySpotForInterruptible, monthly: make([]float64, H), meets: in.meets,
			note: "as planned, with interruptible work on spot instead of on demand"}
		ts := t
		ts.spot = in.spot
		for m := range H {
			ceil := -1.0
			if in.ceilingKnown {
				ceil = in.ceiling[m]
			}
			intr := in.interruptible[m]
			sp.monthly[m], _, _, _, _ = ts.monthSpot(in.s.capacity[m], in.s.required[m], intr, intr, e.cal.days(m), ceil)
			sp.monthly[m] += ts.blockPremium(in.block, m, e.cal.days(m))
			sp.monthly[m] += valueAt(in.egress, m)
		}
		plans = append(plans, sp)
	}
	out := make([]StrategyDoc, len(plans))
	cheapest := -1
	totals := make([]float64, len(plans))
	for i, pl := range plans {
		d := StrategyDoc{Name: pl.name, MeetsPolicy: pl.meets, Note: pl.note}
		d.MonthlyCost, d.CumulativeCost = milestones(pl.monthly)
		for _, c := range pl.monthly {
			totals[i] += c
		}
		// Money is reported in cents, rounded here at the source (the
		// cheapest is chosen on the unrounded totals).
		d.Total = cents(totals[i])
		for _, mp := range []map[string]float64{d.MonthlyCost, d.CumulativeCost} {
			for k, v := range mp {
				mp[k] = cents(v)
			}
		}
		out[i] = d
		if pl.meets && (cheapest < 0 || totals[i] < totals[cheapest]-tol) {
			cheapest = i
		}
	}
	if cheapest >= 0 {
		out[cheapest].Cheapest = true
	}
	return out
}

// cents rounds an amount of money to the cent: 195225.59999999998 is
// reported as 195225.6.
func cents(x float64) float64 {
	return math.Round(x*100) / 100
}
