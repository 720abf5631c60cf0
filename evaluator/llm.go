package evaluator

import (
	"cmp"
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"

	"gonum.org/v1/gonum/mat"

	"github.com/capcheck/capcheck/internal/diag"
	"github.com/capcheck/capcheck/schema"
)

// Cost-model methods recorded in ModelCostDoc.Method.
const (
	MethodFit         = "fit"
	MethodSinglePoint = "single-point"
)

// benchPoint is one benchmark measurement: y replica-seconds per request at
// isl input and osl output tokens.
type benchPoint struct {
	b        *schema.Benchmark
	isl, osl float64
	y        float64
}

// replicaSeconds is a benchmark's replica-seconds per request:
// 1 / requests_per_s, or, when only output_tokens_per_s is given,
// output_tokens / output_tokens_per_s (requests/s = tokens/s ÷ tokens per
// request).
func replicaSeconds(b *schema.Benchmark) (float64, bool) {
	switch {
	case b.RequestsPerS > 0:
		return 1 / b.RequestsPerS, true
	case b.OutputTokensPerS > 0 && b.OutputTokens > 0:
		return b.OutputTokens / b.OutputTokensPerS, true
	}
	return 0, false
}

// benchGroup is the benchmark points of one model on one GPU with one
// replica size.
type benchGroup struct {
	gpu    string
	gpr    int
	points []benchPoint
	slo    int // points meeting the SLO
}

// llmGPUs builds the per-request cost model of every model in an LLM
// workload's mix and returns the function from (month, requests/s) to
// GPUs:
//
//	GPUs(m, rps) = Σ_k max(min_replicas, ceil(share_k × rps × cost_k(isl_eff, osl))) × gpus_per_replica_k
//
// over the models k of the mix in force in month m (the roadmap: the
// larger of the mixes when a step's date splits the month, roadmap.go),
// with isl_eff = input × (1 − prompt_cache_hit_rate) (caching cuts prefill
// only; decode is unchanged) and replicas rounded up per model (a model with
// a positive share needs a whole replica as soon as rps > 0).
func (e *evaluation) llmGPUs(p *schema.Plan, pool *schema.Pool, name string, w *schema.Workload, wm *workloadModel) (func(int, float64) float64, diag.Diagnostics) {
	field := func(f string) (diag.Pos, string) {
		path := "workloads." + name + "." + f
		return p.PosOf(path), path
	}
	bad := func(f, format string, args ...any) diag.Diagnostics {
		pos, path := field(f)
		return diag.Diagnostics{{Range: pos.Range(), Severity: diag.Error, Path: path, Msg: fmt.Sprintf(format, args...)}}
	}
	switch {
	case w.Tokens == nil:
		return nil, bad("tokens", "llm-inference workload %q needs tokens {input, output} per request", name)
	case !(w.Tokens.Output > 0):
		return nil, bad("tokens.output", "llm-inference workload %q needs tokens.output > 0 (got %g)", name, w.Tokens.Output)
	case !(w.Tokens.Input >= 0):
		return nil, bad("tokens.input", "llm-inference workload %q has negative tokens.input %g", name, w.Tokens.Input)
	case !(w.PromptCacheHitRate >= 0 && w.PromptCacheHitRate <= 1):
		return nil, bad("prompt_cache_hit_rate", "prompt_cache_hit_rate %g of workload %q is outside 0..1", w.PromptCacheHitRate, name)
	case len(w.ModelMix.Models()) == 0:
		return nil, bad("model_mix", "llm-inference workload %q has an empty model_mix", name)
	}
	isl := w.Tokens.Input * (1 - w.PromptCacheHitRate)
	osl := w.Tokens.Output

	steps, diags := e.mixSteps(p, pool, name, w, wm, isl, osl)
	if len(diags) > 0 {
		return nil, diags
	}
	return e.roadmapGPUs(p, name, w, wm, steps)
}

// modelCost fits cost(isl, osl) = a·isl + b·osl + c replica-seconds per
// request for one model from the plan's benchmarks and evaluates it at the
// workload's shape.
//
// Benchmark choice: the model's points are grouped by (GPU,
// gpus_per_replica); the group on the pool's GPU wins, then the group with
// points meeting the SLO, then the larger group, then the smaller replica,
// then the GPU name. Within the group, points meeting the SLO are used; if
// none does, all are used and a CAP-BENCH-SLO note says so.
//
// Fit (non-negative least squares, [nnls]): three or more points with at
// least two distinct input and two distinct output lengths and a full-rank
// design → a, b, c; otherwise two or more points with independent
// (isl, osl) → a, b with c = 0 and a CAP-BENCH-FIXED note naming the points
// (the fixed per-request cost is undetermined); otherwise (one point, or degenerate points)
// the single point nearest the workload's shape, scaled by output tokens:
// cost = y × osl / osl_bench (method "single-point", recorded as b =
// y / osl_bench), with a CAP-BENCH-SHAPE note.
//
// Cross-GPU: when the model has no benchmark on the pool's GPU, the chosen
// group's cost is multiplied by bandwidth_bench / bandwidth_pool from the
// GPU catalog (decode is memory-bound) and a CAP-BENCH-MISSING note is
// added. No benchmark for the model at all is an error: capacity cannot be
// computed.
func (e *evaluation) modelCost(p *schema.Plan, pool *schema.Pool, name string, w *schema.Workload, model string, isl, osl float64) (ModelCostDoc, []NoteDoc, diag.Diagnostics) {
	mixPath := modelPath(name, w, model)
	mixPos := p.PosOf(mixPath)
	loc := mixPos.Range()
	var diags diag.Diagnostics

	groups := map[[2]string]*benchGroup{}
	for _, id := range slices.Sorted(maps.Keys(p.Benchmarks)) {
		b := p.Benchmarks[id]
		if b == nil || b.Model != model {
			continue
		}
		bpos := orPos(b.Pos, p.PosOf("benchmarks."+id))
		y, ok := replicaSeconds(b)
		if !ok {
			diags = append(diags, diag.Diagnostic{Range: bpos.Range(), Severity: diag.Error, Path: "benchmarks." + id,
				Msg: fmt.Sprintf("benchmark %q gives neither requests_per_s nor output_tokens_per_s with output_tokens > 0", id)})
			continue
		}
		if b.GPUsPerReplica < 1 {
			diags = append(diags, diag.Diagnostic{Range: bpos.Range(), Severity: diag.Error, Path: "benchmarks." + id,
				Msg: fmt.Sprintf("benchmark %q needs gpus_per_replica ≥ 1 (got %d)", id, b.GPUsPerReplica)})
			continue
		}
		key := [2]string{b.GPU, strconv.Itoa(b.GPUsPerReplica)}
		g := groups[key]
		if g == nil {
			g = &benchGroup{gpu: b.GPU, gpr: b.GPUsPerReplica}
			groups[key] = g
		}
		g.points = append(g.points, benchPoint{b: b, isl: b.InputTokens, osl: b.OutputTokens, y: y})
		if b.MeetsSLO {
			g.slo++
		}
	}
	if len(diags) > 0 {
		return ModelCostDoc{}, nil, diags
	}
	if len(groups) == 0 {
		return ModelCostDoc{}, nil, diag.Diagnostics{{Range: mixPos.Range(), Severity: diag.Error, Path: mixPath,
			Msg: fmt.Sprintf("no benchmark for model %q on any GPU: capacity of workload %q cannot be computed", model, name)}}
	}
	var gs []*benchGroup
	for _, g := range groups {
		gs = append(gs, g)
	}
	b2i := func(b bool) int {
		if b {
			return 1
		}
		return 0
	}
	slices.SortFunc(gs, func(x, y *benchGroup) int {
		return cmp.Or(
			-cmp.Compare(b2i(x.gpu == pool.GPU), b2i(y.gpu == pool.GPU)),
			-cmp.Compare(b2i(x.slo > 0), b2i(y.slo > 0)),
			-cmp.Compare(len(x.points), len(y.points)),
			cmp.Compare(x.gpr, y.gpr),
			cmp.Compare(x.gpu, y.gpu),
		)
	})
	g := gs[0]

	var notes []NoteDoc
	pts := g.points
	if g.slo > 0 {
		pts = slices.DeleteFunc(slices.Clone(pts), func(q benchPoint) bool { return !q.b.MeetsSLO })
	} else {
		notes = append(notes, NoteDoc{Code: "CAP-BENCH-SLO", Location: loc,
			Msg: fmt.Sprintf("no benchmark of model %q on %s meets the SLO; sizing from %d point(s) measured outside it", model, g.gpu, len(pts))})
	}

	scale := 1.0
	if g.gpu != pool.GPU {
		other, ok1 := e.gpuSpec(g.gpu)
		own, ok2 := e.gpuSpec(pool.GPU)
		if !ok1 || !ok2 || !(other.HBMBandwidthTBs > 0) || !(own.HBMBandwidthTBs > 0) {
			return ModelCostDoc{}, nil, diag.Diagnostics{{Range: mixPos.Range(), Severity: diag.Error, Path: mixPath,
				Msg: fmt.Sprintf("no benchmark for model %q on pool GPU %s, and the one on %s cannot be scaled: HBM bandwidth of %s or %s is not in the GPU catalog",
					model, pool.GPU, g.gpu, g.gpu, pool.GPU)}}
		}
		scale = other.HBMBandwidthTBs / own.HBMBandwidthTBs
		notes = append(notes, NoteDoc{Code: "CAP-BENCH-MISSING", Location: loc,
			Msg: fmt.Sprintf("no benchmark for model %q on %s; scaled from %s by HBM bandwidth %g/%g TB/s (cost ×%.2f); benchmark the model on %s",
				model, pool.GPU, g.gpu, other.HBMBandwidthTBs, own.HBMBandwidthTBs, scale, pool.GPU)})
	}

	mc := ModelCostDoc{
		Model:                model,
		GPUsPerReplica:       g.gpr,
		EffectiveInputTokens: isl,
		BenchmarkGPU:         g.gpu,
		BandwidthScale:       scale,
	}
	a, b, c, used, noFixed, ok := fitCost(pts)
	if ok {
		if cost := a*isl + b*osl + c; !(cost > 0) {
			ok = false
		}
	}
	if ok {
		mc.Method = MethodFit
		if noFixed {
			notes = append(notes, NoteDoc{Code: "CAP-BENCH-FIXED", Location: loc, Msg: fixedMsg(model, used)})
		}
		if msg, far := rangeMsg(model, used, isl, osl); far {
			notes = append(notes, NoteDoc{Code: "CAP-BENCH-RANGE", Location: loc, Msg: msg})
		}
	} else {
		q := nearestPoint(pts, isl, osl)
		a, b, c, used = 0, q.y/q.osl, 0, []benchPoint{q}
		mc.Method = MethodSinglePoint
		notes = append(notes, NoteDoc{Code: "CAP-BENCH-SHAPE", Location: loc, Msg: shapeMsg(model, q, isl, osl, w.PromptCacheHitRate)})
	}
	mc.A, mc.B, mc.C = a*scale, b*scale, c*scale
	mc.ReplicaSecondsPerRequest = mc.A*isl + mc.B*osl + mc.C
	for _, q := range used {
		mc.Benchmarks = append(mc.Benchmarks, q.b.ID)
		e.used[p.Name+"/"+q.b.ID] = true
	}
	slices.Sort(mc.Benchmarks)
	mc.Benchmarks = slices.Compact(mc.Benchmarks)
	return mc, notes, nil
}

// fixedMsg says that the points used (their ids) fit a·isl + b·osl but
// cannot determine the fixed per-request cost c, so c is taken as 0.
func fixedMsg(model string, used []benchPoint) string {
	ids := make([]string, 0, len(used))
	for _, q := range used {
		ids = append(ids, q.b.ID)
	}
	slices.Sort(ids)
	ids = slices.Compact(ids)
	return fmt.Sprintf("benchmarks %s of model %q cannot determine the fixed per-request cost (fitted a·isl + b·osl with c = 0, which understates short requests); add a point with different input and output lengths",
		strings.Join(ids, ", "), model)
}

// extrapolationLimit is how far beyond the measured range (as a factor of
// its nearest end) a workload's input or output length may lie before a
// fit is called an extrapolation (CAP-BENCH-RANGE).
const extrapolationLimit = 2

// rangeMsg says, when the workload's shape (isl, osl) lies more than
// extrapolationLimit times beyond the range of the points a fit used in
// either length, that the fit extrapolates; far is false otherwise.
func rangeMsg(model string, used []benchPoint, isl, osl float64) (msg string, far bool) {
	if len(used) == 0 {
		return "", false
	}
	lo, hi := [2]float64{math.Inf(1), math.Inf(1)}, [2]float64{}
	ids := make([]string, 0, len(used))
	for _, q := range used {
		lo[0], hi[0] = math.Min(lo[0], q.isl), math.Max(hi[0], q.isl)
		lo[1], hi[1] = math.Min(lo[1], q.osl), math.Max(hi[1], q.osl)
		ids = append(ids, q.b.ID)
	}
	slices.Sort(ids)
	ids = slices.Compact(ids)
	beyond := func(v, lo, hi float64) float64 {
		switch {
		case v > hi && hi > 0:
			return v / hi
		case v < lo && v > 0:
			return lo / v
		}
		return 1
	}
	in, out := beyond(isl, lo[0], hi[0]), beyond(osl, lo[1], hi[1])
	if in <= extrapolationLimit && out <= extrapolationLimit {
		return "", false
	}
	return fmt.Sprintf("model %q fitted from benchmarks %s measured at %.6g–%.6g in / %.6g–%.6g out tokens; the workload's %.6g in / %.6g out lies outside that range (input ×%.2f, output ×%.2f beyond it), so the fit extrapolates; add benchmark points near this shape",
		model, strings.Join(ids, ", "), lo[0], hi[0], lo[1], hi[1], isl, osl, in, out), true
}

// fitCost fits y = a·isl + b·osl + c (or with c = 0) by non-negative least
// squares, as described on modelCost. ok is false when the points do not
// support a fit; noFixed is true when they support only the fit with c = 0
// (the fixed per-request cost is undetermined, a CAP-BENCH-FIXED note).
func fitCost(pts []benchPoint) (a, b, c float64, used []benchPoint, noFixed, ok bool) {
	n := len(pts)
	isls, osls := map[float64]bool{}, map[float64]bool{}
	for _, q := range pts {
		isls[q.isl] = true
		osls[q.osl] = true
	}
	ys := make([]float64, n)
	for i, q := range pts {
		ys[i] = q.y
	}
	if n >= 3 && len(isls) >= 2 && len(osls) >= 2 {
		rows := make([][]float64, n)
		for i, q := range pts {
			rows[i] = []float64{q.isl, q.osl, 1}
		}
		if fullRank(rows) {
			if x, err := nnls(rows, ys); err == nil {
				return x[0], x[1], x[2], pts, false, true
			}
		}
	}
	if n >= 2 {
		rows := make([][]float64, n)
		for i, q := range pts {
			rows[i] = []float64{q.isl, q.osl}
		}
		if fullRank(rows) {
			if x, err := nnls(rows, ys); err == nil {
				return x[0], x[1], 0, pts, true, true
			}
		}
	}
	return 0, 0, 0, nil, false, false
}

// fullRank reports whether the rows×cols matrix has rank cols, judged by the
// singular values of its column-normalised form (gonum SVD; preconditions
// checked so it cannot panic).
func fullRank(rows [][]float64) bool {
	if len(rows) == 0 || len(rows[0]) == 0 || len(rows) < len(rows[0]) {
		return false
	}
	r, c := len(rows), len(rows[0])
	m := mat.NewDense(r, c, nil)
	for j := range c {
		var s float64
		for i := range r {
			s += rows[i][j] * rows[i][j]
		}
		if !(s > 0) || math.IsInf(s, 0) {
			return false
		}
		s = math.Sqrt(s)
		for i := range r {
			m.Set(i, j, rows[i][j]/s)
		}
	}
	var svd mat.SVD
	if !svd.Factorize(m, mat.SVDNone) {
		return false
	}
	v := svd.Values(nil)
	return len(v) == c && v[c-1] > 1e-9*v[0]
}

// nearestPoint picks the benchmark point whose shape is closest to the
// workload's: the smallest |ln(isl/isl_b)| + |ln(osl/osl_b)| (token counts
// below 1 taken as 1), first by benchmark id on ties. Only points with
// output tokens > 0 qualify; replicaSeconds guarantees one exists.
func nearestPoint(pts []benchPoint, isl, osl float64) benchPoint {
	dist := func(q benchPoint) float64 {
		return math.Abs(math.Log(math.Max(isl, 1)/math.Max(q.isl, 1))) +
			math.Abs(math.Log(math.Max(osl, 1)/math.Max(q.osl, 1)))
	}
	best, bd := -1, math.Inf(1)
	for i, q := range pts {
		if !(q.osl > 0) {
			continue
		}
		if d := dist(q); d < bd {
			best, bd = i, d
		}
	}
	if best < 0 {
		// Points measured by requests/s without output tokens: take the
		// first and scale nothing (osl_bench := osl).
		q := pts[0]
		q.osl = osl
		return q
	}
	return pts[best]
}

// shapeMsg says how far a workload's request shape is from the single
// benchmark point it is sized from.
func shapeMsg(model string, q benchPoint, isl, osl, hit float64) string {
	cache := ""
	if hit > 0 {
		cache = fmt.Sprintf(" (after %.4g%% cache)", hit*100)
	}
	ratio := func(w, b float64) string {
		if !(b > 0) {
			return "n/a"
		}
		return fmt.Sprintf("×%.2f", w/b)
	}
	return fmt.Sprintf("model %q sized from one benchmark point (%s): workload %.6g in / %.6g out tokens%s vs benchmark %.6g / %.6g: input %s, output %s; add benchmark points near this shape",
		model, q.b.ID, isl, osl, cache, q.isl, q.osl, ratio(isl, q.isl), ratio(osl, q.osl))
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
	for _, id := range slices.Sorted(maps.Keys(p.Benchmarks)) {
		b := p.Benchmarks[id]
		if b == nil {
			continue
		}
		bd := BenchmarkDoc{
			ID:             id,
			Plan:           p.Name,
			Model:          b.Model,
			GPU:            b.GPU,
			Location:       orPos(b.Pos, p.PosOf("benchmarks."+id)).Range(),
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
