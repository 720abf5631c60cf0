package evaluator

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/capcheck/capcheck/internal/diag"
	"github.com/capcheck/capcheck/schema"
)

// Dependencies: the resources other than GPU pools that workloads load (a
// provider API's rate limits, a vector database, a tool API, network
// bandwidth, storage). Each limit of a dependency is a series (series.go)
// of the limit against the demand the plan's workloads put on it, in the
// limit's own unit, and is judged by the same arithmetic as a pool:
// headroom, the commit window, the cliff and order-by (the lead time is
// how long raising the limit takes), the contingency overrun. See
// docs/ARCHITECTURE.md, "Capacity model".
//
// Demand in month m under scenario s, from each rate-based workload w
// with peak requests/s r_w(m) (baseline × growth × events, as for GPUs):
//
//	provider-api tokens_per_minute   = Σ_w r_w × k_w × (input_counted + output) × 60
//	provider-api requests_per_minute = Σ_w r_w × k_w × 60
//	tool-api requests_per_minute     = Σ_w r_w × calls_w × 60
//	vector-db queries_per_s          = Σ_w r_w × calls_w
//	network gbit_per_s               = Σ_w r_w × calls_w (MB per request) × 8 / 1000
//	storage (GB)                     = used_gb + growth_gb_per_month × m
//
// where k_w is 1 for an llm-api workload on its provider plus its calls of
// the provider, and input_counted is the input tokens, or input × (1 −
// prompt_cache_hit_rate) when the provider says cached tokens do not count
// (counts_cached_tokens: false). Storage grows by its stated figure in
// every scenario.

// DependencyKind is what a dependency is; the values are the schema's.
type DependencyKind string

// Dependency kinds.
const (
	DependencyProviderAPI = DependencyKind(schema.DependencyProviderAPI)
	DependencyVectorDB    = DependencyKind(schema.DependencyVectorDB)
	DependencyToolAPI     = DependencyKind(schema.DependencyToolAPI)
	DependencyStorage     = DependencyKind(schema.DependencyStorage)
	DependencyNetwork     = DependencyKind(schema.DependencyNetwork)
)

// Limit names: the schema's field names, and the unit of each series.
const (
	LimitTokensPerMinute   = "tokens_per_minute"
	LimitRequestsPerMinute = "requests_per_minute"
	LimitQueriesPerS       = "queries_per_s"
	LimitGbitPerS          = "gbit_per_s"
	LimitCapacityGB        = "capacity_gb"
)

// DependencyDoc is the capacity model's result for one dependency under
// the plan_for scenario. Its figures are those of its tightest limit
// month by month: MinHeadroom is the lowest headroom of any limit in the
// commit window, Cliff the earliest cliff of any limit, OrderBy = Cliff −
// LeadTimeMonths; Limits holds each limit's own figures.
type DependencyDoc struct {
	Name     string         `json:"name"`
	Plan     string         `json:"plan"`
	Kind     DependencyKind `json:"kind"`
	Location diag.Range     `json:"location"`

	LeadTimeWeeks   float64 `json:"lead_time_weeks"`
	LeadTimeMonths  int     `json:"lead_time_months"`
	CommitWindowEnd string  `json:"commit_window_end"`
	HeadroomMin     float64 `json:"headroom_min"`

	// MinHeadroom is the lowest headroom 1 − required/limit of any limit in
	// the commit window, MinHeadroomMonth its first month and Limit the
	// limit it is of; MinHeadroomHorizon the lowest over the horizon.
	MinHeadroom        float64 `json:"min_headroom"`
	MinHeadroomMonth   string  `json:"min_headroom_month"`
	MinHeadroomHorizon float64 `json:"min_headroom_horizon"`
	Limit              string  `json:"limit"`

	// Cliff is the first month any limit's headroom is below headroom_min
	// ("" when none); CliffLimit the limit; OrderBy = Cliff − lead time.
	Cliff          string `json:"cliff"`
	CliffLimit     string `json:"cliff_limit"`
	OrderBy        string `json:"order_by"`
	OrderByPassed  bool   `json:"order_by_passed"`
	CliffInHorizon bool   `json:"cliff_in_horizon"`
	// Exhausted is the first month demand exceeds a limit ("" when none):
	// for storage, the month the store fills.
	Exhausted string `json:"exhausted"`

	// Timeline is, per month, the limit with the lowest headroom.
	Timeline []DependencyMonthDoc `json:"timeline"`
	Limits   []DependencyLimitDoc `json:"limits"`
	// Scenarios summarise every scenario.
	Scenarios map[string]DependencyScenarioDoc `json:"scenarios"`
	// Contingency is the contingency_for scenario against the limits.
	Contingency DependencyContingencyDoc `json:"contingency"`
	// DegradedMode is the written throttling plan ("" when none).
	DegradedMode string `json:"degraded_mode"`
	// Workloads are those that load the dependency.
	Workloads []string `json:"workloads"`
}

// DependencyMonthDoc is one month of a dependency limit's timeline, in
// the limit's unit.
type DependencyMonthDoc struct {
	Month    string  `json:"month"`
	Limit    string  `json:"limit"`
	Capacity float64 `json:"capacity"`
	Required float64 `json:"required"`
	Headroom float64 `json:"headroom"`
}

// DependencyLimitDoc is one limit of a dependency under the plan_for
// scenario.
type DependencyLimitDoc struct {
	Name             string               `json:"name"`
	Capacity         float64              `json:"capacity"`
	RequiredPeak     float64              `json:"required_peak"`
	RequiredNow      float64              `json:"required_now"`
	MinHeadroom      float64              `json:"min_headroom"`
	MinHeadroomMonth string               `json:"min_headroom_month"`
	Cliff            string               `json:"cliff"`
	OrderBy          string               `json:"order_by"`
	Exhausted        string               `json:"exhausted"`
	Timeline         []DependencyMonthDoc `json:"timeline"`
}

// DependencyScenarioDoc summarises one scenario for a dependency.
type DependencyScenarioDoc struct {
	MonthlyGrowth float64 `json:"monthly_growth"`
	MinHeadroom   float64 `json:"min_headroom"`
	Cliff         string  `json:"cliff"`
}

// DependencyContingencyDoc is the contingency scenario against the limits:
// ExceedsLimit when demand passes a limit in some month, FirstMonth the
// first such month and Limit the limit, Required and Capacity the figures
// there (at the month closest to it when none is passed).
type DependencyContingencyDoc struct {
	Scenario     string  `json:"scenario"`
	ExceedsLimit bool    `json:"exceeds_limit"`
	FirstMonth   string  `json:"first_month"`
	Limit        string  `json:"limit"`
	Required     float64 `json:"required"`
	Capacity     float64 `json:"capacity"`
	Written      bool    `json:"written"` // the dependency has a degraded_mode
}

// BindingConstraintDoc names the resource that runs out first across the
// pools and dependencies of every plan: the earliest cliff (ties: lowest
// commit-window min headroom, pools before dependencies, then document
// order), or, with no cliff anywhere, the lowest min headroom over the
// horizon (Month is then "").
type BindingConstraintDoc struct {
	Name string `json:"name"`
	Plan string `json:"plan"`
	// Kind is "pool" or the dependency's kind.
	Kind string `json:"kind"`
	// Month is the cliff month, "" when nothing runs short in the horizon.
	Month string `json:"month"`
	// Limit is a dependency's limit ("" for a pool).
	Limit       string  `json:"limit"`
	MinHeadroom float64 `json:"min_headroom"`
	OrderBy     string  `json:"order_by"`
}

// dependencyLoad is one dependency's demand and limits: the series of
// each limit, per scenario.
type dependencyLoad struct {
	limits    []string                        // limit names, in a fixed order
	capacity  map[string]float64              // limit → ceiling
	required  map[string]map[string][]float64 // scenario → limit → demand per month
	workloads []string
}

// add records a limit the dependency declares; a limit of zero or less is
// not declared (the schema requires positive limits).
func (l *dependencyLoad) add(limit string, ceiling float64) {
	if ceiling > 0 {
		l.limits = append(l.limits, limit)
		l.capacity[limit] = ceiling
	}
}

// evalDependencies evaluates every dependency of plan p against the load
// of the plan's workload models wms.
func (e *evaluation) evalDependencies(p *schema.Plan, wms []*workloadModel) ([]DependencyDoc, diag.Diagnostics) {
	var (
		out   []DependencyDoc
		diags diag.Diagnostics
	)
	for _, name := range slices.Sorted(maps.Keys(p.Dependencies)) {
		dep := p.Dependencies[name]
		if dep == nil {
			continue
		}
		load, ds := e.dependencyLoad(p, name, dep, wms)
		if len(ds) > 0 {
			diags = append(diags, ds...)
			continue
		}
		out = append(out, e.dependencyDoc(p, name, dep, load))
	}
	return out, diags
}

// dependencyLoad sums the workloads' load on dependency name.
func (e *evaluation) dependencyLoad(p *schema.Plan, name string, dep *schema.Dependency, wms []*workloadModel) (*dependencyLoad, diag.Diagnostics) {
	path := "dependencies." + name
	fail := func(at, format string, args ...any) diag.Diagnostics {
		return diag.Diagnostics{{Range: p.PosOf(at).Range(), Severity: diag.Error, Path: at, Msg: fmt.Sprintf(format, args...)}}
	}
	H := p.HorizonMonths
	l := &dependencyLoad{capacity: map[string]float64{}, required: map[string]map[string][]float64{}}
	lim := dep.Limits
	if lim == nil {
		lim = &schema.Limits{}
	}
	switch DependencyKind(dep.Kind) {
	case DependencyProviderAPI:
		l.add(LimitTokensPerMinute, lim.TokensPerMinute)
		l.add(LimitRequestsPerMinute, lim.RequestsPerMinute)
	case DependencyToolAPI:
		l.add(LimitRequestsPerMinute, lim.RequestsPerMinute)
	case DependencyVectorDB:
		l.add(LimitQueriesPerS, lim.QueriesPerS)
	case DependencyNetwork:
		l.add(LimitGbitPerS, lim.GbitPerS)
	case DependencyStorage:
		l.add(LimitCapacityGB, dep.CapacityGB)
	default:
		return nil, fail(path+".kind", "dependency %q has unknown kind %q", name, dep.Kind)
	}
	if len(l.limits) == 0 {
		// Fail closed: a dependency without a ceiling cannot be judged.
		return nil, fail(path, "dependency %q (%s) states no limit: its headroom is unknown", name, dep.Kind)
	}

	for _, sc := range slices.Sorted(maps.Keys(p.Scenarios)) {
		req := map[string][]float64{}
		for _, lm := range l.limits {
			req[lm] = make([]float64, H)
		}
		if DependencyKind(dep.Kind) == DependencyStorage {
			for m := range H {
				req[LimitCapacityGB][m] = dep.UsedGB + dep.GrowthGBPerMonth*float64(m)
			}
		}
		l.required[sc] = req
	}

	for _, wm := range wms {
		w := wm.w
		calls, calling := w.Calls[name]
		provider := WorkloadKind(w.Kind) == KindLLMAPI && w.Provider == name
		if !calling && !provider {
			continue
		}
		l.workloads = append(l.workloads, wm.name)
		per := calls // requests to the dependency per workload request
		if provider {
			per++
		}
		wpath := "workloads." + wm.name
		for _, sc := range slices.Sorted(maps.Keys(p.Scenarios)) {
			rps := wm.rps[sc]
			if len(rps) != H {
				return nil, fail(wpath, "workload %q loads dependency %q but has no request rate: its load is unknown", wm.name, name)
			}
			req := l.required[sc]
			for m, r := range rps {
				switch DependencyKind(dep.Kind) {
				case DependencyProviderAPI:
					if _, ok := req[LimitTokensPerMinute]; ok {
						if w.Tokens == nil {
							return nil, fail(wpath+".calls."+name, "workload %q calls provider %q, which limits tokens_per_minute, but gives no tokens per request: its token load is unknown", wm.name, name)
						}
						in := w.Tokens.Input
						if !dep.CountsCachedTokens {
							in *= 1 - w.PromptCacheHitRate
						}
						req[LimitTokensPerMinute][m] += r * per * (in + w.Tokens.Output) * 60
					}
					if _, ok := req[LimitRequestsPerMinute]; ok {
						req[LimitRequestsPerMinute][m] += r * per * 60
					}
				case DependencyToolAPI:
					req[LimitRequestsPerMinute][m] += r * per * 60
				case DependencyVectorDB:
					req[LimitQueriesPerS][m] += r * per
				case DependencyNetwork:
					req[LimitGbitPerS][m] += r * per * 8 / 1000
				}
			}
		}
	}
	for sc, req := range l.required {
		for lm, xs := range req {
			if !finite(xs...) {
				return nil, fail(path, "dependency %q: %s demand under scenario %q overflows: no finite figure", name, lm, sc)
			}
		}
	}
	return l, nil
}

// limitSeries is the series of limit lm under scenario sc.
func (l *dependencyLoad) limitSeries(sc, lm string, headroomMin float64, lead int) series {
	req := l.required[sc][lm]
	capacity := make([]float64, len(req))
	for m := range capacity {
		capacity[m] = l.capacity[lm]
	}
	return series{capacity: capacity, required: req, headroomMin: headroomMin, lead: lead}
}

// dependencyDoc judges every limit of a dependency with the series
// arithmetic and combines them.
func (e *evaluation) dependencyDoc(p *schema.Plan, name string, dep *schema.Dependency, l *dependencyLoad) DependencyDoc {
	L := leadMonths(dep.LeadTimeWeeks)
	hmin := p.Policy.HeadroomMin
	plan := e.planFor(p)
	d := DependencyDoc{
		Name:           name,
		Plan:           p.Name,
		Kind:           DependencyKind(dep.Kind),
		Location:       p.PosOf("dependencies." + name).Range(),
		LeadTimeWeeks:  dep.LeadTimeWeeks,
		LeadTimeMonths: L,
		HeadroomMin:    hmin,
		DegradedMode:   dep.DegradedMode,
		Scenarios:      map[string]DependencyScenarioDoc{},
		Workloads:      append([]string{}, l.workloads...),
		Limits:         []DependencyLimitDoc{},
	}
	slices.Sort(d.Workloads)

	first := true
	cliff := -1
	for _, lm := range l.limits {
		s := l.limitSeries(plan, lm, hmin, L)
		o := s.outlook()
		ld := DependencyLimitDoc{
			Name:             lm,
			Capacity:         l.capacity[lm],
			RequiredPeak:     slices.Max(s.required),
			RequiredNow:      s.required[0],
			MinHeadroom:      o.minHeadroom,
			MinHeadroomMonth: e.cal.label(o.minAt),
			Timeline:         make([]DependencyMonthDoc, s.horizon()),
		}
		for m := range s.horizon() {
			ld.Timeline[m] = DependencyMonthDoc{Month: e.cal.label(m), Limit: lm, Capacity: s.capacity[m], Required: s.required[m], Headroom: s.headroom(m)}
		}
		if o.cliff >= 0 {
			ld.Cliff, ld.OrderBy = e.cal.label(o.cliff), e.cal.label(o.orderBy)
		}
		if at, exceeds := s.overrun(); exceeds {
			ld.Exhausted = e.cal.label(at)
			if d.Exhausted == "" || ld.Exhausted < d.Exhausted {
				d.Exhausted = ld.Exhausted
			}
		}
		if first || o.minHeadroom < d.MinHeadroom {
			d.MinHeadroom, d.MinHeadroomMonth, d.Limit = o.minHeadroom, ld.MinHeadroomMonth, lm
			d.CommitWindowEnd = e.cal.label(o.window)
		}
		if first || o.minHorizon < d.MinHeadroomHorizon {
			d.MinHeadroomHorizon = o.minHorizon
		}
		if o.cliff >= 0 && (cliff < 0 || o.cliff < cliff) {
			cliff = o.cliff
			d.CliffLimit = lm
			d.OrderByPassed = o.orderByPassed
		}
		first = false
		d.Limits = append(d.Limits, ld)
	}
	if cliff >= 0 {
		d.Cliff = e.cal.label(cliff)
		d.OrderBy = e.cal.label(cliff - L)
		d.CliffInHorizon = true
	}
	// The timeline: each month's tightest limit (the first on ties).
	d.Timeline = make([]DependencyMonthDoc, p.HorizonMonths)
	for m := range d.Timeline {
		for i, ld := range d.Limits {
			if i == 0 || ld.Timeline[m].Headroom < d.Timeline[m].Headroom {
				d.Timeline[m] = ld.Timeline[m]
			}
		}
	}

	for _, sc := range slices.Sorted(maps.Keys(p.Scenarios)) {
		sd := DependencyScenarioDoc{MonthlyGrowth: p.Scenarios[sc].MonthlyGrowth}
		c := -1
		for i, lm := range l.limits {
			s := l.limitSeries(sc, lm, hmin, L)
			h, _ := s.minHeadroom(s.window())
			if i == 0 || h < sd.MinHeadroom {
				sd.MinHeadroom = h
			}
			if x := s.cliff(); x >= 0 && (c < 0 || x < c) {
				c = x
			}
		}
		if c >= 0 {
			sd.Cliff = e.cal.label(c)
		}
		d.Scenarios[sc] = sd
	}

	cont := contingencyFor(p)
	d.Contingency = DependencyContingencyDoc{Scenario: cont, Written: strings.TrimSpace(dep.DegradedMode) != ""}
	// The limit passed first, or, when none is, the one closest to it.
	pick, pickAt, pickExceeds, pickGap := -1, 0, false, 0.0
	for i, lm := range l.limits {
		s := l.limitSeries(cont, lm, hmin, L)
		at, exceeds := s.overrun()
		gap := s.required[at] - s.capacity[at]
		better := pick < 0 ||
			exceeds && (!pickExceeds || at < pickAt) ||
			!exceeds && !pickExceeds && gap > pickGap
		if better {
			pick, pickAt, pickExceeds, pickGap = i, at, exceeds, gap
			d.Contingency.Limit = lm
			d.Contingency.Required, d.Contingency.Capacity = s.required[at], s.capacity[at]
		}
	}
	d.Contingency.ExceedsLimit = pickExceeds
	if pickExceeds {
		d.Contingency.FirstMonth = e.cal.label(pickAt)
	}
	return d
}

// bindingConstraint is the resource that runs out first (see
// BindingConstraintDoc), nil when there is neither a pool nor a
// dependency.
func bindingConstraint(pools []PoolDoc, deps []DependencyDoc) *BindingConstraintDoc {
	type cand struct {
		doc     BindingConstraintDoc
		cliff   string
		horizon float64
	}
	var cs []cand
	for _, p := range pools {
		cs = append(cs, cand{BindingConstraintDoc{Name: p.Name, Plan: p.Plan, Kind: "pool", Month: p.Cliff, MinHeadroom: p.MinHeadroom, OrderBy: p.OrderBy}, p.Cliff, p.MinHeadroomHorizon})
	}
	for _, d := range deps {
		lm := d.Limit
		if d.Cliff != "" {
			lm = d.CliffLimit
		}
		cs = append(cs, cand{BindingConstraintDoc{Name: d.Name, Plan: d.Plan, Kind: string(d.Kind), Month: d.Cliff, Limit: lm, MinHeadroom: d.MinHeadroom, OrderBy: d.OrderBy}, d.Cliff, d.MinHeadroomHorizon})
	}
	best := -1
	for i, c := range cs {
		if c.cliff == "" {
			continue
		}
		if best < 0 || c.cliff < cs[best].cliff || c.cliff == cs[best].cliff && c.doc.MinHeadroom < cs[best].doc.MinHeadroom {
			best = i
		}
	}
	if best < 0 {
		for i, c := range cs {
			if best < 0 || c.horizon < cs[best].horizon {
				best = i
			}
		}
	}
	if best < 0 {
		return nil
	}
	b := cs[best].doc
	return &b
}

// checkAPIWorkload validates an llm-api workload: its tokens per request
// and its provider.
func (e *evaluation) checkAPIWorkload(p *schema.Plan, name string, w *schema.Workload) diag.Diagnostics {
	path := "workloads." + name
	bad := func(field, format string, args ...any) diag.Diagnostics {
		return diag.Diagnostics{{Range: p.PosOf(path + "." + field).Range(), Severity: diag.Error, Path: path + "." + field, Msg: fmt.Sprintf(format, args...)}}
	}
	if w.Tokens == nil {
		return bad("tokens", "llm-api workload %q gives no tokens per request: its token load is unknown", name)
	}
	dep, ok := p.Dependencies[w.Provider]
	if !ok || dep == nil || DependencyKind(dep.Kind) != DependencyProviderAPI {
		return bad("provider", "llm-api workload %q names provider %q, which plan %q does not define as a provider-api dependency", name, w.Provider, p.Name)
	}
	return nil
}
