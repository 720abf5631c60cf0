package evaluator

import (
	"math"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/capcheck/capcheck/evaluator/catalog"
	"github.com/capcheck/capcheck/internal/diag"
	"github.com/capcheck/capcheck/internal/testkit"
	"github.com/capcheck/capcheck/schema"
)

func TestNNLS(t *testing.T) {
	tests := []struct {
		name string
		a    [][]float64
		b    []float64
		want []float64
	}{
		{
			// y = 0.0002·isl + 0.01·osl + 0.05, four exact points.
			name: "recovers a, b, c",
			a:    [][]float64{{1000, 100, 1}, {2000, 100, 1}, {1000, 300, 1}, {4000, 500, 1}},
			b:    []float64{0.2 + 1 + 0.05, 0.4 + 1 + 0.05, 0.2 + 3 + 0.05, 0.8 + 5 + 0.05},
			want: []float64{0.0002, 0.01, 0.05},
		},
		{
			// Unconstrained: a = −0.0002, b = 0.01, c = 0.2 (exact). With a = 0
			// the best b, c would give c = −0.1, so c = 0 too and
			// b = Σ osl·y / Σ osl² = (100 + 80 + 400 + 360) / 100 000 = 0.0094.
			// KKT: residuals (0.06, −0.14, 0.12, −0.08) give gradients −260
			// (isl) and −0.04 (constant), both ≤ 0.
			name: "clamps negative coefficients",
			a:    [][]float64{{1000, 100, 1}, {2000, 100, 1}, {1000, 200, 1}, {2000, 200, 1}},
			b:    []float64{1.0, 0.8, 2.0, 1.8},
			want: []float64{0, 0.0094, 0},
		},
		{
			// two columns, exact: y = 0.001·isl + 0.02·osl.
			name: "two columns",
			a:    [][]float64{{1000, 100}, {500, 400}},
			b:    []float64{3, 8.5},
			want: []float64{0.001, 0.02},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := nnls(tc.a, tc.b)
			if err != nil {
				t.Fatalf("nnls: %v", err)
			}
			for i := range tc.want {
				if got[i] < 0 || math.Abs(got[i]-tc.want[i]) > 1e-9*math.Max(1e-3, math.Abs(tc.want[i])) {
					t.Errorf("nnls = %v, want %v", got, tc.want)
					break
				}
			}
		})
	}
}

func TestNNLSDegenerate(t *testing.T) {
	tests := []struct {
		name string
		a    [][]float64
		b    []float64
	}{
		{name: "empty", a: nil, b: nil},
		{name: "fewer rows than columns", a: [][]float64{{1, 2, 1}}, b: []float64{1}},
		{name: "ragged", a: [][]float64{{1, 2}, {1}}, b: []float64{1, 2}},
		{name: "zero column", a: [][]float64{{0, 2}, {0, 3}}, b: []float64{1, 2}},
		{name: "length mismatch", a: [][]float64{{1, 2}, {3, 4}}, b: []float64{1}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if x, err := nnls(tc.a, tc.b); err == nil {
				t.Errorf("nnls = %v, want an error", x)
			}
		})
	}
}

// llmPlan is a plan with an H100-SXM pool and an llm-inference workload
// "chat" (peak 10 rps, 1500 in / 200 out tokens, prompt cache hit rate
// hit) serving model "m".
func llmPlan(hit float64, benches ...*schema.Benchmark) *schema.Plan {
	p := newPlan("p")
	p.HorizonMonths = 2
	addPool(p, "h100", 4)
	p.Workloads["chat"] = &schema.Workload{
		Name: "chat", Pos: at(40, 3), Kind: schema.KindLLMInference, Pool: "h100",
		RequestsPerS:       &schema.Rate{Avg: fp(5), Peak: fp(10)},
		Tokens:             &schema.Tokens{Input: 1500, Output: 200},
		PromptCacheHitRate: hit,
		ModelMix:           schema.Mix(map[string]float64{"m": 1}),
	}
	p.Positions["workloads.chat.model_mix.m"] = at(45, 7)
	for _, b := range benches {
		p.Benchmarks[b.ID] = b
	}
	return p
}

// fitBenches are four exact points of cost = 0.0002·isl + 0.01·osl + 0.05
// replica-seconds (requests/s = 1/cost) with 2 GPUs per replica.
func fitBenches() []*schema.Benchmark {
	pts := [][2]float64{{1000, 100}, {2000, 100}, {1000, 300}, {4000, 500}}
	var out []*schema.Benchmark
	for i, q := range pts {
		y := 0.0002*q[0] + 0.01*q[1] + 0.05
		out = append(out, &schema.Benchmark{
			ID: "fit" + string(rune('a'+i)), Pos: at(60+i, 3), Model: "m", GPU: "H100-SXM", GPUsPerReplica: 2,
			InputTokens: q[0], OutputTokens: q[1], RequestsPerS: 1 / y, MeetsSLO: true, Measured: date(2026, 2, 1),
		})
	}
	return out
}

// TestPromptCaching: cost(600, 200) with the fitted model. Without cache
// isl = 1500: 0.3 + 2 + 0.05 = 2.35 replica-s; with 60% hits isl = 600:
// 0.12 + 2 + 0.05 = 2.17 (the a·isl term cut by 60%, b·osl unchanged).
// Replicas at 10 rps: 23.5 → 24 × 2 = 48 GPUs, and 21.7 → 22 × 2 = 44.
func TestPromptCaching(t *testing.T) {
	tests := []struct {
		name     string
		hit      float64
		wantISL  float64
		wantCost float64
		wantGPUs float64
	}{
		{name: "no cache", hit: 0, wantISL: 1500, wantCost: 2.35, wantGPUs: 48},
		{name: "60% cache hits", hit: 0.6, wantISL: 600, wantCost: 2.17, wantGPUs: 44},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := mustEval(t, Input{Plans: []*schema.Plan{llmPlan(tc.hit, fitBenches()...)}})
			w := findWorkload(t, d, "p", "chat")
			if len(w.Models) != 1 {
				t.Fatalf("models = %+v, want one", w.Models)
			}
			m := w.Models[0]
			if m.Method != MethodFit || !testkit.Close(m.A, 0.0002) || !testkit.Close(m.B, 0.01) || !testkit.Close(m.C, 0.05) {
				t.Errorf("model %s a=%g b=%g c=%g, want fit 0.0002 0.01 0.05", m.Method, m.A, m.B, m.C)
			}
			if !testkit.Close(m.EffectiveInputTokens, tc.wantISL) || !testkit.Close(m.ReplicaSecondsPerRequest, tc.wantCost) {
				t.Errorf("isl %g cost %g, want %g %g", m.EffectiveInputTokens, m.ReplicaSecondsPerRequest, tc.wantISL, tc.wantCost)
			}
			if w.GPUsNow != tc.wantGPUs || w.OutputTokensPerSPeak != 2000 {
				t.Errorf("GPUs %g tokens/s %g, want %g and 10 × 200 = 2000", w.GPUsNow, w.OutputTokensPerSPeak, tc.wantGPUs)
			}
			if diff := cmp.Diff([]string{"fita", "fitb", "fitc", "fitd"}, m.Benchmarks); diff != "" || len(w.Notes) != 0 {
				t.Errorf("benchmarks (-want +got):\n%s notes %v", diff, w.Notes)
			}
		})
	}
}

// TestNoPrefill: a prompt-cache hit rate of 1.0, or no input tokens,
// leaves decode only: isl = 0, cost = 0.0002 × 0 + 0.01 × 200 + 0.05 =
// 2.05 replica-s; 10 rps → 20.5 → 21 replicas × 2 GPUs = 42.
func TestNoPrefill(t *testing.T) {
	tests := []struct {
		name  string
		hit   float64
		input float64
	}{
		{name: "every prompt cached", hit: 1, input: 1500},
		{name: "no input tokens", hit: 0, input: 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := llmPlan(tc.hit, fitBenches()...)
			p.Workloads["chat"].Tokens.Input = tc.input
			w := findWorkload(t, mustEval(t, Input{Plans: []*schema.Plan{p}}), "p", "chat")
			m := w.Models[0]
			if m.Method != MethodFit || m.EffectiveInputTokens != 0 || !testkit.Close(m.ReplicaSecondsPerRequest, 2.05) || w.GPUsNow != 42 {
				t.Errorf("model %s isl %g cost %g GPUs %g, want fit 0 2.05 42", m.Method, m.EffectiveInputTokens, m.ReplicaSecondsPerRequest, w.GPUsNow)
			}
		})
	}
}

// TestTwoPoints: two benchmark points fit a·isl + b·osl (c = 0) when their
// shapes are independent, and fall back to the nearest single point when
// they are not. Workload: 600 in (1500 × 0.4) / 200 out, 10 rps, 1 GPU per
// replica.
func TestTwoPoints(t *testing.T) {
	tests := []struct {
		name       string
		pts        [2][3]float64 // isl, osl, replica-s
		wantMethod string
		wantCost   float64
		wantGPUs   float64
		wantIDs    []string
		wantRange  string // the CAP-BENCH-RANGE note, "" for none
	}{
		{
			// exact y = 0.001·isl + 0.02·osl: (1000, 100) → 3, (500, 400) →
			// 8.5. cost = 0.6 + 4 = 4.6; 46 replicas.
			name: "independent shapes", pts: [2][3]float64{{1000, 100, 3}, {500, 400, 8.5}},
			wantMethod: MethodFit, wantCost: 4.6, wantGPUs: 46, wantIDs: []string{"pa", "pb"},
		},
		{
			// the same y = 0.001·isl + 0.02·osl measured far from the
			// workload's 600 in / 200 out: (100, 20) → 0.5, (50, 40) → 0.85.
			// The fit is exact (cost 4.6, 46 replicas) but the workload lies
			// 600/100 = ×6 beyond the input range and 200/40 = ×5 beyond the
			// output range: CAP-BENCH-RANGE.
			name: "far from the points", pts: [2][3]float64{{100, 20, 0.5}, {50, 40, 0.85}},
			wantMethod: MethodFit, wantCost: 4.6, wantGPUs: 46, wantIDs: []string{"pa", "pb"},
			wantRange: `model "m" fitted from benchmarks pa, pb measured at 50–100 in / 20–40 out tokens; the workload's 600 in / 200 out lies outside that range (input ×6.00, output ×5.00 beyond it), so the fit extrapolates; add benchmark points near this shape`,
		},
		{
			// the same shape twice: nearest is the first by id, pa (y = 2):
			// 2 × 200/500 = 0.8 → 8 replicas.
			name: "same shape", pts: [2][3]float64{{2000, 500, 2}, {2000, 500, 2.5}},
			wantMethod: MethodSinglePoint, wantCost: 0.8, wantGPUs: 8, wantIDs: []string{"pa"},
		},
		{
			// proportional shapes (1000, 200) and (2000, 400): rank 1, no
			// fit. Distances |ln(600/1000)| + 0 = 0.51 and |ln 0.3| + |ln 0.5|
			// = 1.90: pa, y = 1.5 × 200/200 = 1.5 → 15 replicas.
			name: "proportional shapes", pts: [2][3]float64{{1000, 200, 1.5}, {2000, 400, 2.8}},
			wantMethod: MethodSinglePoint, wantCost: 1.5, wantGPUs: 15, wantIDs: []string{"pa"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var bs []*schema.Benchmark
			for i, q := range tc.pts {
				bs = append(bs, &schema.Benchmark{ID: "p" + string(rune('a'+i)), Model: "m", GPU: "H100-SXM", GPUsPerReplica: 1,
					InputTokens: q[0], OutputTokens: q[1], RequestsPerS: 1 / q[2], MeetsSLO: true})
			}
			w := findWorkload(t, mustEval(t, Input{Plans: []*schema.Plan{llmPlan(0.6, bs...)}}), "p", "chat")
			m := w.Models[0]
			if m.Method != tc.wantMethod || !testkit.Close(m.ReplicaSecondsPerRequest, tc.wantCost) || w.GPUsNow != tc.wantGPUs || !cmp.Equal(m.Benchmarks, tc.wantIDs) {
				t.Errorf("model %s cost %g GPUs %g from %v, want %s %g %g from %v",
					m.Method, m.ReplicaSecondsPerRequest, w.GPUsNow, m.Benchmarks, tc.wantMethod, tc.wantCost, tc.wantGPUs, tc.wantIDs)
			}
			// Only the two-column fit leaves c undetermined: it warns with
			// both point ids (CAP-BENCH-FIXED); the single-point fallbacks
			// say CAP-BENCH-SHAPE instead.
			var fixed []string
			for _, n := range w.Notes {
				if n.Code == "CAP-BENCH-FIXED" {
					fixed = append(fixed, n.Msg)
				}
			}
			wantFixed := 0
			if tc.wantMethod == MethodFit {
				wantFixed = 1
			}
			if len(fixed) != wantFixed || (wantFixed == 1 && !strings.Contains(fixed[0], "benchmarks pa, pb ")) {
				t.Errorf("CAP-BENCH-FIXED notes = %q, want %d naming pa, pb", fixed, wantFixed)
			}
			// Within the points' range (independent shapes: 600 in 500–1000,
			// 200 in 100–400) a fit is no extrapolation.
			var ranges []string
			for _, n := range w.Notes {
				if n.Code == "CAP-BENCH-RANGE" {
					ranges = append(ranges, n.Msg)
				}
			}
			var wantRanges []string
			if tc.wantRange != "" {
				wantRanges = []string{tc.wantRange}
			}
			if !cmp.Equal(ranges, wantRanges) {
				t.Errorf("CAP-BENCH-RANGE notes = %q, want %q", ranges, wantRanges)
			}
		})
	}
}

// TestSinglePoint: one benchmark at 2000 in / 500 out, 0.5 rps per replica
// (y = 2 replica-s). Workload 1500 × 0.4 = 600 in / 200 out: cost = 2 ×
// 200/500 = 0.8; 10 rps → 8 replicas × 1 GPU.
func TestSinglePoint(t *testing.T) {
	tests := []struct {
		name  string
		bench schema.Benchmark
	}{
		{name: "requests per second", bench: schema.Benchmark{RequestsPerS: 0.5}},
		// 250 tokens/s ÷ 500 tokens = 0.5 rps
		{name: "output tokens per second", bench: schema.Benchmark{OutputTokensPerS: 250}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b := tc.bench
			b.ID, b.Model, b.GPU, b.GPUsPerReplica = "b1", "m", "H100-SXM", 1
			b.InputTokens, b.OutputTokens, b.MeetsSLO = 2000, 500, true
			w := findWorkload(t, mustEval(t, Input{Plans: []*schema.Plan{llmPlan(0.6, &b)}}), "p", "chat")
			m := w.Models[0]
			if m.Method != MethodSinglePoint || !testkit.Close(m.ReplicaSecondsPerRequest, 0.8) || !testkit.Close(m.B, 2.0/500) || m.A != 0 || m.C != 0 {
				t.Errorf("model = %+v, want single-point cost 0.8 (b = 0.004)", m)
			}
			if w.GPUsNow != 8 {
				t.Errorf("GPUs = %g, want 8", w.GPUsNow)
			}
			want := []NoteDoc{{
				Code:     "CAP-BENCH-SHAPE",
				Msg:      `model "m" sized from one benchmark point (b1): workload 600 in / 200 out tokens (after 60% cache) vs benchmark 2000 / 500: input ×0.30, output ×0.40; add benchmark points near this shape`,
				Location: diag.Pos{File: planFile, Line: 45, Column: 7}.Range(),
			}}
			if diff := cmp.Diff(want, w.Notes); diff != "" {
				t.Errorf("notes (-want +got):\n%s", diff)
			}
		})
	}
}

// TestDegeneratePointsFallBack: three points of the same shape cannot be
// fitted: the single-point method is used.
func TestDegeneratePointsFallBack(t *testing.T) {
	var bs []*schema.Benchmark
	for i, rps := range []float64{0.5, 0.4, 0.45} {
		bs = append(bs, &schema.Benchmark{ID: "d" + string(rune('a'+i)), Model: "m", GPU: "H100-SXM", GPUsPerReplica: 1,
			InputTokens: 2000, OutputTokens: 500, RequestsPerS: rps, MeetsSLO: true})
	}
	w := findWorkload(t, mustEval(t, Input{Plans: []*schema.Plan{llmPlan(0.6, bs...)}}), "p", "chat")
	// nearest point on ties is the first by id: da, y = 2 → cost 0.8
	if m := w.Models[0]; m.Method != MethodSinglePoint || !testkit.Close(m.ReplicaSecondsPerRequest, 0.8) || m.Benchmarks[0] != "da" {
		t.Errorf("model = %+v, want single-point from da with cost 0.8", m)
	}
}

// TestCrossGPUScaling: only a benchmark on H100-SXM (4 TB/s in the test
// catalog) for a pool on SLOW (2 TB/s): cost × 4/2 = 0.8 × 2 = 1.6.
func TestCrossGPUScaling(t *testing.T) {
	b := &schema.Benchmark{ID: "b1", Model: "m", GPU: "H100-SXM", GPUsPerReplica: 1,
		InputTokens: 2000, OutputTokens: 500, RequestsPerS: 0.5, MeetsSLO: true}
	p := llmPlan(0.6, b)
	p.Pools["h100"].GPU = "SLOW"
	w := findWorkload(t, mustEval(t, Input{Plans: []*schema.Plan{p}}), "p", "chat")
	m := w.Models[0]
	if !testkit.Close(m.ReplicaSecondsPerRequest, 1.6) || m.BandwidthScale != 2 || m.BenchmarkGPU != "H100-SXM" {
		t.Errorf("model = %+v, want cost 1.6 scaled ×2 from H100-SXM", m)
	}
	if w.GPUsNow != 16 { // 10 × 1.6 = 16 replicas
		t.Errorf("GPUs = %g, want 16", w.GPUsNow)
	}
	var codes []string
	for _, n := range w.Notes {
		codes = append(codes, n.Code)
	}
	if diff := cmp.Diff([]string{"CAP-BENCH-MISSING", "CAP-BENCH-SHAPE"}, codes); diff != "" {
		t.Errorf("note codes (-want +got):\n%s", diff)
	}
	if want := `no benchmark for model "m" on SLOW; scaled from H100-SXM by HBM bandwidth 4/2 TB/s (cost ×2.00); benchmark the model on SLOW`; w.Notes[0].Msg != want {
		t.Errorf("note = %q, want %q", w.Notes[0].Msg, want)
	}
}

// TestCrossGPUUnknownSpecs: scaling needs both GPUs in the catalog.
func TestCrossGPUUnknownSpecs(t *testing.T) {
	b := &schema.Benchmark{ID: "b1", Model: "m", GPU: "H100-SXM", GPUsPerReplica: 1,
		InputTokens: 2000, OutputTokens: 500, RequestsPerS: 0.5, MeetsSLO: true}
	p := llmPlan(0, b)
	p.Pools["h100"].GPU = "MYSTERY"
	_, err := Evaluate(Input{Plans: []*schema.Plan{p}, Now: now, GPUs: testGPUs})
	if ds := testkit.Diagnostics(t, err); len(ds) != 1 || ds[0].Pos.String() != "capacity/plan.cue:45:7" {
		t.Errorf("diagnostics = %v, want one at capacity/plan.cue:45:7", ds)
	}
}

// TestMissingBenchmark: no benchmark for the model at all fails closed at
// the model_mix entry.
func TestMissingBenchmark(t *testing.T) {
	b := &schema.Benchmark{ID: "other", Model: "other-model", GPU: "H100-SXM", GPUsPerReplica: 1,
		InputTokens: 2000, OutputTokens: 500, RequestsPerS: 0.5, MeetsSLO: true}
	_, err := Evaluate(Input{Plans: []*schema.Plan{llmPlan(0, b)}, Now: now, GPUs: testGPUs})
	ds := testkit.Diagnostics(t, err)
	if len(ds) != 1 || ds[0].Pos.String() != "capacity/plan.cue:45:7" || ds[0].Path != "workloads.chat.model_mix.m" ||
		!strings.Contains(ds[0].Msg, `no benchmark for model "m"`) {
		t.Errorf("diagnostics = %v, want one at capacity/plan.cue:45:7 for workloads.chat.model_mix.m", ds)
	}
}

// TestBenchmarkSLO: SLO-meeting points are preferred; with none, the others
// are used and noted.
func TestBenchmarkSLO(t *testing.T) {
	slo := &schema.Benchmark{ID: "a-slo", Model: "m", GPU: "H100-SXM", GPUsPerReplica: 1,
		InputTokens: 2000, OutputTokens: 500, RequestsPerS: 0.5, MeetsSLO: true}
	fast := &schema.Benchmark{ID: "b-fast", Model: "m", GPU: "H100-SXM", GPUsPerReplica: 1,
		InputTokens: 600, OutputTokens: 200, RequestsPerS: 5, MeetsSLO: false}
	tests := []struct {
		name      string
		benches   []*schema.Benchmark
		wantCost  float64
		wantCodes []string
	}{
		// only a-slo is used: 2 × 200/500 = 0.8
		{name: "prefer SLO", benches: []*schema.Benchmark{slo, fast}, wantCost: 0.8, wantCodes: []string{"CAP-BENCH-SHAPE"}},
		// only b-fast: exact shape, y = 0.2
		{name: "none at SLO", benches: []*schema.Benchmark{fast}, wantCost: 0.2, wantCodes: []string{"CAP-BENCH-SLO", "CAP-BENCH-SHAPE"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w := findWorkload(t, mustEval(t, Input{Plans: []*schema.Plan{llmPlan(0.6, tc.benches...)}}), "p", "chat")
			var codes []string
			for _, n := range w.Notes {
				codes = append(codes, n.Code)
			}
			if !testkit.Close(w.Models[0].ReplicaSecondsPerRequest, tc.wantCost) || !cmp.Equal(codes, tc.wantCodes) {
				t.Errorf("cost %g notes %v, want %g %v", w.Models[0].ReplicaSecondsPerRequest, codes, tc.wantCost, tc.wantCodes)
			}
		})
	}
}

// TestModelMix: two models, shares 0.75 / 0.25 at 10 rps, each rounded up
// to whole replicas. m: fitted, 2.17 replica-s, 2 GPUs/replica → 0.75 × 10
// × 2.17 = 16.275 → 17 × 2 = 34. small: single point y = 0.1 at its own
// shape (600/200) → 0.25 × 10 × 0.1 = 0.25 → 1 replica × 1 GPU. Total 35.
func TestModelMix(t *testing.T) {
	small := &schema.Benchmark{ID: "small", Model: "small", GPU: "H100-SXM", GPUsPerReplica: 1,
		InputTokens: 600, OutputTokens: 200, RequestsPerS: 10, MeetsSLO: true}
	p := llmPlan(0.6, append(fitBenches(), small)...)
	p.Workloads["chat"].ModelMix = schema.Mix(map[string]float64{"m": 0.75, "small": 0.25})
	w := findWorkload(t, mustEval(t, Input{Plans: []*schema.Plan{p}}), "p", "chat")
	if w.GPUsNow != 35 || len(w.Models) != 2 || w.Models[1].Model != "small" || w.Models[1].Share != 0.25 {
		t.Errorf("GPUs %g models %+v, want 35 from m (0.75) and small (0.25)", w.GPUsNow, w.Models)
	}
}

// TestBenchmarkDocs: age, staleness, roofline. Roofline of "r": 32
// concurrent × 2 GPUs × 4e12 B/s / (70e9 params × 2 B) = 1828.571… tokens/s;
// the measured 2000 is above it. Measured 2025-09-01 is 190 days before
// 2026-03-10 (181 to 1 March + 9) > 180: stale.
func TestBenchmarkDocs(t *testing.T) {
	r := &schema.Benchmark{ID: "r", Pos: at(70, 3), Model: "m", GPU: "H100-SXM", GPUsPerReplica: 2, Concurrency: 32,
		InputTokens: 1000, OutputTokens: 500, OutputTokensPerS: 2000, ParamsB: 70, MeetsSLO: true, Measured: date(2025, 9, 1)}
	fresh := &schema.Benchmark{ID: "s", Pos: at(80, 3), Model: "unused", GPU: "H100-SXM", GPUsPerReplica: 1,
		InputTokens: 1000, OutputTokens: 100, RequestsPerS: 3, Measured: date(2026, 3, 1)}
	d := mustEval(t, Input{Plans: []*schema.Plan{llmPlan(0, r, fresh)}})
	want := []BenchmarkDoc{
		{ID: "r", Plan: "p", Model: "m", GPU: "H100-SXM", Location: diag.Pos{File: planFile, Line: 70, Column: 3}.Range(),
			Measured: "2025-09-01", AgeDays: 190, Stale: true, MeetsSLO: true, OutputTokensPerS: 2000,
			RooflineOutputTokensPerS: 32 * 2 * 4e12 / (70e9 * 2), AboveRoofline: true, Used: true,
			GPUsPerReplica: 2, Concurrency: 32, InputTokens: 1000, OutputTokens: 500},
		{ID: "s", Plan: "p", Model: "unused", GPU: "H100-SXM", Location: diag.Pos{File: planFile, Line: 80, Column: 3}.Range(),
			Measured: "2026-03-01", AgeDays: 9, OutputTokensPerS: 300, // 3 rps × 100 tokens
			GPUsPerReplica: 1, InputTokens: 1000, OutputTokens: 100, RequestsPerS: 3},
	}
	if diff := cmp.Diff(want, d.Benchmarks, cmp.Comparer(func(a, b float64) bool { return testkit.Close(a, b) })); diff != "" {
		t.Errorf("benchmarks (-want +got):\n%s", diff)
	}
}

// TestRooflineWithCatalog uses the built-in catalog: H100-SXM has 3.35 TB/s,
// so a 7B-parameter BF16 model at concurrency 1 on one GPU decodes at most
// 3.35e12 / (7e9 × 2) = 239.2857… tokens/s; 250 measured is above it.
func TestRooflineWithCatalog(t *testing.T) {
	b := &schema.Benchmark{ID: "r", Model: "m", GPU: "H100-SXM", GPUsPerReplica: 1, Concurrency: 1,
		InputTokens: 1000, OutputTokens: 500, OutputTokensPerS: 250, ParamsB: 7, MeetsSLO: true, Measured: date(2026, 3, 1)}
	d := mustEval(t, Input{Plans: []*schema.Plan{llmPlan(0, b)}, GPUs: catalog.Default()})
	if got := d.Benchmarks[0]; !testkit.Close(got.RooflineOutputTokensPerS, 3.35e12/14e9) || !got.AboveRoofline {
		t.Errorf("roofline %g above %v, want %g true", got.RooflineOutputTokensPerS, got.AboveRoofline, 3.35e12/14e9)
	}
}
