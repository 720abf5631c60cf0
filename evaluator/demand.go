package evaluator

import (
	"fmt"
	"math"
	"slices"

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

// workloadModel is one workload's demand in GPUs per scenario and month.
type workloadModel struct {
	plan *schema.Plan
	w    *schema.Workload
	name string
	doc  WorkloadDoc
	// gpus[scenario][m] is the GPUs the workload needs in month m.
	gpus map[string][]float64
	// llm workloads: output tokens per second in month 0 under the plan_for
	// scenario on the per-million-tokens basis (avg when given, else the
	// baseline peak).
	tokensPerSMonth0 float64
	benchmarks       []string
}

// demandFactor is the growth factor G_s(m) of a workload in month m under
// scenario s:
//
//	G = (1+g_s)^e × E × S
//
// where e = months from the workload's as_of month to month m (e = m when
// as_of is unset or a fitted trend supplies the baseline; never negative),
// E = the largest multiplier among the workload's events whose
// [start, end] overlaps month m (1 when none is active), and S = the
// product of the scenario's step events with At on or before the last day
// of month m that apply to the workload (Workloads empty or naming it): a
// launch on the 15th raises that month's peak, so it counts from its own
// month (fail closed).
func (e *evaluation) demandFactor(p *schema.Plan, name string, w *schema.Workload, sc schema.Scenario, m int, useAsOf bool) float64 {
	exp := m
	if useAsOf && !w.AsOf.IsZero() {
		exp = m - e.cal.index(w.AsOf)
	}
	if exp < 0 {
		exp = 0
	}
	g := math.Pow(1+sc.MonthlyGrowth, float64(exp))

	first, last := e.cal.start(m), e.cal.last(m)
	ev, active := 1.0, false
	for _, x := range w.Events {
		if !x.Start.IsZero() && dateOf(x.Start).After(last) {
			continue
		}
		if !x.End.IsZero() && dateOf(x.End).Before(first) {
			continue
		}
		if !active || x.Multiplier > ev {
			ev = x.Multiplier
		}
		active = true
	}

	step := 1.0
	for _, s := range sc.Steps {
		if !s.At.IsZero() && dateOf(s.At).After(last) {
			continue
		}
		if len(s.Workloads) > 0 && !slices.Contains(s.Workloads, name) {
			continue
		}
		step *= s.Multiplier
	}
	return g * ev * step
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
		diags = append(diags, diag.Diagnostic{Pos: at(field), Severity: diag.Error, Path: path, Msg: fmt.Sprintf(format, args...)})
	}

	wm := &workloadModel{plan: p, w: w, name: name, gpus: make(map[string][]float64)}
	d := &wm.doc
	*d = WorkloadDoc{
		Name:          name,
		Plan:          p.Name,
		Pool:          w.Pool,
		Kind:          w.Kind,
		Location:      position(at("")),
		AsOf:          formatDate(w.AsOf),
		Interruptible: w.Interruptible,
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
	if !ok || pool == nil {
		fail("pool", "workload %q is on pool %q, which plan %q does not define", name, w.Pool, p.Name)
		return nil, diags
	}

	// Rate-based kinds: the baseline and the requests/s series.
	var (
		base    float64
		useAsOf = true
		trend   *Trend
	)
	rateBased := w.Kind == schema.KindLLMInference || w.Kind == schema.KindInference
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
	var perRPS func(rps float64) float64
	switch w.Kind {
	case schema.KindLLMInference:
		f, ds := e.llmGPUs(p, pool, name, w, wm)
		if len(ds) > 0 {
			return nil, append(diags, ds...)
		}
		perRPS = f
		d.OutputTokensPerSPeak = base * w.Tokens.Output
		// Per-million-tokens basis: the average rate when the plan gives
		// one, else the baseline peak; grown to month 0.
		tokensBasis := base
		if w.RequestsPerS != nil && w.RequestsPerS.Avg != nil {
			tokensBasis = *w.RequestsPerS.Avg
		}
		wm.tokensPerSMonth0 = tokensBasis * w.Tokens.Output *
			e.demandFactor(p, name, w, p.Scenarios[e.planFor(p)], 0, useAsOf)
	case schema.KindInference:
		if !(w.RequestsPerSPerGPU > 0) {
			fail("requests_per_s_per_gpu", "inference workload %q needs requests_per_s_per_gpu > 0 (got %g)", name, w.RequestsPerSPerGPU)
			return nil, diags
		}
		perRPS = func(rps float64) float64 { return rps / w.RequestsPerSPerGPU }
	case schema.KindTraining, schema.KindBatch, schema.KindStream:
		if ds := e.checkVolume(p, name, w); len(ds) > 0 {
			return nil, append(diags, ds...)
		}
	default:
		fail("kind", "workload %q has unknown kind %q", name, w.Kind)
		return nil, diags
	}

	for _, s := range sortedKeys(p.Scenarios) {
		sc := p.Scenarios[s]
		series := make([]float64, p.HorizonMonths)
		for m := range series {
			g := e.demandFactor(p, name, w, sc, m, useAsOf)
			switch w.Kind {
			case schema.KindLLMInference, schema.KindInference:
				series[m] = perRPS(base * g)
			case schema.KindTraining:
				series[m] = e.trainingGPUs(w, g, m)
			case schema.KindBatch:
				series[m] = batchGPUs(w, g)
			case schema.KindStream:
				series[m] = streamGPUs(w, g)
			}
		}
		wm.gpus[s] = series
	}
	plan := wm.gpus[e.planFor(p)]
	d.GPUs = plan
	if len(plan) > 0 {
		d.GPUsNow = plan[0]
		d.GPUsPeak = slices.Max(plan)
	}
	return wm, diags
}

// checkVolume validates the inputs of training, batch and stream workloads.
func (e *evaluation) checkVolume(p *schema.Plan, name string, w *schema.Workload) diag.Diagnostics {
	bad := func(field, format string, args ...any) diag.Diagnostics {
		return diag.Diagnostics{{Pos: p.PosOf("workloads." + name + "." + field), Severity: diag.Error,
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
//	+ Σ gpus of runs whose [start, end] overlaps month m (no growth on runs)
func (e *evaluation) trainingGPUs(w *schema.Workload, g float64, m int) float64 {
	v := w.GPUHoursPerMonth * g / e.cal.hours(m)
	if x := w.Experimentation; x != nil {
		v += float64(x.People) * x.GPUHoursPerDay * g / 24
	}
	first, last := e.cal.start(m), e.cal.last(m)
	for _, r := range w.Runs {
		if !r.Start.IsZero() && dateOf(r.Start).After(last) {
			continue
		}
		if !r.End.IsZero() && dateOf(r.End).Before(first) {
			continue
		}
		v += r.GPUs
	}
	return v
}

// batchGPUs is volume_per_day × g × batch_factor / (throughput_per_gpu_hour × 24).
func batchGPUs(w *schema.Workload, g float64) float64 {
	f := w.BatchFactor
	if f == 0 {
		f = defaultBatchFactor
	}
	return w.VolumePerDay * g * f / (w.ThroughputPerGPUHour * 24)
}

// streamGPUs is volume_per_s × g × stream_peak_factor / throughput_per_gpu_s.
func streamGPUs(w *schema.Workload, g float64) float64 {
	f := w.StreamPeakFactor
	if f == 0 {
		f = defaultStreamPeakFactor
	}
	return w.VolumePerS * g * f / w.ThroughputPerGPUS
}
