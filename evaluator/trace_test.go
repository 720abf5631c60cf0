package evaluator

import (
	"encoding/json"
	"math"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/capcheck/capcheck/internal/testkit"
	"github.com/capcheck/capcheck/schema"
)

// TestWorkloadInputs: every kind's JSON carries the inputs behind its
// GPUs, and the figures come back from them by the kind's formula. Now is
// 2026-03-10; March has 744 h, April 720 h, May 744 h; moderate growth 5%
// (no as_of: G(m) = 1.05^m = 1, 1.05, 1.1025).
func TestWorkloadInputs(t *testing.T) {
	factors := []float64{1, 1.05, 1.1025}
	tests := []struct {
		name     string
		w        *schema.Workload
		wantGPUs []float64
		want     WorkloadInputsDoc // Formula and Scenario are checked apart
	}{
		{
			// 10 rps at 4 per GPU: ceil(10/4 = 2.5) = 3, ceil(10.5/4 =
			// 2.625) = 3, ceil(11.025/4 = 2.756) = 3: whole replicas.
			name:     "inference",
			w:        &schema.Workload{Kind: schema.KindInference, RequestsPerS: &schema.Rate{Peak: fp(10)}, RequestsPerSPerGPU: 4},
			wantGPUs: []float64{3, 3, 3},
			want: WorkloadInputsDoc{DemandFactors: factors, RequestsPerS: []float64{10, 10.5, 11.025},
				Inference: &InferenceInputsDoc{RequestsPerSPerGPU: 4}},
		},
		{
			// 7440 GPU-h/month: 7440/744 = 10 in March, 7440 × 1.05 / 720
			// = 10.85 in April, 7440 × 1.1025 / 744 = 11.025 in May;
			// experimentation 3 × 16 / 24 = 2 × G: 2, 2.1, 2.205; the
			// 64-GPU sweep of 10–20 April counts in April only, the q1 run
			// of 1–8 March is over before today and counts nowhere.
			// March 12, April 10.85 + 2.1 + 64 = 76.95, May 13.23.
			name: "training",
			w: &schema.Workload{Kind: schema.KindTraining, GPUHoursPerMonth: 7440,
				Experimentation: &schema.Experimentation{People: 3, GPUHoursPerDay: 16},
				Runs: []schema.Run{
					{Name: "sweep", GPUs: 64, Start: date(2026, 4, 10), End: date(2026, 4, 20)},
					{Name: "q1", GPUs: 8, Start: date(2026, 3, 1), End: date(2026, 3, 8)},
				}},
			wantGPUs: []float64{12, 76.95, 13.23},
			want: WorkloadInputsDoc{DemandFactors: factors, Training: &TrainingInputsDoc{
				GPUHoursPerMonth: 7440, HoursInMonth: []float64{744, 720, 744},
				Experimentation: &ExperimentationDoc{People: 3, GPUHoursPerDay: 16},
				Runs: []RunDoc{
					{Name: "sweep", GPUs: 64, Start: "2026-04-10", End: "2026-04-20", Months: []string{"2026-04"}},
					{Name: "q1", GPUs: 8, Start: "2026-03-01", End: "2026-03-08", Months: []string{}},
				}}},
		},
		{
			// 48M items a day, 1M per GPU-hour, batch_factor unset → the
			// schema default 2: 48e6 × 2 / (1e6 × 24) = 4 × G: 4, 4.2, 4.41.
			name:     "batch",
			w:        &schema.Workload{Kind: schema.KindBatch, VolumePerDay: 48e6, ThroughputPerGPUHour: 1e6},
			wantGPUs: []float64{4, 4.2, 4.41},
			want: WorkloadInputsDoc{DemandFactors: factors,
				Batch: &BatchInputsDoc{VolumePerDay: 48e6, ThroughputPerGPUHour: 1e6, BatchFactor: 2}},
		},
		{
			// 900 events/s, 100 per GPU-second, stream_peak_factor unset →
			// 3: 900 × 3 / 100 = 27 × G: 27, 28.35, 29.7675.
			name:     "stream",
			w:        &schema.Workload{Kind: schema.KindStream, VolumePerS: 900, ThroughputPerGPUS: 100},
			wantGPUs: []float64{27, 28.35, 29.7675},
			want: WorkloadInputsDoc{DemandFactors: factors,
				Stream: &StreamInputsDoc{VolumePerS: 900, ThroughputPerGPUS: 100, StreamPeakFactor: 3}},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := newPlan("p")
			p.HorizonMonths = 3
			setGrowth(p, schema.Moderate, 0.05)
			addPool(p, "h100", 4)
			tc.w.Name, tc.w.Pos, tc.w.Pool = "w", at(30, 3), "h100"
			p.Workloads["w"] = tc.w
			got := findWorkload(t, mustEval(t, Input{Plans: []*schema.Plan{p}}), "p", "w")
			if !nearAll(got.GPUs, tc.wantGPUs) {
				t.Errorf("GPUs = %v, want %v", got.GPUs, tc.wantGPUs)
			}
			if got.Inputs == nil {
				t.Fatal("Inputs = nil, want the inputs behind the GPUs")
			}
			if got.Inputs.Scenario != "moderate" || got.Inputs.Formula != inputFormulas[WorkloadKind(tc.w.Kind)] || got.Inputs.Formula == "" {
				t.Errorf("scenario %q formula %q, want moderate and the %s formula", got.Inputs.Scenario, got.Inputs.Formula, tc.w.Kind)
			}
			in := *got.Inputs
			in.Scenario, in.Formula = "", ""
			if diff := cmp.Diff(tc.want, in, cmp.Comparer(func(a, b float64) bool { return testkit.Close(a, b) })); diff != "" {
				t.Errorf("Inputs (-want +got):\n%s", diff)
			}
			// The figures come back from the inputs alone.
			for m, g := range got.GPUs {
				if r := recompute(got, m, []string{"2026-03", "2026-04", "2026-05"}); !testkit.Close(r, g) {
					t.Errorf("month %d: GPUs from inputs = %g, document says %g", m, r, g)
				}
			}
		})
	}
}

// recompute is a workload's GPUs in month m (labelled months[m]) worked
// out from its document alone, by the formulas of WorkloadInputsDoc.
func recompute(w WorkloadDoc, m int, months []string) float64 {
	in := w.Inputs
	G := in.DemandFactors[m]
	switch {
	case in.Inference != nil:
		return math.Max(in.Inference.MinReplicas, math.Ceil(w.BaselinePeak*G/in.Inference.RequestsPerSPerGPU-1e-9))
	case in.Training != nil:
		t := in.Training
		v := t.GPUHoursPerMonth * G / t.HoursInMonth[m]
		if x := t.Experimentation; x != nil {
			v += float64(x.People) * x.GPUHoursPerDay * G / 24
		}
		for _, r := range t.Runs {
			for _, mo := range r.Months {
				if mo == months[m] {
					v += r.GPUs
				}
			}
		}
		return v
	case in.Batch != nil:
		return in.Batch.VolumePerDay * G * in.Batch.BatchFactor / (in.Batch.ThroughputPerGPUHour * 24)
	case in.Stream != nil:
		return in.Stream.VolumePerS * G * in.Stream.StreamPeakFactor / in.Stream.ThroughputPerGPUS
	}
	return math.NaN()
}

// TestWorkloadInputsLLM: an llm-inference workload traces its request
// shape next to Models: 10 rps peak, 1500 input and 200 output tokens, 60%
// cache hits; requests/s 10 in both months (no growth).
func TestWorkloadInputsLLM(t *testing.T) {
	p := llmPlan(0.6, fitBenches()...)
	got := findWorkload(t, mustEval(t, Input{Plans: []*schema.Plan{p}}), "p", "chat")
	want := &WorkloadInputsDoc{Scenario: "moderate", Formula: inputFormulas[KindLLMInference],
		DemandFactors: []float64{1, 1}, RequestsPerS: []float64{10, 10},
		LLM: &LLMInputsDoc{InputTokens: 1500, OutputTokens: 200, PromptCacheHitRate: 0.6}}
	if diff := cmp.Diff(want, got.Inputs); diff != "" {
		t.Errorf("Inputs (-want +got):\n%s", diff)
	}
	if len(got.Models) != 1 {
		t.Errorf("Models = %v, want the one model's cost", got.Models)
	}
}

// TestWorkloadInputsJSON: the keys are the contract's names, and a
// workload served from 1 April has a zero demand factor in March.
func TestWorkloadInputsJSON(t *testing.T) {
	p := newPlan("p")
	p.HorizonMonths = 2
	addPool(p, "h100", 4)
	w := addInference(p, "api", "h100", 10, 4)
	w.From = date(2026, 4, 1)
	d := mustEval(t, Input{Plans: []*schema.Plan{p}})
	got := findWorkload(t, d, "p", "api")
	if got.Inputs == nil || !nearAll(got.Inputs.DemandFactors, []float64{0, 1}) || !nearAll(got.GPUs, []float64{0, 3}) {
		t.Fatalf("inputs %+v GPUs %v, want demand factors [0 1] and GPUs [0 3]", got.Inputs, got.GPUs)
	}
	b, err := json.Marshal(got)
	if err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{`"inputs":{"scenario":"moderate","formula":`, `"demand_factors":[0,1]`, `"requests_per_s":[0,10]`, `"inference":{"requests_per_s_per_gpu":4,"min_replicas":0}`} {
		if !strings.Contains(string(b), key) {
			t.Errorf("workload JSON lacks %s:\n%s", key, b)
		}
	}
}
