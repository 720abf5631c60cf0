package evaluator

import (
	"fmt"
	"maps"
	"math"
	"slices"
	"time"

	"github.com/capcheck/capcheck/internal/diag"
	"github.com/capcheck/capcheck/schema"
)

// Schema defaults the evaluator falls back to when a plan built in Go
// leaves a field at its zero value (plans loaded by package schema always
// carry them).
const (
	defaultBatchFactor         = 2
	defaultStreamPeakFactor    = 3
	defaultOnDemandHoursPerDay = 24
	defaultBytesPerParam       = 2
	defaultBenchmarkMaxAgeDays = 180
)

// WorkloadKind is what a workload is, which decides how its demand turns
// into GPUs: request rates through benchmarks (llm-inference) or a per-GPU
// rate (inference), GPU-hours (training), or volumes through a per-GPU
// throughput (batch, stream). The values are the schema's.
type WorkloadKind string

// Workload kinds.
const (
	KindLLMInference = WorkloadKind(schema.KindLLMInference)
	KindInference    = WorkloadKind(schema.KindInference)
	KindTraining     = WorkloadKind(schema.KindTraining)
	KindBatch        = WorkloadKind(schema.KindBatch)
	KindStream       = WorkloadKind(schema.KindStream)
	// KindLLMAPI is served by a provider's API: it needs no GPUs, and
	// loads its provider and dependencies (dependencies.go).
	KindLLMAPI = WorkloadKind(schema.KindLLMAPI)
)

// rateBased reports whether the kind plans in requests/s (and so may take
// its baseline from actuals).
func (k WorkloadKind) rateBased() bool {
	return k == KindLLMInference || k == KindInference || k == KindLLMAPI
}

// workloadModel is one workload's demand in GPUs per scenario and month:
// GPUs are one producer of the demand a series judges (see series).
type workloadModel struct {
	plan *schema.Plan
	w    *schema.Workload
	name string
	doc  WorkloadDoc
	// gpus[scenario][m] is the GPUs the workload needs in month m.
	gpus map[string][]float64
	// llm workloads: mean output tokens per second over month 0 under the
	// plan_for scenario on the per-million-tokens basis (avg when given,
	// else the baseline peak; see volumeFactor).
	tokensPerSMonth0 float64
	benchmarks       []string
	// rps[scenario][m] is the peak requests/s in month m of a rate-based
	// workload (baseline × demand factor): what its dependencies serve.
	rps map[string][]float64
	// perRPS turns requests/s into GPUs (rate-based kinds; nil otherwise)
	// and useAsOf says whether growth runs from as_of: what the baseline
	// of a hybrid pool (strategy.go) is computed with.
	perRPS  func(m int, rps float64) float64
	useAsOf bool
	// meanRPS[m] is the mean requests/s over month m under plan_for of a
	// workload costed per task (llm-inference, inference; nil otherwise),
	// on taskBasis ("avg" or "peak", see CostPerTaskDoc); outputTokens is
	// an LLM workload's output tokens per request (0 otherwise).
	meanRPS      []float64
	taskBasis    string
	outputTokens float64
	costPerTask  *CostPerTaskDoc
	docIndex     int // index of doc in Document.Workloads
}

// demandFactor is the growth factor G_s(m) of a workload's peak in month m
// under scenario s:
//
//	G = (1+g_s)^e × max over the days d of month m of E(d) × S(d)
//
// where e = months from the workload's as_of month to month m (e = m when
// as_of is unset or a fitted trend supplies the baseline; never negative),
// E(d) = the largest multiplier among the workload's events whose
// [start, end] holds day d (1 on a day no event holds: a dampening event
// lowers the peak only on the days it lasts, so a partial-month holiday
// never lowers the month's peak), and S(d) = the product of the scenario's
// step events with At on or before d that apply to the workload (Workloads
// empty or naming it). The peak is the largest day of the month that is
// still ahead (from Now's day in month 0, as capacity is counted: see
// parseResStart): a launch on the 15th raises that month's peak, a ×3
// event that ends on the 2nd and a ×2 step on the 15th never combine into
// ×6, and an event over before today is not in this month's peak.
func (e *evaluation) demandFactor(p *schema.Plan, name string, w *schema.Workload, sc schema.Scenario, m int, useAsOf bool) float64 {
	peak, _ := e.dayFactors(name, w, sc, m)
	return e.growth(w, sc, m, useAsOf) * peak
}

// volumeFactor is the factor of a workload's average rate over month m:
// (1+g_s)^e × the mean over the days of the month of E(d) × S(d) (see
// demandFactor). A 4-day ×1.25 event in a 30-day month raises the month's
// volume by 4 × 0.25 / 30 = 3.3%, not 25%.
func (e *evaluation) volumeFactor(name string, w *schema.Workload, sc schema.Scenario, m int, useAsOf bool) float64 {
	_, mean := e.dayFactors(name, w, sc, m)
	return e.growth(w, sc, m, useAsOf) * mean
}

// growth is (1+g_s)^e (see demandFactor).
func (e *evaluation) growth(w *schema.Workload, sc schema.Scenario, m int, useAsOf bool) float64 {
	exp := m
	if useAsOf && !w.AsOf.IsZero() {
		exp = m - e.cal.index(w.AsOf)
	}
	if exp < 0 {
		exp = 0
	}
	return math.Pow(1+sc.MonthlyGrowth, float64(exp))
}

// dayFactors returns the largest of E(d) × S(d) over the days d of month
// m from calendar.from(m) (see demandFactor) and its mean over every day
// of the month (the month's volume, costed whole like the month). Events and steps are turned into day
// ranges of the month once, then the days are walked with integer
// comparisons.
func (e *evaluation) dayFactors(name string, w *schema.Workload, sc schema.Scenario, m int) (peak, mean float64) {
	if len(w.Events) == 0 && len(sc.Steps) == 0 {
		return 1, 1
	}
	first := e.cal.start(m)
	n := int(e.cal.days(m))
	// day is t's day index in month m (negative before it, ≥ n after it).
	day := func(t time.Time) int { return int(math.Floor(dateOf(t).Sub(first).Hours()/24 + 0.5)) }
	type span struct {
		lo, hi int
		mult   float64
	}
	var spans [8]span
	evs := spans[:0]
	for _, x := range w.Events {
		lo, hi := 0, n-1
		if !x.Start.IsZero() {
			lo = max(lo, day(x.Start))
		}
		if !x.End.IsZero() {
			hi = min(hi, day(x.End))
		}
		if lo <= hi {
			evs = append(evs, span{lo, hi, x.Multiplier})
		}
	}
	var stepSpans [8]span
	steps := stepSpans[:0]
	for _, s := range sc.Steps {
		if len(s.Workloads) > 0 && !slices.Contains(s.Workloads, name) {
			continue
		}
		lo := 0
		if !s.At.IsZero() {
			lo = max(lo, day(s.At))
		}
		if lo < n {
			steps = append(steps, span{lo: lo, hi: n - 1, mult: s.Multiplier})
		}
	}
	from := day(e.cal.from(m))
	var sum float64
	for d := range n {
		ev, active := 1.0, false
		for _, x := range evs {
			if d >= x.lo && d <= x.hi && (!active || x.mult > ev) {
				ev, active = x.mult, true
			}
		}
		step := 1.0
		for _, x := range steps {
			if d >= x.lo {
				step *= x.mult
			}
		}
		f := ev * step
		if d == from || d > from && f > peak {
			peak = f
		}
		sum += f
	}
	return peak, sum / float64(n)
}

// baseline picks a rate's planning baseline: peak, else p95, else avg
// (avg alone is computed so that figures exist, and flagged AvgOnly for
// CAP006).
func baseline(r *schema.Rate) (v float64, basis string, ok bool) {
	switch {
	case r == nil:
		return 0, "", false
	case r.Peak != nil:
		return *r.Peak, "peak", true
	case r.P95 != nil:
		return *r.P95, "p95", true
	case r.Avg != nil:
		return *r.Avg, "avg", true
	}
	return 0, "", false
}

// evalWorkload computes one workload's demand under every scenario of its
// plan. It returns nil and diagnostics when the demand cannot be computed.
func (e *evaluation) evalWorkload(p *schema.Plan, name string, w *schema.Workload) (*workloadModel, diag.Diagnostics) {
	var diags diag.Diagnostics
	at := func(field string) diag.Pos {
		if field == "" {
			return orPos(w.Pos, p.PosOf("workloads."+name))
		}
		return p.PosOf("workloads." + name + "." + field)
	}
	fail := func(field, format string, args ...any) {
		path := "workloads." + name
		if field != "" {
			path += "." + field
		}
		diags = append(diags, diag.Diagnostic{Range: at(field).Range(), Severity: diag.Error, Path: path, Msg: fmt.Sprintf(format, args...)})
	}

	wm := &workloadModel{plan: p, w: w, name: name, gpus: make(map[string][]float64), rps: make(map[string][]float64)}
	d := &wm.doc
	*d = WorkloadDoc{
		Name:          name,
		Plan:          p.Name,
		Pool:          w.Pool,
		Kind:          WorkloadKind(w.Kind),
		Location:      at("").Range(),
		AsOf:          formatDate(w.AsOf),
		Interruptible: w.Interruptible,
		Provider:      w.Provider,
		Calls:         w.Calls,
		From:          formatDate(w.From),
		Until:         formatDate(w.Until),
		MonthlyGrowth: p.Scenarios[e.planFor(p)].MonthlyGrowth,
		Notes:         []NoteDoc{},
	}
	if w.SLO != nil {
		d.Availability = w.SLO.Availability
		d.NeedsRedundancy = w.SLO.Availability >= 0.999
	}
	if !w.AsOf.IsZero() {
		d.BaselineAgeDays = e.cal.ageDays(w.AsOf)
	}
	pool, ok := p.Pools[w.Pool]
	if WorkloadKind(w.Kind) != KindLLMAPI && (!ok || pool == nil) {
		fail("pool", "workload %q is on pool %q, which plan %q does not define", name, w.Pool, p.Name)
		return nil, diags
	}

	// Rate-based kinds: the baseline and the requests/s series.
	var (
		base    float64
		useAsOf = true
		trend   *Trend
	)
	kind := d.Kind
	rateBased := kind.rateBased()
	if t, ok := e.in.Trends[p.Name+"/"+name]; ok {
		if rateBased {
			trend = &t
		} else {
			d.Notes = append(d.Notes, NoteDoc{
				Code:     "CAP-TREND-IGNORED",
				Msg:      fmt.Sprintf("a fitted trend was supplied for %s workload %q, but only request-rate workloads take their baseline from actuals", w.Kind, name),
				Location: d.Location,
			})
		}
	}
	if rateBased {
		v, basis, ok := baseline(w.RequestsPerS)
		d.PeakBasis, d.AvgOnly = basis, basis == "avg"
		switch {
		case trend != nil && !finite(trend.BaselinePeak, trend.MonthlyGrowth, trend.MASE):
			fail("actuals", "the trend fitted for workload %q is not finite (baseline %g, growth %g, MASE %g)", name, trend.BaselinePeak, trend.MonthlyGrowth, trend.MASE)
			return nil, diags
		case trend != nil:
			base, useAsOf = trend.BaselinePeak, false
			if !ok {
				d.PeakBasis = "forecast"
			}
			d.AsOf = formatDate(e.cal.now)
			d.BaselineAgeDays = 0
			d.Forecast = &ForecastDoc{
				Method:              trend.Method,
				FittedMonthlyGrowth: trend.MonthlyGrowth,
				PlanMonthlyGrowth:   d.MonthlyGrowth,
				BaselinePeak:        trend.BaselinePeak,
				MASE:                trend.MASE,
				Source:              trend.Source,
			}
		case ok:
			base = v
		default:
			fail("requests_per_s", "workload %q gives no requests_per_s (peak or p95): demand is unknown", name)
			return nil, diags
		}
		if base < 0 || math.IsNaN(base) || math.IsInf(base, 0) {
			fail("requests_per_s", "workload %q has an invalid baseline of %g requests/s", name, base)
			return nil, diags
		}
		d.BaselinePeak = base
	}

	// perRPS turns requests/s into GPUs for the rate-based kinds.
	var perRPS func(m int, rps float64) float64
	switch kind {
	case KindLLMInference:
		f, ds := e.llmGPUs(p, pool, name, w, wm)
		if len(ds) > 0 {
			return nil, append(diags, ds...)
		}
		perRPS = f
		d.OutputTokensPerSPeak = base * w.Tokens.Output
		// Per-million-tokens basis: the average rate when the plan gives
		// one (grown from its own as_of), else the baseline peak (an upper
		// bound of the volume, so the cost per token is a lower bound);
		// grown to month 0, with events and steps weighted by the days
		// they last in the month (volumeFactor), not by the peak factor.
		tokensBasis, basisAsOf := base, useAsOf
		if w.RequestsPerS != nil && w.RequestsPerS.Avg != nil {
			tokensBasis, basisAsOf = *w.RequestsPerS.Avg, true
		}
		wm.tokensPerSMonth0 = tokensBasis * w.Tokens.Output *
			e.volumeFactor(name, w, p.Scenarios[e.planFor(p)], 0, basisAsOf)
	case KindLLMAPI:
		if ds := e.checkAPIWorkload(p, name, w); len(ds) > 0 {
			return nil, append(diags, ds...)
		}
		perRPS = func(int, float64) float64 { return 0 } // the provider serves it
		d.OutputTokensPerSPeak = base * w.Tokens.Output
	case KindInference:
		if !(w.RequestsPerSPerGPU > 0) {
			fail("requests_per_s_per_gpu", "inference workload %q needs requests_per_s_per_gpu > 0 (got %g)", name, w.RequestsPerSPerGPU)
			return nil, diags
		}
		perRPS = func(_ int, rps float64) float64 { return replicasAtLeast(rps/w.RequestsPerSPerGPU, minReplicas(w)) }
	case KindTraining, KindBatch, KindStream:
		if ds := e.checkVolume(p, name, w); len(ds) > 0 {
			return nil, append(diags, ds...)
		}
	default:
		fail("kind", "workload %q has unknown kind %q", name, w.Kind)
		return nil, diags
	}

	wm.perRPS, wm.useAsOf = perRPS, useAsOf
	for _, s := range slices.Sorted(maps.Keys(p.Scenarios)) {
		sc := p.Scenarios[s]
		gpus := make([]float64, p.HorizonMonths)
		rps := make([]float64, p.HorizonMonths)
		for m := range gpus {
			if !e.served(w, m) { // from / until (roadmap.go)
				continue
			}
			g := e.demandFactor(p, name, w, sc, m, useAsOf)
			switch kind {
			case KindLLMInference, KindInference, KindLLMAPI:
				rps[m] = base * g
				gpus[m] = perRPS(m, rps[m])
			case KindTraining:
				gpus[m] = e.trainingGPUs(w, g, m)
			case KindBatch:
				gpus[m] = batchGPUs(w, g)
			case KindStream:
				gpus[m] = streamGPUs(w, g)
			}
		}
		if !finite(gpus...) {
			fail("", "workload %q: demand under scenario %q overflows (growth %g a month over %d months, events and steps): no finite GPU figure", name, s, sc.MonthlyGrowth, p.HorizonMonths)
			return nil, diags
		}
		wm.gpus[s] = gpus
		if rateBased {
			wm.rps[s] = rps
		}
	}
	if kind == KindLLMInference || kind == KindInference {
		rate, asOf, basis := base, useAsOf, "peak"
		if w.RequestsPerS != nil && w.RequestsPerS.Avg != nil {
			rate, asOf, basis = *w.RequestsPerS.Avg, true, "avg"
		}
		sc := p.Scenarios[e.planFor(p)]
		wm.meanRPS, wm.taskBasis = make([]float64, p.HorizonMonths), basis
		for m := range wm.meanRPS {
			wm.meanRPS[m] = rate * e.volumeFactor(name, w, sc, m, asOf) * e.servedShare(w, m)
		}
		if kind == KindLLMInference {
			wm.outputTokens = w.Tokens.Output
		}
	}
	if !finite(wm.tokensPerSMonth0) {
		fail("", "workload %q: output token volume overflows: no finite cost per token", name)
		return nil, diags
	}
	plan := wm.gpus[e.planFor(p)]
	d.GPUs = plan
	if len(plan) > 0 {
		d.GPUsNow = plan[0]
		d.GPUsPeak = slices.Max(plan)
	}
	d.Inputs = e.traceInputs(p, wm)
	return wm, diags
}

// checkVolume validates the inputs of training, batch and stream workloads.
func (e *evaluation) checkVolume(p *schema.Plan, name string, w *schema.Workload) diag.Diagnostics {
	bad := func(field, format string, args ...any) diag.Diagnostics {
		return diag.Diagnostics{{Range: p.PosOf("workloads." + name + "." + field).Range(), Severity: diag.Error,
			Path: "workloads." + name + "." + field, Msg: fmt.Sprintf(format, args...)}}
	}
	switch w.Kind {
	case schema.KindBatch:
		if !(w.ThroughputPerGPUHour > 0) {
			return bad("throughput_per_gpu_hour", "batch workload %q needs throughput_per_gpu_hour > 0 (got %g)", name, w.ThroughputPerGPUHour)
		}
	case schema.KindStream:
		if !(w.ThroughputPerGPUS > 0) {
			return bad("throughput_per_gpu_s", "stream workload %q needs throughput_per_gpu_s > 0 (got %g)", name, w.ThroughputPerGPUS)
		}
	}
	return nil
}

// trainingGPUs is a training workload's GPUs in month m with growth factor
// g:
//
//	gpu_hours_per_month × g / hours_in_month(m)
//	+ people × gpu_hours_per_day × g / 24
//	+ Σ gpus of runs whose [start, end] overlaps month m from
//	  calendar.from(m) (no growth on runs; a run over before today is not
//	  in month 0)
func (e *evaluation) trainingGPUs(w *schema.Workload, g float64, m int) float64 {
	v := w.GPUHoursPerMonth * g / e.cal.hours(m)
	if x := w.Experimentation; x != nil {
		v += float64(x.People) * x.GPUHoursPerDay * g / 24
	}
	for _, r := range w.Runs {
		if e.runActive(r, m) {
			v += r.GPUs
		}
	}
	return v
}

// runActive reports whether a training run's [start, end] overlaps month
// m from calendar.from(m) (either end may be open).
func (e *evaluation) runActive(r schema.Run, m int) bool {
	if !r.Start.IsZero() && dateOf(r.Start).After(e.cal.last(m)) {
		return false
	}
	return r.End.IsZero() || !dateOf(r.End).Before(e.cal.from(m))
}

// batchFactor is the workload's batch_factor (the schema default when 0).
func batchFactor(w *schema.Workload) float64 {
	if w.BatchFactor == 0 {
		return defaultBatchFactor
	}
	return w.BatchFactor
}

// streamPeakFactor is the workload's stream_peak_factor (the schema
// default when 0).
func streamPeakFactor(w *schema.Workload) float64 {
	if w.StreamPeakFactor == 0 {
		return defaultStreamPeakFactor
	}
	return w.StreamPeakFactor
}

// batchGPUs is volume_per_day × g × batch_factor / (throughput_per_gpu_hour × 24).
func batchGPUs(w *schema.Workload, g float64) float64 {
	return w.VolumePerDay * g * batchFactor(w) / (w.ThroughputPerGPUHour * 24)
}

// streamGPUs is volume_per_s × g × stream_peak_factor / throughput_per_gpu_s.
func streamGPUs(w *schema.Workload, g float64) float64 {
	return w.VolumePerS * g * streamPeakFactor(w) / w.ThroughputPerGPUS
}
