package evaluator

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/capcheck/capcheck/internal/testkit"
	"github.com/capcheck/capcheck/schema"
)

// TestEventsAndSteps: 100 rps peak as of 2026-01-15 (two months before
// Now), 10%/month, 1 rps per GPU. GPUs are whole per workload: each
// month's rps × factor is rounded up (133.1 → 134).
func TestEventsAndSteps(t *testing.T) {
	tests := []struct {
		name   string
		asOf   [3]int // y, m, d; zero = unset
		events []schema.Event
		steps  []schema.StepEvent
		want   []float64 // GPUs 2026-03 … 2026-06
	}{
		{
			// e = m + 2: 100 × 1.1^2 = 121, 1.1^3 = 133.1 → 134,
			// 1.1^4 = 146.41 → 147, 1.1^5 = 161.051 → 162
			name: "growth from as_of", asOf: [3]int{2026, 1, 15},
			want: []float64{121, 134, 147, 162},
		},
		{
			// as_of unset: e = m: 100, 110, 121, 133.1 → 134.
			name: "no as_of",
			want: []float64{100, 110, 121, 134},
		},
		{
			// as_of in the future clamps e at 0 until it is reached:
			// June is month 3, as_of month 2026-05 → e = 1 in June.
			name: "future as_of", asOf: [3]int{2026, 5, 20},
			want: []float64{100, 100, 100, 110},
		},
		{
			// April: event ×3 (20 Apr – 2 May, spans the month boundary)
			// → 133.1 × 3 = 399.3 → 400.
			// May, day by day (the peak is the largest day):
			//   1–2 May:  events ×3 and ×2 overlap → largest ×3; step ×1.5
			//             (1 May) → 4.5
			//   3–10 May: ×2 × 1.5 = 3
			//   11–14:    1.5
			//   15–31:    steps ×1.5 × 2 = 3
			// → 146.41 × 4.5 = 658.845 → 659 (the ×3 event ended before
			// the ×2 step began: they never combine into ×9).
			// June: no event; steps ×1.5 and ×2 → 161.051 × 3 = 483.153
			// → 484.
			// The step for another workload (×10) never applies.
			name: "events and steps", asOf: [3]int{2026, 1, 15},
			events: []schema.Event{
				{Name: "launch-week", Start: date(2026, 4, 20), End: date(2026, 5, 2), Multiplier: 3},
				{Name: "conference", Start: date(2026, 5, 1), End: date(2026, 5, 10), Multiplier: 2},
			},
			steps: []schema.StepEvent{
				{Name: "new customer", At: date(2026, 5, 1), Multiplier: 1.5, Workloads: []string{"api"}},
				{Name: "eu launch", At: date(2026, 5, 15), Multiplier: 2},
				{Name: "other team", At: date(2026, 3, 1), Multiplier: 10, Workloads: []string{"batch"}},
			},
			want: []float64{121, 400, 659, 484},
		},
		{
			// a dampening event (×0.5 on 20–31 March) leaves 1–19 March at
			// ×1: March's peak stays 100 (then 110, 121, 133.1 → 134).
			name:   "partial-month multiplier below one",
			events: []schema.Event{{Name: "holiday", Start: date(2026, 3, 20), End: date(2026, 3, 31), Multiplier: 0.5}},
			want:   []float64{100, 110, 121, 134},
		},
		{
			// ×0.5 on every day of March: 100 × 0.5 = 50.
			name:   "whole-month multiplier below one",
			events: []schema.Event{{Name: "freeze", Start: date(2026, 3, 1), End: date(2026, 3, 31), Multiplier: 0.5}},
			want:   []float64{50, 110, 121, 134},
		},
		{
			// A ×0.5 step (traffic moved away) on 15 April: 1–14 April keep
			// ×1 → 110; from May ×0.5: 121 × 0.5 = 60.5 → 61,
			// 133.1 × 0.5 = 66.55 → 67.
			name:  "dampening step counts from the first whole month",
			steps: []schema.StepEvent{{Name: "move to eu", At: date(2026, 4, 15), Multiplier: 0.5}},
			want:  []float64{100, 110, 61, 67},
		},
		{
			// Overlapping events ×2 (1–10 March) and ×1.5 (5–20 March):
			// the largest wins, never the product → 100 × 2 = 200.
			name: "overlapping events: largest wins",
			events: []schema.Event{
				{Name: "a", Start: date(2026, 3, 1), End: date(2026, 3, 10), Multiplier: 2},
				{Name: "b", Start: date(2026, 3, 5), End: date(2026, 3, 20), Multiplier: 1.5},
			},
			want: []float64{200, 110, 121, 134},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := newPlan("p")
			p.HorizonMonths = 4
			setGrowth(p, schema.Moderate, 0.10)
			sc := p.Scenarios[schema.Moderate]
			sc.Steps = tc.steps
			p.Scenarios[schema.Moderate] = sc
			addPool(p, "h100", 4)
			w := addInference(p, "api", "h100", 100, 1)
			if tc.asOf[0] != 0 {
				w.AsOf = date(tc.asOf[0], time.Month(tc.asOf[1]), tc.asOf[2])
			}
			w.Events = tc.events
			got := findWorkload(t, mustEval(t, Input{Plans: []*schema.Plan{p}}), "p", "api")
			if !nearAll(got.GPUs, tc.want) {
				t.Errorf("GPUs = %v, want %v", got.GPUs, tc.want)
			}
		})
	}
}

// TestVolumeKinds checks the training, batch and stream formulas with 5%
// growth (months 2026-03 (744 h) and 2026-04 (720 h)).
func TestVolumeKinds(t *testing.T) {
	tests := []struct {
		name string
		w    schema.Workload
		want []float64
	}{
		{
			// 7440 GPU-h/month: 7440/744 = 10 in March; × 1.05 / 720 = 10.85
			// in April. Experimentation 3 people × 16 h/day / 24 = 2, ×1.05
			// = 2.1 in April. Run of 64 GPUs 10–20 April (no growth).
			// March 12; April 10.85 + 2.1 + 64 = 76.95; May 7440 × 1.1025 /
			// 744 + 2 × 1.1025 = 11.025 + 2.205 = 13.23.
			name: "training",
			w: schema.Workload{Kind: schema.KindTraining, GPUHoursPerMonth: 7440,
				Experimentation: &schema.Experimentation{People: 3, GPUHoursPerDay: 16},
				Runs:            []schema.Run{{Name: "v2", GPUs: 64, Start: date(2026, 4, 10), End: date(2026, 4, 20)}}},
			want: []float64{12, 76.95, 13.23},
		},
		{
			// 4800/day × factor 2 (default) / (100/GPU-h × 24) = 4; ×1.05 = 4.2; 4.41.
			name: "batch default factor",
			w:    schema.Workload{Kind: schema.KindBatch, VolumePerDay: 4800, ThroughputPerGPUHour: 100},
			want: []float64{4, 4.2, 4.41},
		},
		{
			// factor 3: 4800 × 3 / 2400 = 6.
			name: "batch factor 3",
			w:    schema.Workload{Kind: schema.KindBatch, VolumePerDay: 4800, ThroughputPerGPUHour: 100, BatchFactor: 3},
			want: []float64{6, 6.3, 6.615},
		},
		{
			// 300/s × 3 (default) / 150 per GPU-s = 6.
			name: "stream",
			w:    schema.Workload{Kind: schema.KindStream, VolumePerS: 300, ThroughputPerGPUS: 150},
			want: []float64{6, 6.3, 6.615},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := newPlan("p")
			p.HorizonMonths = 3
			setGrowth(p, schema.Moderate, 0.05)
			addPool(p, "h100", 4)
			w := tc.w
			w.Name, w.Pool = "job", "h100"
			p.Workloads["job"] = &w
			d := mustEval(t, Input{Plans: []*schema.Plan{p}})
			got := findWorkload(t, d, "p", "job")
			if !nearAll(got.GPUs, tc.want) {
				t.Errorf("GPUs = %v, want %v", got.GPUs, tc.want)
			}
			pool := findPool(t, d, "p", "h100")
			var req []float64
			for _, m := range pool.Timeline {
				req = append(req, m.RequiredGPUs)
			}
			if !nearAll(req, tc.want) {
				t.Errorf("pool required = %v, want %v", req, tc.want)
			}
		})
	}
}

// TestInterruptible: interruptible training is not required capacity but
// is rented on demand. Pool: 8 reserved GPUs at 2/h, on demand 5/h;
// inference needs 4 GPUs; interruptible run of 6 GPUs all month.
func TestInterruptible(t *testing.T) {
	p := newPlan("p")
	p.HorizonMonths = 2
	addPool(p, "h100", 4, "aws_ec2_capacity_reservation.*")
	addInference(p, "api", "h100", 4, 1)
	p.Workloads["train"] = &schema.Workload{Name: "train", Kind: schema.KindTraining, Pool: "h100", Interruptible: true,
		Runs: []schema.Run{{Name: "sweep", GPUs: 6}}}
	d := mustEval(t, Input{Plans: []*schema.Plan{p}, Inventory: inventoryOf(rsv("aws_ec2_capacity_reservation.a", "z", 1, 1, 8))})
	got := findPool(t, d, "p", "h100")
	// March: reserved 8 × 2 × 744 = 11 904; on demand (max(0, 4 − 8) + 6) ×
	// 5 × 31 × 24 = 22 320 → 34 224. All on demand: (4 + 6) × 5 × 744 =
	// 37 200; savings 1 − 34 224 / 37 200 = 0.08.
	// April (720 h): 8 × 2 × 720 + 6 × 5 × 720 = 11 520 + 21 600 = 33 120.
	// Strategy reserved: the judged month is guaranteed 8 vs peak 4.
	want := MonthDoc{Month: "2026-03", CapacityGPUs: 8, RequiredGPUs: 4, InterruptibleGPUs: 6, OnDemandGPUs: 6, Headroom: 0.5, Cost: 34224,
		Basis: "peak", JudgedCapacityGPUs: 8, JudgedRequiredGPUs: 4}
	if diff := cmp.Diff(want, got.Timeline[0]); diff != "" {
		t.Errorf("March (-want +got):\n%s", diff)
	}
	if !nearAll(got.Cost.Monthly, []float64{34224, 33120}) || !nearAll(got.Cost.AllOnDemandMonthly, []float64{37200, 36000}) ||
		!testkit.Close(got.Cost.SavingsVsOnDemand, 0.08) || !testkit.Close(got.Cost.Total, 67344) || got.MonthlyCost != 34224 {
		t.Errorf("cost = %+v, want monthly [34224 33120], all on demand [37200 36000], savings 0.08, total 67344", got.Cost)
	}
	if w := findWorkload(t, d, "p", "train"); !w.Interruptible || w.GPUsNow != 6 {
		t.Errorf("train: interruptible %v GPUs %g, want true 6", w.Interruptible, w.GPUsNow)
	}
}

// TestInterruptiblePeakWindow: with a 10-hour daily peak window, overflow
// is rented 10 h a day but interruptible training runs around the clock.
// 8 reserved at 2/h, on demand 5/h, inference needs 10 (2 overflow),
// interruptible run of 6 GPUs. March (31 days, 744 h):
//
//	reserved      8 × 2 × 744      = 11 904
//	overflow      2 × 5 × 31 × 10  =  3 100
//	interruptible 6 × 5 × 744      = 22 320
//	total                          = 37 324
//
// (renting the run only 10 h a day would give 6 × 5 × 310 = 9 300: a
// 600 h/month job costed for 310 h).
func TestInterruptiblePeakWindow(t *testing.T) {
	p := newPlan("p")
	p.HorizonMonths = 1
	addPool(p, "h100", 4, "aws_ec2_capacity_reservation.*").OnDemandHoursPerDay = 10
	addInference(p, "api", "h100", 10, 1)
	p.Workloads["train"] = &schema.Workload{Name: "train", Kind: schema.KindTraining, Pool: "h100", Interruptible: true,
		Runs: []schema.Run{{Name: "sweep", GPUs: 6}}}
	d := mustEval(t, Input{Plans: []*schema.Plan{p}, Inventory: inventoryOf(rsv("aws_ec2_capacity_reservation.a", "z", 1, 1, 8))})
	got := findPool(t, d, "p", "h100")
	want := MonthDoc{Month: "2026-03", CapacityGPUs: 8, RequiredGPUs: 10, InterruptibleGPUs: 6, OnDemandGPUs: 8, Headroom: -0.25, Cost: 37324,
		Basis: "peak", JudgedCapacityGPUs: 8, JudgedRequiredGPUs: 10}
	if diff := cmp.Diff(want, got.Timeline[0]); diff != "" {
		t.Errorf("March (-want +got):\n%s", diff)
	}
}

// TestTrend: a fitted trend replaces the baseline (150 instead of 100), as
// of Now; the plan's growth (2%) is projected and both growths recorded.
func TestTrend(t *testing.T) {
	p := newPlan("p")
	p.HorizonMonths = 3
	setGrowth(p, schema.Moderate, 0.02)
	addPool(p, "h100", 4)
	w := addInference(p, "api", "h100", 100, 1)
	w.AsOf = date(2025, 12, 1)
	in := Input{Plans: []*schema.Plan{p}, Trends: map[string]Trend{
		"p/api": {BaselinePeak: 150, MonthlyGrowth: 0.08, Method: "log-linear", MASE: 0.7, Source: "actuals/api.csv"},
	}}
	d := mustEval(t, in)
	got := findWorkload(t, d, "p", "api")
	// 150, 150 × 1.02 = 153, 150 × 1.0404 = 156.06 → 157 whole GPUs (e =
	// m: as_of is Now)
	if !nearAll(got.GPUs, []float64{150, 153, 157}) {
		t.Errorf("GPUs = %v, want [150 153 157]", got.GPUs)
	}
	wantF := &ForecastDoc{Method: "log-linear", FittedMonthlyGrowth: 0.08, PlanMonthlyGrowth: 0.02, BaselinePeak: 150, MASE: 0.7, Source: "actuals/api.csv"}
	if diff := cmp.Diff(wantF, got.Forecast); diff != "" {
		t.Errorf("Forecast (-want +got):\n%s", diff)
	}
	if got.AsOf != "2026-03-10" || got.BaselineAgeDays != 0 || got.PeakBasis != "peak" || got.BaselinePeak != 150 {
		t.Errorf("as_of %s age %d basis %s baseline %g, want 2026-03-10, 0, peak, 150", got.AsOf, got.BaselineAgeDays, got.PeakBasis, got.BaselinePeak)
	}
	if m := findPool(t, d, "p", "h100").Inputs.ForecastMethods; m["api"] != "log-linear" {
		t.Errorf("ForecastMethods = %v, want api: log-linear", m)
	}
}

// TestPeakBasis: peak, else p95, else avg (flagged).
func TestPeakBasis(t *testing.T) {
	tests := []struct {
		name      string
		rate      schema.Rate
		wantBasis string
		wantBase  float64
		wantAvg   bool
	}{
		{name: "peak", rate: schema.Rate{Avg: fp(10), P95: fp(20), Peak: fp(30)}, wantBasis: "peak", wantBase: 30},
		{name: "p95", rate: schema.Rate{Avg: fp(10), P95: fp(20)}, wantBasis: "p95", wantBase: 20},
		{name: "avg only", rate: schema.Rate{Avg: fp(10)}, wantBasis: "avg", wantBase: 10, wantAvg: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := newPlan("p")
			addPool(p, "h100", 4)
			w := addInference(p, "api", "h100", 0, 2)
			w.RequestsPerS = &tc.rate
			w.AsOf = date(2026, 1, 1) // 68 days before 2026-03-10
			got := findWorkload(t, mustEval(t, Input{Plans: []*schema.Plan{p}}), "p", "api")
			if got.PeakBasis != tc.wantBasis || got.BaselinePeak != tc.wantBase || got.AvgOnly != tc.wantAvg ||
				got.GPUsNow != tc.wantBase/2 || got.BaselineAgeDays != 68 || got.AsOf != "2026-01-01" {
				t.Errorf("got basis %s base %g avg-only %v GPUs %g age %d, want %s %g %v %g 68",
					got.PeakBasis, got.BaselinePeak, got.AvgOnly, got.GPUsNow, got.BaselineAgeDays, tc.wantBasis, tc.wantBase, tc.wantAvg, tc.wantBase/2)
			}
		})
	}
}

// TestWorkloadErrors: demand that cannot be computed fails closed with the
// field's position.
func TestWorkloadErrors(t *testing.T) {
	tests := []struct {
		name     string
		edit     func(w *schema.Workload)
		field    string
		wantPos  string
		wantPath string
	}{
		{name: "no rate", edit: func(w *schema.Workload) { w.RequestsPerS = nil },
			field: "requests_per_s", wantPos: "capacity/plan.cue:31:5", wantPath: "workloads.api.requests_per_s"},
		{name: "no per-GPU throughput", edit: func(w *schema.Workload) { w.RequestsPerSPerGPU = 0 },
			field: "requests_per_s_per_gpu", wantPos: "capacity/plan.cue:31:5", wantPath: "workloads.api.requests_per_s_per_gpu"},
		{name: "unknown pool", edit: func(w *schema.Workload) { w.Pool = "nope" },
			field: "pool", wantPos: "capacity/plan.cue:31:5", wantPath: "workloads.api.pool"},
		{name: "unknown kind", edit: func(w *schema.Workload) { w.Kind = "magic" },
			field: "kind", wantPos: "capacity/plan.cue:31:5", wantPath: "workloads.api.kind"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := newPlan("p")
			addPool(p, "h100", 4)
			w := addInference(p, "api", "h100", 10, 1)
			tc.edit(w)
			p.Positions["workloads.api."+tc.field] = at(31, 5)
			_, err := Evaluate(Input{Plans: []*schema.Plan{p}, Now: now})
			ds := testkit.Diagnostics(t, err)
			if len(ds) != 1 || ds[0].Pos.String() != tc.wantPos || ds[0].Path != tc.wantPath {
				t.Errorf("diagnostics = %v, want one at %s (%s)", ds, tc.wantPos, tc.wantPath)
			}
		})
	}
}
