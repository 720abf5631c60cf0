package evaluator

import (
	"github.com/capcheck/capcheck/schema"
)

// WorkloadInputsDoc is every input behind a workload's GPUs
// (WorkloadDoc.GPUs, the plan_for scenario), whatever its kind, so that
// each month's figure can be worked out again by hand (DESIGN.md: every
// number in the output traces back to its inputs). With G(m) =
// DemandFactors[m]:
//
//	llm-inference  rps(m) = baseline_peak × G(m); GPUs from rps through Models
//	               (the mix in force in month m: roadmap.go)
//	inference      GPUs(m) = max(min_replicas, ceil(baseline_peak × G(m) / requests_per_s_per_gpu))
//	               (at least 1 while rps > 0: replicas are whole per workload)
//	training       GPUs(m) = gpu_hours_per_month × G(m) / hours_in_month[m]
//	               + people × gpu_hours_per_day × G(m) / 24 + Σ gpus of runs active in m
//	batch          GPUs(m) = volume_per_day × G(m) × batch_factor / (throughput_per_gpu_hour × 24)
//	stream         GPUs(m) = volume_per_s × G(m) × stream_peak_factor / throughput_per_gpu_s
//
// Exactly one of the kind's sections is present (none for llm-api, which
// needs no GPUs). The keys are new in capcheck/v1 and only ever added to.
type WorkloadInputsDoc struct {
	// Scenario is the scenario the figures are for (plan_for).
	Scenario string `json:"scenario"`
	// Formula is the kind's formula above, as text.
	Formula string `json:"formula"`
	// DemandFactors[m] is G(m) = (1 + monthly_growth)^e × the largest
	// event × step factor of the month's days still ahead (see
	// demandFactor), 0 in a month the workload is not served (from,
	// until).
	DemandFactors []float64 `json:"demand_factors"`
	// RequestsPerS[m] is the peak requests/s of a rate-based workload,
	// baseline_peak × G(m); nil for other kinds.
	RequestsPerS []float64 `json:"requests_per_s,omitempty"`

	LLM       *LLMInputsDoc       `json:"llm,omitempty"`
	Inference *InferenceInputsDoc `json:"inference,omitempty"`
	Training  *TrainingInputsDoc  `json:"training,omitempty"`
	Batch     *BatchInputsDoc     `json:"batch,omitempty"`
	Stream    *StreamInputsDoc    `json:"stream,omitempty"`
}

// LLMInputsDoc is what an llm-inference workload's request shape is: the
// per-model cost of each request is in WorkloadDoc.Models.
type LLMInputsDoc struct {
	InputTokens        float64 `json:"input_tokens"`
	OutputTokens       float64 `json:"output_tokens"`
	PromptCacheHitRate float64 `json:"prompt_cache_hit_rate"`
	MinReplicas        float64 `json:"min_replicas"`
}

// InferenceInputsDoc is a non-LLM inference workload's sizing.
type InferenceInputsDoc struct {
	RequestsPerSPerGPU float64 `json:"requests_per_s_per_gpu"`
	MinReplicas        float64 `json:"min_replicas"`
}

// TrainingInputsDoc is a training workload's sizing.
type TrainingInputsDoc struct {
	GPUHoursPerMonth float64 `json:"gpu_hours_per_month"`
	// HoursInMonth[m] is the hours of timeline month m.
	HoursInMonth []float64 `json:"hours_in_month"`
	// Experimentation is nil when the plan gives none.
	Experimentation *ExperimentationDoc `json:"experimentation,omitempty"`
	Runs            []RunDoc            `json:"runs"`
}

// ExperimentationDoc is ad-hoc training demand: people × GPU-hours a day.
type ExperimentationDoc struct {
	People         int     `json:"people"`
	GPUHoursPerDay float64 `json:"gpu_hours_per_day"`
}

// RunDoc is a one-off training run and the timeline months it counts in
// (its [start, end] overlaps the month from calendar.from: a run over
// before today is not in month 0). Runs do not grow.
type RunDoc struct {
	Name   string   `json:"name"`
	GPUs   float64  `json:"gpus"`
	Start  string   `json:"start"`
	End    string   `json:"end"`
	Months []string `json:"months"`
}

// BatchInputsDoc is a batch workload's sizing (batch_factor as used:
// the schema default 2 when not written).
type BatchInputsDoc struct {
	VolumePerDay         float64 `json:"volume_per_day"`
	ThroughputPerGPUHour float64 `json:"throughput_per_gpu_hour"`
	BatchFactor          float64 `json:"batch_factor"`
}

// StreamInputsDoc is a stream workload's sizing (stream_peak_factor as
// used: the schema default 3 when not written).
type StreamInputsDoc struct {
	VolumePerS        float64 `json:"volume_per_s"`
	ThroughputPerGPUS float64 `json:"throughput_per_gpu_s"`
	StreamPeakFactor  float64 `json:"stream_peak_factor"`
}

// Formulas of WorkloadInputsDoc.Formula, by kind.
var inputFormulas = map[WorkloadKind]string{
	KindLLMInference: "requests_per_s[m] = baseline_peak × demand_factors[m]; gpus[m] = Σ over the models of the mix in force in month m of max(min_replicas, ceil(share × requests_per_s[m] × replica_seconds_per_request)) × gpus_per_replica",
	KindInference:    "gpus[m] = max(min_replicas, ceil(baseline_peak × demand_factors[m] / requests_per_s_per_gpu)), at least 1 while requests_per_s[m] > 0",
	KindTraining:     "gpus[m] = gpu_hours_per_month × demand_factors[m] / hours_in_month[m] + people × gpu_hours_per_day × demand_factors[m] / 24 + Σ gpus of runs active in month m",
	KindBatch:        "gpus[m] = volume_per_day × demand_factors[m] × batch_factor / (throughput_per_gpu_hour × 24)",
	KindStream:       "gpus[m] = volume_per_s × demand_factors[m] × stream_peak_factor / throughput_per_gpu_s",
	KindLLMAPI:       "served by its provider: no GPUs; requests_per_s[m] = baseline_peak × demand_factors[m] load its dependencies",
}

// traceInputs records, once wm's demand is computed, the inputs behind
// its plan_for figures (see WorkloadInputsDoc).
func (e *evaluation) traceInputs(p *schema.Plan, wm *workloadModel) *WorkloadInputsDoc {
	w, sc := wm.w, e.planFor(p)
	H := p.HorizonMonths
	in := &WorkloadInputsDoc{Scenario: sc, Formula: inputFormulas[WorkloadKind(w.Kind)], DemandFactors: make([]float64, H)}
	for m := range H {
		if e.served(w, m) {
			in.DemandFactors[m] = e.demandFactor(p, wm.name, w, p.Scenarios[sc], m, wm.useAsOf)
		}
	}
	if rps, ok := wm.rps[sc]; ok {
		in.RequestsPerS = rps
	}
	switch WorkloadKind(w.Kind) {
	case KindLLMInference:
		in.LLM = &LLMInputsDoc{InputTokens: w.Tokens.Input, OutputTokens: w.Tokens.Output,
			PromptCacheHitRate: w.PromptCacheHitRate, MinReplicas: minReplicas(w)}
	case KindInference:
		in.Inference = &InferenceInputsDoc{RequestsPerSPerGPU: w.RequestsPerSPerGPU, MinReplicas: minReplicas(w)}
	case KindTraining:
		t := &TrainingInputsDoc{GPUHoursPerMonth: w.GPUHoursPerMonth, HoursInMonth: make([]float64, H), Runs: []RunDoc{}}
		for m := range H {
			t.HoursInMonth[m] = e.cal.hours(m)
		}
		if x := w.Experimentation; x != nil {
			t.Experimentation = &ExperimentationDoc{People: x.People, GPUHoursPerDay: x.GPUHoursPerDay}
		}
		for _, r := range w.Runs {
			rd := RunDoc{Name: r.Name, GPUs: r.GPUs, Start: formatDate(r.Start), End: formatDate(r.End), Months: []string{}}
			for m := range H {
				if e.served(w, m) && e.runActive(r, m) {
					rd.Months = append(rd.Months, e.cal.label(m))
				}
			}
			t.Runs = append(t.Runs, rd)
		}
		in.Training = t
	case KindBatch:
		in.Batch = &BatchInputsDoc{VolumePerDay: w.VolumePerDay, ThroughputPerGPUHour: w.ThroughputPerGPUHour, BatchFactor: batchFactor(w)}
	case KindStream:
		in.Stream = &StreamInputsDoc{VolumePerS: w.VolumePerS, ThroughputPerGPUS: w.ThroughputPerGPUS, StreamPeakFactor: streamPeakFactor(w)}
	}
	return in
}
