package evaluator

import (
	"strings"
	"testing"

	"github.com/capcheck/capcheck/evaluator/catalog"
	"github.com/capcheck/capcheck/internal/diag"
	"github.com/capcheck/capcheck/schema"
)

// roadmapPlan is llmPlan's chat workload (peak 10 rps, 1500 in / 200 out
// tokens, no growth, Now 2026-03-10) over 6 months with two models, each
// benchmarked once at the workload's shape (single-point: cost = 1 /
// requests_per_s): a at 2 requests/s on 1 GPU (0.5 replica-s a request)
// and b at 1 request/s on 4 GPUs (1 replica-s).
func roadmapPlan(mix schema.ModelMix) *schema.Plan {
	p := llmPlan(0)
	p.HorizonMonths = 6
	w := p.Workloads["chat"]
	w.ModelMix = mix
	for i, b := range []*schema.Benchmark{
		{ID: "a-h100", Model: "a", GPUsPerReplica: 1, RequestsPerS: 2},
		{ID: "b-h100", Model: "b", GPUsPerReplica: 4, RequestsPerS: 1},
	} {
		b.Pos, b.GPU, b.InputTokens, b.OutputTokens, b.MeetsSLO, b.Measured = at(60+i, 3), "H100-SXM", 1500, 200, true, date(2026, 2, 1)
		p.Benchmarks[b.ID] = b
	}
	return p
}

// TestRoadmapStep: a from 1 March, a/b 50/50 from 15 May, a alone again
// from 1 July; the workload is served until 10 July.
//
//	2026-03, 2026-04: a alone: 10 × 0.5 = 5 replicas × 1 GPU = 5
//	2026-05: split on the 15th, so the month needs both mixes on their
//	         days and counts the larger: a alone 5 (1–14 May) against
//	         a: 0.5 × 10 × 0.5 = 2.5 → 3 replicas × 1 = 3 plus
//	         b: 0.5 × 10 × 1 = 5 replicas × 4 = 20, so 23 (15–31 May)
//	2026-06: 23
//	2026-07: a alone, served 1–10 July, a whole month's peak: 5 (the
//	         a/b step ended on 30 June)
//	2026-08: not served: 0
//
// b takes 4 GPUs a replica where a took 1: a CAP-ROADMAP-GPR note at b's
// share in the second step.
func TestRoadmapStep(t *testing.T) {
	p := roadmapPlan(schema.ModelMix{Steps: []schema.MixStep{
		{From: date(2026, 3, 1), Mix: map[string]float64{"a": 1}},
		{From: date(2026, 5, 15), Mix: map[string]float64{"a": 0.5, "b": 0.5}},
		{From: date(2026, 7, 1), Mix: map[string]float64{"a": 1}},
	}})
	p.Workloads["chat"].Until = date(2026, 7, 10)
	p.Positions["workloads.chat.model_mix[1].mix.b"] = at(50, 9)
	d := mustEval(t, Input{Plans: []*schema.Plan{p}})
	w := findWorkload(t, d, "p", "chat")
	if want := []float64{5, 5, 23, 23, 5, 0}; !nearAll(w.GPUs, want) {
		t.Errorf("GPUs = %v, want %v", w.GPUs, want)
	}
	if len(w.Roadmap) != 3 || w.Roadmap[1].From != "2026-05-15" || w.Roadmap[1].Month != "2026-05" || w.Roadmap[1].GPUsPerReplica != 4 || w.Roadmap[0].GPUsPerReplica != 1 {
		t.Errorf("Roadmap = %+v, want a (1 GPU a replica) from 2026-03-01 and a/b (4) from 2026-05-15", w.Roadmap)
	}
	if w.Until != "2026-07-10" {
		t.Errorf("Until = %q", w.Until)
	}
	var notes []NoteDoc
	for _, n := range w.Notes {
		if n.Code == "CAP-ROADMAP-GPR" {
			notes = append(notes, n)
		}
	}
	if len(notes) != 1 { // the step back to a needs fewer GPUs a replica
		t.Fatalf("CAP-ROADMAP-GPR notes %+v, want one", notes)
	}
	switch note := notes[0]; {
	case note.Location != at(50, 9).Range():
		t.Errorf("note at %+v, want b's share in step 1", note.Location)
	case !strings.Contains(note.Msg, "from 2026-05-15 the model_mix moves to b, sized at 4 GPUs per replica (a needs 1 before it): every replica of it takes 4× the GPUs"):
		t.Errorf("note = %q", note.Msg)
	}
}

// TestRoadmapMapForm: the map form is one undated step in force over the
// whole horizon: a/b 50/50 is 3 + 20 = 23 GPUs every month (see
// TestRoadmapStep), with no roadmap and no note.
func TestRoadmapMapForm(t *testing.T) {
	d := mustEval(t, Input{Plans: []*schema.Plan{roadmapPlan(schema.Mix(map[string]float64{"a": 0.5, "b": 0.5}))}})
	w := findWorkload(t, d, "p", "chat")
	if want := []float64{23, 23, 23, 23, 23, 23}; !nearAll(w.GPUs, want) {
		t.Errorf("GPUs = %v, want %v", w.GPUs, want)
	}
	if len(w.Roadmap) != 0 {
		t.Errorf("Roadmap = %+v, want none", w.Roadmap)
	}
}

// TestRoadmapBeforeFirstStep: served from today (2026-03-10) with a
// roadmap starting 2026-04-01: March has no mix, an error at the first
// step's from.
func TestRoadmapBeforeFirstStep(t *testing.T) {
	p := roadmapPlan(schema.ModelMix{Steps: []schema.MixStep{{From: date(2026, 4, 1), Mix: map[string]float64{"a": 1}}}})
	p.Positions["workloads.chat.model_mix[0].from"] = at(46, 9)
	_, err := Evaluate(Input{Plans: []*schema.Plan{p}, Now: now, GPUs: testGPUs})
	ds, _ := err.(diag.Diagnostics)
	if len(ds) != 1 || ds[0].Pos != at(46, 9) || !strings.Contains(ds[0].Msg, `workload "chat" is served from 2026-03-10 but its model_mix starts on 2026-04-01`) {
		t.Fatalf("err = %v, want one error at model_mix[0].from", err)
	}
	// Served from the roadmap's first day, the plan evaluates: 0 GPUs in
	// March, 5 from April.
	p.Workloads["chat"].From = date(2026, 4, 1)
	w := findWorkload(t, mustEval(t, Input{Plans: []*schema.Plan{p}}), "p", "chat")
	if want := []float64{0, 5, 5, 5, 5, 5}; !nearAll(w.GPUs, want) {
		t.Errorf("GPUs = %v, want %v", w.GPUs, want)
	}
}

// TestMinReplicas: slo.min_replicas is a floor under each model's
// replicas. At 1 rps, a/b 50/50 needs a: 0.5 × 1 × 0.5 = 0.25 → 1
// replica and b: 0.5 × 1 × 1 = 0.5 → 1 replica, 1 + 4 = 5 GPUs; with
// min_replicas 3, 3 × 1 + 3 × 4 = 15. An inference workload at 10 rps and
// 5 rps per GPU needs 2 GPUs, 3 with the floor.
func TestMinReplicas(t *testing.T) {
	for _, tc := range []struct {
		floor         int
		wantLLM, want float64
	}{{0, 5, 2}, {3, 15, 3}} {
		p := roadmapPlan(schema.Mix(map[string]float64{"a": 0.5, "b": 0.5}))
		p.HorizonMonths = 2
		w := p.Workloads["chat"]
		w.RequestsPerS = &schema.Rate{Peak: fp(1)}
		inf := addInference(p, "embed", "h100", 10, 5)
		if tc.floor > 0 {
			w.SLO = &schema.SLO{MinReplicas: tc.floor}
			inf.SLO = &schema.SLO{MinReplicas: tc.floor}
		}
		d := mustEval(t, Input{Plans: []*schema.Plan{p}})
		if got := findWorkload(t, d, "p", "chat").GPUs; !nearAll(got, []float64{tc.wantLLM, tc.wantLLM}) {
			t.Errorf("min_replicas %d: chat GPUs = %v, want %g", tc.floor, got, tc.wantLLM)
		}
		if got := findWorkload(t, d, "p", "embed").GPUs; !nearAll(got, []float64{tc.want, tc.want}) {
			t.Errorf("min_replicas %d: embed GPUs = %v, want %g", tc.floor, got, tc.want)
		}
	}
}

// TestMemoryFit405B: Llama 3.1 405B at FP8 (1 byte a parameter) is 405 GB
// of weights; its KV cache at 16 bits is 2 × 126 layers × 8 KV heads ×
// 128 × 2 B = 516,096 B a token. On 80 GB H100s:
//
//	1 GPU, 32 × 3400 tokens: KV 108,800 × 516,096 = 56.15 GB, need
//	       461.2 GB > 80 GB: a replica needs ceil(461.15 / 80) = 6 GPUs
//	6 GPUs, 64 × 3400 tokens: KV 112.3 GB, need 517.3 GB > 480 GB (the
//	       weights alone would fit): ceil(517.3 / 80) = 7 GPUs
//	8 GPUs, 64 × 3400 tokens: 517.3 GB ≤ 640 GB: fits
func TestMemoryFit405B(t *testing.T) {
	gpus := fakeGPUs{"H100-SXM": {Name: "H100-SXM", HBMBandwidthTBs: 4, MemoryGB: 80}}
	for _, tc := range []struct {
		gpr, conc int
		want      string
	}{
		{1, 32, `benchmark "big": model llama-3.1-405b does not fit 1 × H100-SXM (80 GB): weights 405 GB + KV cache 56.15 GB (32 sequences × 3400 tokens) = 461.2 GB; a replica needs at least 6 GPUs`},
		{6, 64, `benchmark "big": model llama-3.1-405b does not fit 6 × H100-SXM (480 GB): weights 405 GB + KV cache 112.3 GB (64 sequences × 3400 tokens) = 517.3 GB; a replica needs at least 7 GPUs`},
		{8, 64, ""},
	} {
		p := llmPlan(0)
		p.Models = map[string]*schema.Model{"llama-3.1-405b": {ParamsB: 405, BytesPerParam: 1, Layers: 126, KVHeads: 8, HeadDim: 128, KVBytesPerValue: 2}}
		p.Benchmarks["big"] = &schema.Benchmark{ID: "big", Pos: at(70, 3), Model: "llama-3.1-405b", GPU: "H100-SXM", GPUsPerReplica: tc.gpr,
			Concurrency: tc.conc, InputTokens: 3000, OutputTokens: 400, RequestsPerS: 1, MeetsSLO: true, Measured: date(2026, 2, 1)}
		p.Benchmarks["m"] = &schema.Benchmark{ID: "m", Pos: at(71, 3), Model: "m", GPU: "H100-SXM", GPUsPerReplica: 1,
			InputTokens: 1500, OutputTokens: 200, RequestsPerS: 1, MeetsSLO: true, Measured: date(2026, 2, 1)}
		_, err := Evaluate(Input{Plans: []*schema.Plan{p}, Now: now, GPUs: gpus})
		if tc.want == "" {
			if err != nil {
				t.Errorf("%d GPUs: %v, want a fit", tc.gpr, err)
			}
			continue
		}
		ds, _ := err.(diag.Diagnostics)
		if len(ds) != 1 || ds[0].Pos != at(70, 3) || !strings.HasPrefix(ds[0].Msg, tc.want) {
			t.Errorf("%d GPUs: err = %v\nwant at %v: %s", tc.gpr, err, at(70, 3), tc.want)
		}
	}
	// Fail closed: without the GPU's memory the fit is unknown.
	p := llmPlan(0)
	p.Models = map[string]*schema.Model{"m": {ParamsB: 8}}
	p.Benchmarks["m"] = &schema.Benchmark{ID: "m", Pos: at(71, 3), Model: "m", GPU: "H100-SXM", GPUsPerReplica: 1,
		InputTokens: 1500, OutputTokens: 200, RequestsPerS: 1, MeetsSLO: true, Measured: date(2026, 2, 1)}
	if _, err := Evaluate(Input{Plans: []*schema.Plan{p}, Now: now, GPUs: fakeGPUs{"H100-SXM": catalog.GPU{Name: "H100-SXM", HBMBandwidthTBs: 4}}}); err == nil || !strings.Contains(err.Error(), "the memory of GPU H100-SXM is not in the GPU catalog") {
		t.Errorf("unknown memory: err = %v", err)
	}
}

// TestRoadmapNewModelBenchmark: a step to a model needs its benchmarks
// on the pool's GPU. Model c is benchmarked only on SLOW (2 TB/s against
// the pool's 4): its cost is scaled by 2/4 and a CAP-BENCH-MISSING note
// (CAP009) points at c's share in the step; with no benchmark of c at all
// the capacity is unknown, an error there.
func TestRoadmapNewModelBenchmark(t *testing.T) {
	mix := schema.ModelMix{Steps: []schema.MixStep{
		{From: date(2026, 3, 1), Mix: map[string]float64{"a": 1}},
		{From: date(2026, 6, 1), Mix: map[string]float64{"c": 1}},
	}}
	p := roadmapPlan(mix)
	p.Positions["workloads.chat.model_mix[1].mix.c"] = at(52, 9)
	p.Benchmarks["c-slow"] = &schema.Benchmark{ID: "c-slow", Pos: at(62, 3), Model: "c", GPU: "SLOW", GPUsPerReplica: 1,
		InputTokens: 1500, OutputTokens: 200, RequestsPerS: 1, MeetsSLO: true, Measured: date(2026, 2, 1)}
	w := findWorkload(t, mustEval(t, Input{Plans: []*schema.Plan{p}}), "p", "chat")
	found := false
	for _, n := range w.Notes {
		found = found || n.Code == "CAP-BENCH-MISSING" && n.Location == at(52, 9).Range()
	}
	if !found {
		t.Errorf("no CAP-BENCH-MISSING note at c's share: %+v", w.Notes)
	}
	// c: 1 replica-s scaled by 2/4 = 0.5, 10 × 0.5 = 5 replicas of 1 GPU
	// from June; a before it, 5 GPUs too.
	if want := []float64{5, 5, 5, 5, 5, 5}; !nearAll(w.GPUs, want) {
		t.Errorf("GPUs = %v, want %v", w.GPUs, want)
	}

	delete(p.Benchmarks, "c-slow")
	_, err := Evaluate(Input{Plans: []*schema.Plan{p}, Now: now, GPUs: testGPUs})
	ds, _ := err.(diag.Diagnostics)
	if len(ds) != 1 || ds[0].Pos != at(52, 9) || !strings.Contains(ds[0].Msg, `no benchmark for model "c"`) {
		t.Errorf("err = %v, want no benchmark for c at its share", err)
	}
}
