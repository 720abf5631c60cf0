package evaluator

import (
	"encoding/json"
	"math"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/capcheck/capcheck/internal/diag"
	"github.com/capcheck/capcheck/internal/testkit"
	"github.com/capcheck/capcheck/schema"
)

// TestCostLiterature is the reserved-baseline-plus-on-demand-peak pattern:
// demand averages 100 rps and peaks at 400 (1 rps per GPU, so the peak needs
// 400 GPUs). 100 GPUs are reserved at 0.7 × the on-demand price p = 10; the
// other 300 are rented on demand for a 10-hour daily peak window. March
// 2026 has 31 days:
//
//	cost        = 100 × 7 × 24 × 31 + 300 × 10 × 10 × 31 = 520 800 + 930 000 = 1 450 800
//	all on demand = 400 × 10 × 24 × 31 = 2 976 000
//	ratio = (1680 + 3000) / 9600 = 0.4875 → savings 0.5125
func TestCostLiterature(t *testing.T) {
	d := literatureSplit(t)
	got := findPool(t, d, "p", "h100").Cost
	want := CostDoc{
		Monthly: []float64{1450800},
		At:      map[string]float64{},
		// a 1-month horizon reaches no milestone
		MonthlyAt:          map[string]float64{},
		CumulativeAt:       map[string]float64{},
		Total:              1450800,
		Currency:           "USD",
		AllOnDemandMonthly: []float64{2976000},
		SavingsVsOnDemand:  0.5125,
	}
	if diff := cmp.Diff(want, got, cmp.Comparer(func(a, b float64) bool { return testkit.Close(a, b) })); diff != "" {
		t.Errorf("cost (-want +got):\n%s", diff)
	}
	if r := got.Monthly[0] / got.AllOnDemandMonthly[0]; !testkit.Close(r, 0.4875) {
		t.Errorf("cost / all-on-demand = %g, want 0.4875", r)
	}
}

// TestCostOverflowAndAt: 8 reserved GPUs at 2, 10 required at 5 on demand
// (24 h/day). March: 8 × 2 × 744 + 2 × 5 × 744 = 11 904 + 7 440 = 19 344.
// With 13 months, At holds "6" (2026-09, 30 days: (16 + 10) × 720 =
// 18 720) and "12" (2027-03, 31 days: 19 344).
func TestCostOverflowAndAt(t *testing.T) {
	p := newPlan("p")
	p.HorizonMonths = 13
	p.Budget = &schema.Budget{Monthly: 20000, Currency: "EUR"}
	addPool(p, "h100", 4, "aws_ec2_capacity_reservation.*").BudgetMonthly = 19000
	addInference(p, "api", "h100", 10, 1)
	d := mustEval(t, Input{Plans: []*schema.Plan{p}, Inventory: inventoryOf(rsv("aws_ec2_capacity_reservation.a", "z", 1, 1, 8))})
	pool := findPool(t, d, "p", "h100")
	if pool.MonthlyCost != 19344 || pool.Timeline[0].OnDemandGPUs != 2 {
		t.Errorf("March cost %g with %g on-demand GPUs, want 19344 and 2", pool.MonthlyCost, pool.Timeline[0].OnDemandGPUs)
	}
	wantAt := map[string]float64{"6": 18720, "12": 19344}
	if diff := cmp.Diff(wantAt, pool.Cost.At); diff != "" || pool.Cost.Currency != "EUR" || pool.BudgetMonthly != 19000 {
		t.Errorf("At (-want +got):\n%s currency %s budget %g", diff, pool.Cost.Currency, pool.BudgetMonthly)
	}
	// ProjectedMonthly: the largest month is a 31-day one: 19 344.
	if pd := d.Plans[0]; pd.ProjectedMonthly != 19344 || pd.BudgetMonthly != 20000 || pd.Currency != "EUR" {
		t.Errorf("plan projected %g budget %g %s, want 19344 20000 EUR", pd.ProjectedMonthly, pd.BudgetMonthly, pd.Currency)
	}
}

// TestPerMillionOutputTokens: the LLM workload averages 5 rps × 200 output
// tokens = 1000 tokens/s; March has 31 × 86 400 = 2 678 400 s →
// 2.6784e9 tokens. It needs 44 GPUs at its 10 rps peak (see
// TestPromptCaching); 48 are reserved at 2/h: 48 × 2 × 744 = 71 424 →
// 71 424 / 2678.4 = 26.666… per million tokens.
func TestPerMillionOutputTokens(t *testing.T) {
	p := llmPlan(0.6, fitBenches()...)
	p.Pools["h100"].Reservations = []string{"aws_ec2_capacity_reservation.*"}
	d := mustEval(t, Input{Plans: []*schema.Plan{p}, Inventory: inventoryOf(rsv("aws_ec2_capacity_reservation.a", "z", 1, 6, 8))})
	c := findPool(t, d, "p", "h100").Cost
	if !testkit.Close(c.OutputTokensFirstMonth, 2.6784e9) || !testkit.Close(c.PerMillionOutputTokens, 71424/2678.4) || c.Monthly[0] != 71424 {
		t.Errorf("tokens %g per million %g cost %g, want 2.6784e9, %g, 71424", c.OutputTokensFirstMonth, c.PerMillionOutputTokens, c.Monthly[0], 71424/2678.4)
	}
}

// TestPerMillionOutputTokensVolume: the token volume of a month is the
// average rate × seconds, with events and steps weighted by the days they
// last (not the peak factor). llmPlan: avg 5 rps × 200 output tokens =
// 1000 tokens/s; 10 rps peak at 2.17 replica-s × 2 GPUs/replica (see
// TestPromptCaching); 48 GPUs reserved at 2/h, on demand 5/h; March has
// 31 days = 744 h = 2 678 400 s.
func TestPerMillionOutputTokensVolume(t *testing.T) {
	tests := []struct {
		name       string
		events     []schema.Event
		steps      []schema.StepEvent
		asOf       time.Time
		growth     float64
		trend      *Trend
		wantTokens float64
		wantCost   float64
	}{
		{
			// Black Friday style: ×1.25 on 27–30 March (4 days).
			// tokens = 1000 × 86 400 × (27 + 4 × 1.25) = 86.4e6 × 32 = 2.7648e9
			// (the peak factor would give 1000 × 1.25 × 2 678 400 = 3.348e9).
			// peak 12.5 rps × 2.17 = 27.125 → 28 replicas × 2 = 56 GPUs:
			// 48 × 2 × 744 + 8 × 5 × 744 = 71 424 + 29 760 = 101 184.
			name:       "four-day event",
			events:     []schema.Event{{Name: "bf", Start: date(2026, 3, 27), End: date(2026, 3, 30), Multiplier: 1.25}},
			wantTokens: 2.7648e9, wantCost: 101184,
		},
		{
			// ×2 step on 17 March: days 17–31 (15 days) at ×2.
			// tokens = 86.4e6 × (16 + 15 × 2) = 86.4e6 × 46 = 3.9744e9.
			// peak 20 rps × 2.17 = 43.4 → 44 × 2 = 88 GPUs:
			// 71 424 + 40 × 5 × 744 = 71 424 + 148 800 = 220 224.
			name:       "mid-month step",
			steps:      []schema.StepEvent{{Name: "launch", At: date(2026, 3, 17), Multiplier: 2}},
			wantTokens: 3.9744e9, wantCost: 220224,
		},
		{
			// A trend supplies the peak (10 rps as of Now → 44 GPUs, 71 424),
			// but the plan's avg is as of 2026-01-15: grown 2 months at 10%
			// → 5 × 1.21 × 200 = 1210 tokens/s × 2 678 400 = 3 240 864 000.
			name: "plan average grows from its own as_of", asOf: date(2026, 1, 15), growth: 0.10,
			trend:      &Trend{BaselinePeak: 10, MonthlyGrowth: 0.1, Method: "log-linear"},
			wantTokens: 3240864000, wantCost: 71424,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := llmPlan(0.6, fitBenches()...)
			p.Pools["h100"].Reservations = []string{"aws_ec2_capacity_reservation.*"}
			setGrowth(p, schema.Moderate, tc.growth)
			sc := p.Scenarios[schema.Moderate]
			sc.Steps = tc.steps
			p.Scenarios[schema.Moderate] = sc
			w := p.Workloads["chat"]
			w.Events, w.AsOf = tc.events, tc.asOf
			in := Input{Plans: []*schema.Plan{p}, Inventory: inventoryOf(rsv("aws_ec2_capacity_reservation.a", "z", 1, 6, 8))}
			if tc.trend != nil {
				in.Trends = map[string]Trend{"p/chat": *tc.trend}
			}
			c := findPool(t, mustEval(t, in), "p", "h100").Cost
			wantPer := tc.wantCost / (tc.wantTokens / 1e6)
			if !testkit.Close(c.OutputTokensFirstMonth, tc.wantTokens) || !testkit.Close(c.Monthly[0], tc.wantCost) || !testkit.Close(c.PerMillionOutputTokens, wantPer) {
				t.Errorf("tokens %g cost %g per million %g, want %g, %g, %g", c.OutputTokensFirstMonth, c.Monthly[0], c.PerMillionOutputTokens,
					tc.wantTokens, tc.wantCost, wantPer)
			}
		})
	}
}

// TestFiniteFigures: every figure the document carries is finite, so it
// always encodes as JSON; inputs that would overflow fail closed with the
// workload's position.
func TestFiniteFigures(t *testing.T) {
	t.Run("zero capacity and no tokens encode", func(t *testing.T) {
		p := newPlan("p")
		addPool(p, "h100", 4)
		addInference(p, "api", "h100", 5, 1)
		addPool(p, "idle", 4)
		d := mustEval(t, Input{Plans: []*schema.Plan{p}})
		if _, err := json.Marshal(d); err != nil {
			t.Fatalf("json.Marshal: %v", err)
		}
		// h = −1 with demand and no capacity, 1 with neither; no tokens:
		// per million 0.
		if a, b := findPool(t, d, "p", "h100"), findPool(t, d, "p", "idle"); a.MinHeadroom != -1 || b.MinHeadroom != 1 || a.Cost.PerMillionOutputTokens != 0 {
			t.Errorf("headroom %g and %g, per million %g, want -1, 1, 0", a.MinHeadroom, b.MinHeadroom, a.Cost.PerMillionOutputTokens)
		}
	})
	tests := []struct {
		name     string
		edit     func(p *schema.Plan, in *Input)
		wantPath string
		wantPos  string
	}{
		{
			// 1e300 rps × an event ×1e300 = +Inf GPUs.
			name: "demand overflows",
			edit: func(p *schema.Plan, _ *Input) {
				w := p.Workloads["api"]
				w.RequestsPerS.Peak = fp(1e300)
				w.Events = []schema.Event{{Name: "x", Start: date(2026, 4, 1), End: date(2026, 4, 2), Multiplier: 1e300}}
			},
			wantPath: "workloads.api", wantPos: "capacity/plan.cue:30:3",
		},
		{
			name: "trend MASE is NaN",
			edit: func(p *schema.Plan, in *Input) {
				p.Positions["workloads.api.actuals"] = at(33, 5)
				in.Trends = map[string]Trend{"p/api": {BaselinePeak: 5, MonthlyGrowth: 0.01, MASE: math.NaN()}}
			},
			wantPath: "workloads.api.actuals", wantPos: "capacity/plan.cue:33:5",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := newPlan("p")
			addPool(p, "h100", 4)
			addInference(p, "api", "h100", 5, 1)
			in := Input{Plans: []*schema.Plan{p}, Now: now, GPUs: testGPUs}
			tc.edit(p, &in)
			_, err := Evaluate(in)
			ds := testkit.Diagnostics(t, err)
			if len(ds) != 1 || ds[0].Path != tc.wantPath || ds[0].Pos.String() != tc.wantPos {
				t.Errorf("diagnostics = %v, want one at %s for %s", ds, tc.wantPos, tc.wantPath)
			}
		})
	}
}

// TestPlanDoc: hygiene figures on 2026-03-10.
func TestPlanDoc(t *testing.T) {
	p := newPlan("p")
	p.Reviewed = date(2025, 12, 1) // 31 + 31 + 28 + 9 = 99 days
	p.Contingency = "serve cached answers"
	setGrowth(p, schema.Aggressive, 0.2)
	p.Exceptions = []schema.Exception{
		{Pos: at(90, 3), Rule: "CAP007", Target: "pool/h100", Reason: "migration", Expires: date(2026, 3, 1), ApprovedBy: "sre"},
		{Pos: at(95, 3), Rule: "CAP001", Target: "pool/*", Reason: "launch", Expires: date(2026, 4, 9), ApprovedBy: "cto"},
	}
	p.Positions["policy.headroom_min"] = at(5, 17)
	addPool(p, "h100", 4)
	d := mustEval(t, Input{Plans: []*schema.Plan{p}})
	want := PlanDoc{
		Name: "p", Range: at(1, 1).Range(), Owner: "ml-platform", Reviewed: "2025-12-01", ReviewedAgeDays: 99,
		HorizonMonths: 12, Policy: p.Policy, PlanFor: "moderate", ContingencyFor: "aggressive", Contingency: "serve cached answers",
		GrowthRates: map[string]float64{"conservative": 0, "moderate": 0, "aggressive": 0.2},
		Currency:    "USD",
		Exceptions: []ExceptionDoc{
			{Rule: "CAP007", Target: "pool/h100", Reason: "migration", Expires: "2026-03-01", ApprovedBy: "sre", Expired: true, DaysLeft: -9,
				Location: diag.Pos{File: planFile, Line: 90, Column: 3}.Range()},
			{Rule: "CAP001", Target: "pool/*", Reason: "launch", Expires: "2026-04-09", ApprovedBy: "cto", DaysLeft: 30,
				Location: diag.Pos{File: planFile, Line: 95, Column: 3}.Range()},
		},
		Positions: map[string]diag.Range{"policy.headroom_min": diag.Pos{File: planFile, Line: 5, Column: 17}.Range()},
	}
	if diff := cmp.Diff(want, d.Plans[0]); diff != "" {
		t.Errorf("PlanDoc (-want +got):\n%s", diff)
	}
	if d.Version != Version || d.Now != "2026-03-10" || d.Month != "2026-03" {
		t.Errorf("document header %s %s %s", d.Version, d.Now, d.Month)
	}
	if c := findPool(t, d, "p", "h100").Contingency; !c.Written || c.ExceedsCapacity {
		t.Errorf("contingency %+v, want written and not exceeded (no demand)", c)
	}
}

// TestDoesNotMutateInput: Evaluate leaves plans and inventory as they were.
func TestDoesNotMutateInput(t *testing.T) {
	p := llmPlan(0.6, fitBenches()...)
	p.Pools["h100"].Reservations = []string{"aws_ec2_capacity_reservation.*"}
	inv := inventoryOf(rsv("aws_ec2_capacity_reservation.b", "z", 1, 6, 8), rsv("aws_ec2_capacity_reservation.a", "y", 2, 1, 8))
	before := *inv
	before.Reservations = append(before.Reservations[:0:0], inv.Reservations...)
	planBefore := *p.Workloads["chat"]
	mustEval(t, Input{Plans: []*schema.Plan{p}, Inventory: inv})
	if diff := cmp.Diff(before, *inv); diff != "" {
		t.Errorf("inventory mutated (-before +after):\n%s", diff)
	}
	if diff := cmp.Diff(planBefore, *p.Workloads["chat"]); diff != "" {
		t.Errorf("workload mutated (-before +after):\n%s", diff)
	}
}

// TestPlanErrors: plans the model cannot evaluate.
func TestPlanErrors(t *testing.T) {
	tests := []struct {
		name     string
		edit     func(p *schema.Plan)
		wantPath string
	}{
		{name: "no horizon", edit: func(p *schema.Plan) { p.HorizonMonths = 0 }, wantPath: "horizon_months"},
		{name: "unknown plan_for", edit: func(p *schema.Plan) { p.PlanFor = "optimistic" }, wantPath: "plan_for"},
		{name: "headroom 1", edit: func(p *schema.Plan) { p.Policy.HeadroomMin = 1 }, wantPath: "policy.headroom_min"},
		{name: "bad domain", edit: func(p *schema.Plan) { p.Policy.Redundancy.Domain = "rack" }, wantPath: "policy.redundancy.domain"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := newPlan("p")
			tc.edit(p)
			p.Positions[tc.wantPath] = at(3, 4)
			_, err := Evaluate(Input{Plans: []*schema.Plan{p}, Now: now})
			ds := testkit.Diagnostics(t, err)
			if len(ds) != 1 || ds[0].Path != tc.wantPath || ds[0].Pos.String() != "capacity/plan.cue:3:4" {
				t.Errorf("diagnostics = %v, want one at capacity/plan.cue:3:4 for %s", ds, tc.wantPath)
			}
		})
	}
}

// TestCostPerTask allocates the pool's cost to its workloads by their
// share of the pool's GPUs in the month and divides by their requests.
// Pool: 16 reserved GPUs at 2/h, so every month costs 16 × 2 × 24 × days
// = 768 × days (demand ceil(6 × 1.05^m) + ceil(2 × 1.05^m) stays under 16
// for the 13 months: 11 + 4 = 15 in month 12, no overflow). api: 6 rps
// peak at 1 rps/GPU, avg 3 rps; search: 2 rps peak, no avg (basis peak).
// GPUs are whole per workload, so the shares move as each rounds up:
//
//	month  1.05^m     api GPUs             search GPUs         shares
//	0      1          6                    2                   6/8, 2/8
//	5      1.2762816  ceil(7.6577) = 8     ceil(2.5526) = 3    8/11, 3/11
//	11     1.7103394  ceil(10.262) = 11    ceil(3.4207) = 4    11/15, 4/15
//
// With moderate growth 0.05 (no as_of: exponent m):
//
//	api per 1,000 requests(m)    = 768·days·share / (3·1.05^m·86 400·days / 1000)
//	                             = 768·share / 259.2 / 1.05^m   (now 576 / 259.2 = 2.2222)
//	search per 1,000 requests(m) = 768·days·share / (2·1.05^m·86.4·days)
//	                             = 768·share / 172.8 / 1.05^m   (now 192 / 172.8 = 1.1111)
//
// "6" is month 5, "12" month 11; Change is "12" over now, minus 1: api
// (11/15)/(6/8)/1.05^11 − 1 = (44/45)/1.71034 − 1 = −0.42832, search
// (4/15)/(2/8)/1.05^11 − 1 = (16/15)/1.71034 − 1 = −0.37634 (a fixed
// reservation spread over growing traffic). Neither is an LLM workload: no
// per-token figure.
func TestCostPerTask(t *testing.T) {
	p := newPlan("p")
	p.HorizonMonths = 13
	setGrowth(p, schema.Moderate, 0.05)
	addPool(p, "h100", 4, "aws_ec2_capacity_reservation.*")
	addInference(p, "api", "h100", 6, 1).RequestsPerS.Avg = fp(3)
	addInference(p, "search", "h100", 2, 1)
	d := mustEval(t, Input{Plans: []*schema.Plan{p}, Inventory: inventoryOf(rsv("aws_ec2_capacity_reservation.a", "z", 1, 2, 8))})
	g := func(m int) float64 { return math.Pow(1.05, float64(m)) }
	tests := []struct {
		workload string
		want     CostPerTaskDoc
	}{
		{"api", CostPerTaskDoc{Basis: "avg", Currency: "USD", PerThousandRequestsNow: 576 / 259.2,
			PerThousandRequestsAt: map[string]float64{"6": 768 * 8 / 11.0 / 259.2 / g(5), "12": 768 * 11 / 15.0 / 259.2 / g(11)},
			Change:                44.0/45/g(11) - 1}},
		{"search", CostPerTaskDoc{Basis: "peak", Currency: "USD", PerThousandRequestsNow: 192 / 172.8,
			PerThousandRequestsAt: map[string]float64{"6": 768 * 3 / 11.0 / 172.8 / g(5), "12": 768 * 4 / 15.0 / 172.8 / g(11)},
			Change:                16.0/15/g(11) - 1}},
	}
	for _, tc := range tests {
		t.Run(tc.workload, func(t *testing.T) {
			got := findWorkload(t, d, "p", tc.workload).CostPerTask
			if got == nil {
				t.Fatal("CostPerTask = nil, want figures")
			}
			if diff := cmp.Diff(tc.want, *got, cmp.Comparer(func(a, b float64) bool { return testkit.Close(a, b) })); diff != "" {
				t.Errorf("CostPerTask (-want +got):\n%s", diff)
			}
		})
	}
}

// TestCostPerTaskLLM: one LLM workload takes the whole pool cost, so its
// cost per million output tokens is the pool's (TestPerMillionOutputTokens:
// 71 424 / 2678.4 = 26.667), and per 1,000 requests it is 71 424 / (5 rps
// × 2 678 400 s / 1000) = 71 424 / 13 392 = 5.3333 (200 tokens a request:
// 26.667 × 200 / 1000). A 2-month horizon reaches no milestone.
func TestCostPerTaskLLM(t *testing.T) {
	p := llmPlan(0.6, fitBenches()...)
	p.Pools["h100"].Reservations = []string{"aws_ec2_capacity_reservation.*"}
	d := mustEval(t, Input{Plans: []*schema.Plan{p}, Inventory: inventoryOf(rsv("aws_ec2_capacity_reservation.a", "z", 1, 6, 8))})
	got := findWorkload(t, d, "p", "chat").CostPerTask
	want := CostPerTaskDoc{Basis: "avg", Currency: "USD", PerThousandRequestsNow: 71424.0 / 13392, PerThousandRequestsAt: map[string]float64{},
		PerMillionOutputTokensNow: 71424 / 2678.4, PerMillionOutputTokensAt: map[string]float64{}}
	if got == nil {
		t.Fatal("CostPerTask = nil, want figures")
	}
	if diff := cmp.Diff(want, *got, cmp.Comparer(func(a, b float64) bool { return testkit.Close(a, b) })); diff != "" {
		t.Errorf("CostPerTask (-want +got):\n%s", diff)
	}
}

// literatureSplit evaluates the split the planning literature calls
// typical, for one month: 100 GPUs reserved at $7, a 400-GPU peak (the
// rest on demand at $10 for 10 hours a day).
func literatureSplit(t *testing.T) *Document {
	t.Helper()
	p := newPlan("p")
	p.HorizonMonths = 1
	pool := addPool(p, "h100", 4, "aws_ec2_capacity_reservation.base")
	pool.Price = schema.Price{Reserved: 7, OnDemand: 10}
	pool.OnDemandHoursPerDay = 10
	w := addInference(p, "api", "h100", 400, 1)
	w.RequestsPerS.Avg = fp(100)
	d := mustEval(t, Input{Plans: []*schema.Plan{p}, Inventory: inventoryOf(rsv("aws_ec2_capacity_reservation.base", "z", 1, 100, 1))})
	return d
}
