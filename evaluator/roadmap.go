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

// The AI roadmap: an llm-inference workload's model_mix written as a
// dated list (schema.ModelMix) replaces the mix from each step's date, and
// any workload may start or end inside the horizon (from, until). Both
// follow the whole-day rule (docs/ARCHITECTURE.md, "Whole days";
// inventory/days.go): a date is a whole UTC day, from covers its day and
// until is the last day served.
//
// A month is served when one of its days still ahead (from Now's day in
// month 0, the 1st later; calendar.from) lies in [from, until]; a month
// not served needs no GPUs and loads no dependency. A served month needs
// its whole peak, however few of its days are served: capacity is counted
// in whole months, so a workload starting on the 20th needs its GPUs on
// the 20th. Likewise a month split by a roadmap date needs each mix on its
// days, and counts the larger:
//
//	GPUs(m, rps) = max over the steps k in force on a served day of month m of
//	               Σ_models max(min_replicas, wholeReplicas(share × rps × cost)) × gpus_per_replica
//
// (the mean requests/s a month's volume is costed with counts only its
// served days). A month with a served day before the roadmap's first date
// has no mix and is an error: the capacity is unknown.

// servedSpan is the served days of month m, [lo, hi] as UTC midnights,
// and ok when there is one.
func (e *evaluation) servedSpan(w *schema.Workload, m int) (lo, hi time.Time, ok bool) {
	lo, hi = e.cal.from(m), e.cal.last(m)
	if !w.From.IsZero() && dateOf(w.From).After(lo) {
		lo = dateOf(w.From)
	}
	if !w.Until.IsZero() && dateOf(w.Until).Before(hi) {
		hi = dateOf(w.Until)
	}
	return lo, hi, !lo.After(hi)
}

// served reports whether workload w is served on some day of month m.
func (e *evaluation) served(w *schema.Workload, m int) bool {
	_, _, ok := e.servedSpan(w, m)
	return ok
}

// servedShare is the share of month m's days that w is served on: what
// its mean rate over the month (its volume) is multiplied by. Month 0
// counts every day of the month, as volumeFactor does.
func (e *evaluation) servedShare(w *schema.Workload, m int) float64 {
	if w.From.IsZero() && w.Until.IsZero() {
		return 1
	}
	lo, hi := e.cal.start(m), e.cal.last(m)
	if !w.From.IsZero() && dateOf(w.From).After(lo) {
		lo = dateOf(w.From)
	}
	if !w.Until.IsZero() && dateOf(w.Until).Before(hi) {
		hi = dateOf(w.Until)
	}
	if lo.After(hi) {
		return 0
	}
	return (math.Round(hi.Sub(lo).Hours()/24) + 1) / e.cal.days(m)
}

// minReplicas is the workload's slo.min_replicas (0 when not given).
func minReplicas(w *schema.Workload) float64 {
	if w.SLO == nil {
		return 0
	}
	return float64(w.SLO.MinReplicas)
}

// replicasAtLeast is wholeReplicas(x), at least floor replicas.
func replicasAtLeast(x, floor float64) float64 { return math.Max(wholeReplicas(x), floor) }

// stepPath is the dotted path of step i's mix (plans built in Go carry no
// Path; the loader's form is rebuilt).
func stepPath(name string, w *schema.Workload, i int) string {
	if p := w.ModelMix.Steps[i].Path; p != "" {
		return p
	}
	base := "workloads." + name + ".model_mix"
	if w.ModelMix.Dated() {
		return fmt.Sprintf("%s[%d].mix", base, i)
	}
	return base
}

// modelPath is the path of model's share in the first step serving it.
func modelPath(name string, w *schema.Workload, model string) string {
	for i, st := range w.ModelMix.Steps {
		if _, ok := st.Mix[model]; ok {
			return stepPath(name, w, i) + "." + model
		}
	}
	return "workloads." + name + ".model_mix." + model
}

// modelRepl is one model of a mix step: its share, replica-seconds per
// request and GPUs per replica.
type modelRepl struct {
	model       string
	share, cost float64
	gpr         int
}

// mixSteps costs every model of every step once (modelCost) and returns
// the steps' models. A model's ModelCostDoc carries its share in the first
// step that serves it.
func (e *evaluation) mixSteps(p *schema.Plan, pool *schema.Pool, name string, w *schema.Workload, wm *workloadModel, isl, osl float64) ([][]modelRepl, diag.Diagnostics) {
	var (
		steps [][]modelRepl
		diags diag.Diagnostics
	)
	costs := map[string]*ModelCostDoc{}
	for i, st := range w.ModelMix.Steps {
		var models []modelRepl
		for _, model := range slices.Sorted(maps.Keys(st.Mix)) {
			share := st.Mix[model]
			if !(share >= 0) {
				path := stepPath(name, w, i) + "." + model
				diags = append(diags, diag.Diagnostic{Range: p.PosOf(path).Range(), Severity: diag.Error, Path: path,
					Msg: fmt.Sprintf("model %q has negative share %g", model, share)})
				continue
			}
			if share == 0 {
				continue
			}
			mc, ok := costs[model]
			if !ok {
				c, notes, ds := e.modelCost(p, pool, name, w, model, isl, osl)
				if len(ds) > 0 {
					diags = append(diags, ds...)
					continue
				}
				c.Share = share
				mc = &c
				costs[model] = mc
				wm.doc.Models = append(wm.doc.Models, c)
				wm.doc.Notes = append(wm.doc.Notes, notes...)
				wm.benchmarks = append(wm.benchmarks, c.Benchmarks...)
			}
			models = append(models, modelRepl{model: model, share: share, cost: mc.ReplicaSecondsPerRequest, gpr: mc.GPUsPerReplica})
		}
		steps = append(steps, models)
	}
	return steps, diags
}

// roadmapGPUs turns the costed steps into the function from (month,
// requests/s) to GPUs (see the formula above), records the roadmap in the
// workload's document and notes a step that needs more GPUs per replica
// than the one before it (CAP-ROADMAP-GPR, reported by CAP009).
func (e *evaluation) roadmapGPUs(p *schema.Plan, name string, w *schema.Workload, wm *workloadModel, steps [][]modelRepl) (func(int, float64) float64, diag.Diagnostics) {
	mix := w.ModelMix.Steps
	// inForce[m] is the steps in force on a served day of month m.
	inForce := make([][]int, p.HorizonMonths)
	for m := range inForce {
		lo, hi, ok := e.servedSpan(w, m)
		if !ok {
			continue
		}
		if first := mix[0].From; !first.IsZero() && lo.Before(dateOf(first)) {
			path := stepPath(name, w, 0)
			path = path[:len(path)-len(".mix")] + ".from"
			return nil, diag.Diagnostics{{Range: p.PosOf(path).Range(), Severity: diag.Error, Path: path,
				Msg: fmt.Sprintf("workload %q is served from %s but its model_mix starts on %s: no model is in force before it (set the workload's from, or date the first step earlier)",
					name, formatDate(lo), formatDate(first))}}
		}
		for k := range mix {
			starts := mix[k].From.IsZero() || !dateOf(mix[k].From).After(hi)
			ends := k+1 < len(mix) && !dateOf(mix[k+1].From).After(lo) // the next step began by lo
			if starts && !ends {
				inForce[m] = append(inForce[m], k)
			}
		}
	}

	largest := func(ms []modelRepl) (gpr int, model string) {
		for _, mr := range ms {
			if mr.gpr > gpr {
				gpr, model = mr.gpr, mr.model
			}
		}
		return gpr, model
	}
	if w.ModelMix.Dated() {
		for k, st := range mix {
			gpr, _ := largest(steps[k])
			wm.doc.Roadmap = append(wm.doc.Roadmap, RoadmapStepDoc{
				From:           formatDate(st.From),
				Month:          e.cal.label(e.cal.index(st.From)),
				Mix:            st.Mix,
				GPUsPerReplica: gpr,
			})
			if k == 0 {
				continue
			}
			prev, prevModel := largest(steps[k-1])
			if gpr > prev {
				_, model := largest(steps[k])
				wm.doc.Notes = append(wm.doc.Notes, NoteDoc{Code: "CAP-ROADMAP-GPR", Location: p.PosOf(stepPath(name, w, k) + "." + model).Range(),
					Msg: fmt.Sprintf("from %s the model_mix moves to %s, sized at %d GPUs per replica (%s needs %d before it): every replica of it takes %d× the GPUs; check that the pool's nodes hold one%s",
						formatDate(st.From), model, gpr, prevModel, prev, ceilDiv(gpr, prev), e.weightsNote(p, model))})
			}
		}
	}

	floor := minReplicas(w)
	return func(m int, rps float64) float64 {
		if m < 0 || m >= len(inForce) {
			return 0
		}
		var best float64
		for _, k := range inForce[m] {
			var gpus float64
			for _, mr := range steps[k] {
				gpus += replicasAtLeast(mr.share*rps*mr.cost, floor) * float64(mr.gpr)
			}
			best = math.Max(best, gpus)
		}
		return best
	}, nil
}

func ceilDiv(a, b int) int {
	if b <= 0 {
		return a
	}
	return (a + b - 1) / b
}

// weightsNote says how many GPUs of memory a model's weights alone take,
// when the plan's models: describes it ("" otherwise).
func (e *evaluation) weightsNote(p *schema.Plan, model string) string {
	md := p.Models[model]
	if md == nil {
		return ""
	}
	return fmt.Sprintf(" (its weights alone are %s GB)", fmtGB(weightBytes(md)/1e9))
}

func fmtGB(x float64) string { return fmt.Sprintf("%.4g", x) }

// Memory fit (docs/ARCHITECTURE.md, "Capacity model"): a replica holds a
// model's weights and the KV cache of every sequence it serves at once,
// within gpus_per_replica × the GPU's memory:
//
//	weights  = params_b × 1e9 × bytes_per_param
//	kv/token = kv_bytes_per_token, else 2 × layers × kv_heads × head_dim × kv_bytes_per_value
//	kv       = concurrency × (input_tokens + output_tokens) × kv/token
//	need     = weights + kv ≤ gpus_per_replica × memory_gb × 1e9
//
// for every benchmark of a model the plan's models: describes (memory in
// decimal GB, as the catalog and vendors state it; a benchmark without
// concurrency holds one sequence; a model without KV figures is checked on
// its weights). A benchmark that cannot fit is an error at its position:
// the measurement or the model's figures are wrong, and sizing from it
// would be too.

// weightBytes is params_b × 1e9 × bytes_per_param.
func weightBytes(md *schema.Model) float64 {
	bpp := md.BytesPerParam
	if bpp == 0 {
		bpp = defaultBytesPerParam
	}
	return md.ParamsB * 1e9 * bpp
}

// kvBytesPerToken is the model's KV cache per token, 0 when unknown.
func kvBytesPerToken(md *schema.Model) float64 {
	if md.KVBytesPerToken > 0 {
		return md.KVBytesPerToken
	}
	v := md.KVBytesPerValue
	if v == 0 {
		v = defaultBytesPerParam
	}
	return 2 * float64(md.Layers) * float64(md.KVHeads) * float64(md.HeadDim) * v
}

// memoryFit checks every benchmark of a described model (see above).
func (e *evaluation) memoryFit(p *schema.Plan) diag.Diagnostics {
	var ds diag.Diagnostics
	for _, id := range slices.Sorted(maps.Keys(p.Benchmarks)) {
		b := p.Benchmarks[id]
		if b == nil {
			continue
		}
		md := p.Models[b.Model]
		if md == nil {
			continue
		}
		path := "benchmarks." + id
		at := orPos(b.Pos, p.PosOf(path))
		spec, ok := e.gpuSpec(b.GPU)
		if !ok || !(spec.MemoryGB > 0) {
			ds = append(ds, diag.Diagnostic{Range: at.Range(), Severity: diag.Error, Path: path,
				Msg: fmt.Sprintf("benchmark %q: the memory of GPU %s is not in the GPU catalog, so whether model %s fits cannot be checked", id, b.GPU, b.Model)})
			continue
		}
		seqs := max(b.Concurrency, 1)
		weights := weightBytes(md)
		kv := float64(seqs) * (b.InputTokens + b.OutputTokens) * kvBytesPerToken(md)
		gpr := max(b.GPUsPerReplica, 1)
		have := float64(gpr) * spec.MemoryGB * 1e9
		if weights+kv <= have*(1+tol) {
			continue
		}
		need := math.Ceil((weights+kv)/(spec.MemoryGB*1e9) - tol) // a float: huge figures stay finite
		ds = append(ds, diag.Diagnostic{Range: at.Range(), Severity: diag.Error, Path: path,
			Msg: fmt.Sprintf("benchmark %q: model %s does not fit %d × %s (%s GB): weights %s GB + KV cache %s GB (%d sequences × %g tokens) = %s GB; a replica needs at least %s GPUs: fix gpus_per_replica or the model's figures",
				id, b.Model, gpr, b.GPU, fmtGB(have/1e9), fmtGB(weights/1e9), fmtGB(kv/1e9), seqs, b.InputTokens+b.OutputTokens, fmtGB((weights+kv)/1e9), fmtGB(need))})
	}
	return ds
}
