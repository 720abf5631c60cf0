package evaluator

import (
	"encoding/json"
	"regexp"
	"testing"
	"time"

	"github.com/capcheck/capcheck/internal/diag"
	"github.com/capcheck/capcheck/internal/testkit"
	"github.com/capcheck/capcheck/inventory"
	"github.com/capcheck/capcheck/schema"
)

// TestEventOverBeforeToday: Now is 2026-03-10. A ×3 launch week on 1–5
// March is over: demand, like capacity, is counted from today, so March's
// peak is the plain 10 GPUs (the old model counted 30 and raised a false
// CAP001/CAP002). An event on 9–10 March still holds today: ×2 → 20.
func TestEventOverBeforeToday(t *testing.T) {
	for _, tc := range []struct {
		name       string
		start, end time.Time
		want       float64
	}{
		{name: "over before today", start: date(2026, 3, 1), end: date(2026, 3, 5), want: 10},
		{name: "ends yesterday", start: date(2026, 3, 1), end: date(2026, 3, 9), want: 10},
		{name: "ends today", start: date(2026, 3, 9), end: date(2026, 3, 10), want: 20},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := newPlan("p")
			p.HorizonMonths = 2
			addPool(p, "h100", 4, "aws_ec2_capacity_reservation.*")
			w := addInference(p, "api", "h100", 10, 1)
			w.Events = []schema.Event{{Name: "launch", Start: tc.start, End: tc.end, Multiplier: 2}}
			d := mustEval(t, Input{Plans: []*schema.Plan{p}, Inventory: inventoryOf(rsv("aws_ec2_capacity_reservation.a", "z", 1, 1, 40))})
			if got := findPool(t, d, "p", "h100").Timeline[0].RequiredGPUs; got != tc.want {
				t.Errorf("March required = %g, want %g", got, tc.want)
			}
		})
	}
}

// TestRunOverBeforeToday: a 16-GPU training run on 1–8 March is over on
// 10 March: March needs nothing for it.
func TestRunOverBeforeToday(t *testing.T) {
	p := newPlan("p")
	p.HorizonMonths = 1
	addPool(p, "h100", 4, "aws_ec2_capacity_reservation.*")
	p.Workloads["ft"] = &schema.Workload{Name: "ft", Kind: schema.KindTraining, Pool: "h100",
		Runs: []schema.Run{{Name: "q1", GPUs: 16, Start: date(2026, 3, 1), End: date(2026, 3, 8)}}}
	d := mustEval(t, Input{Plans: []*schema.Plan{p}, Inventory: inventoryOf(rsv("aws_ec2_capacity_reservation.a", "z", 1, 1, 8))})
	if got := findPool(t, d, "p", "h100").Timeline[0].RequiredGPUs; got != 0 {
		t.Errorf("March required = %g, want 0", got)
	}
}

// TestMidnightEndLeavesMonthEmpty: Now is 2026-11-21 (month 0 = 2026-11).
// A 16-GPU reservation ends 2027-03-01T00:00:00Z: it covers nothing of
// 1 March, so capacity is 16 through February (months 0–3) and 0 in
// March (month 4). CAP012's month is 2027-03 and its last day 2027-02-28.
func TestMidnightEndLeavesMonthEmpty(t *testing.T) {
	p := newPlan("p")
	p.HorizonMonths = 6
	addPool(p, "h100", 4, "aws_ec2_capacity_reservation.*")
	addInference(p, "api", "h100", 4, 1)
	r := rsv("aws_ec2_capacity_reservation.a", "z", 1, 2, 8)
	r.End = "2027-03-01T00:00:00Z"
	d := mustEval(t, Input{Plans: []*schema.Plan{p}, Inventory: inventoryOf(r), Now: time.Date(2026, 11, 21, 9, 0, 0, 0, time.UTC)})
	got := findPool(t, d, "p", "h100")
	var caps []float64
	for _, m := range got.Timeline {
		caps = append(caps, m.CapacityGPUs)
	}
	if !nearAll(caps, []float64{16, 16, 16, 16, 0, 0}) || got.Timeline[4].Month != "2027-03" {
		t.Errorf("capacity = %v from %s, want [16 16 16 16 0 0] with 2027-03 fifth", caps, got.Timeline[0].Month)
	}
	if len(got.Expiring) != 1 || got.Expiring[0].Month != "2027-03" || got.Expiring[0].End != "2027-03-01" || got.Expiring[0].LastDay != "2027-02-28" {
		t.Errorf("expiring = %+v, want month 2027-03, end 2027-03-01, last day 2027-02-28", got.Expiring)
	}
}

// TestOrderByDate: 100 reserved GPUs; demand 50 until a ×2 step (100 GPUs,
// headroom 0 < 0.30) makes the cliff. Now is 2026-03-10. Order-by is the
// cliff month's first day − ceil(lead weeks × 7) days:
func TestOrderByDate(t *testing.T) {
	for _, tc := range []struct {
		name       string
		step       time.Time
		weeks      float64
		wantCliff  string
		wantDate   string
		wantPassed bool
	}{
		// 2026-07-01 − 56 days = 2026-05-06: ahead.
		{name: "ahead", step: date(2026, 7, 1), weeks: 8, wantCliff: "2026-07", wantDate: "2026-05-06"},
		// 2026-05-01 − 56 days = 2026-03-06, before 10 March: passed.
		{name: "passed", step: date(2026, 5, 1), weeks: 8, wantCliff: "2026-05", wantDate: "2026-03-06", wantPassed: true},
		// 2026-04-01 − 7 days = 2026-03-25: still ahead, though its month
		// is Now's (a month-level order-by would have said passed).
		{name: "this month, still ahead", step: date(2026, 4, 1), weeks: 1, wantCliff: "2026-04", wantDate: "2026-03-25"},
		// 2026-04-01 − 22 days = 2026-03-10 = today: no day left, passed.
		{name: "today", step: date(2026, 4, 1), weeks: 22.0 / 7, wantCliff: "2026-04", wantDate: "2026-03-10", wantPassed: true},
		// 1.5 weeks = 10.5 days round up to 11: 2026-04-01 − 11 = 2026-03-21.
		{name: "part day rounds up", step: date(2026, 4, 1), weeks: 1.5, wantCliff: "2026-04", wantDate: "2026-03-21"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := newPlan("p")
			sc := p.Scenarios[schema.Moderate]
			sc.Steps = []schema.StepEvent{{Name: "launch", At: tc.step, Multiplier: 2}}
			p.Scenarios[schema.Moderate] = sc
			addPool(p, "h100", tc.weeks, "aws_ec2_capacity_reservation.*")
			addInference(p, "api", "h100", 50, 1)
			got := findPool(t, mustEval(t, Input{Plans: []*schema.Plan{p}, Inventory: inventoryOf(rsv("aws_ec2_capacity_reservation.a", "z", 1, 100, 1))}), "p", "h100")
			if got.Cliff != tc.wantCliff || got.OrderByDate != tc.wantDate || got.OrderBy != tc.wantDate[:7] || got.OrderByPassed != tc.wantPassed {
				t.Errorf("cliff %s order-by %s (%s) passed %v, want %s %s %v", got.Cliff, got.OrderByDate, got.OrderBy, got.OrderByPassed, tc.wantCliff, tc.wantDate, tc.wantPassed)
			}
		})
	}
}

// TestCostMilestones24: the default 24-month horizon (months 0–23 from
// 2026-03). 10 GPUs reserved at 2/h, 10 required: a month costs 10 × 2 ×
// 24 × days = 480 × days. Run-rate at n is month n−1's; cumulative at n is
// months 0 … n−1:
//
//	 6: month 5 = 2026-08 (31 d) → 14 880; Mar–Aug = 184 d → 88 320
//	12: month 11 = 2027-02 (28 d) → 13 440; Mar 2026–Feb 2027 = 365 d → 175 200
//	18: month 17 = 2027-08 (31 d) → 14 880; + Mar–Aug 2027 184 d = 549 d → 263 520
//	24: month 23 = 2028-02 (29 d, leap) → 13 920; Mar 2026–Feb 2028 = 365 + 366 = 731 d → 350 880
func TestCostMilestones24(t *testing.T) {
	p := newPlan("p")
	p.HorizonMonths = 24
	addPool(p, "h100", 4, "aws_ec2_capacity_reservation.*")
	addInference(p, "api", "h100", 10, 1)
	got := findPool(t, mustEval(t, Input{Plans: []*schema.Plan{p}, Inventory: inventoryOf(rsv("aws_ec2_capacity_reservation.a", "z", 1, 10, 1))}), "p", "h100").Cost
	wantRate := map[string]float64{"6": 14880, "12": 13440, "18": 14880, "24": 13920}
	wantCum := map[string]float64{"6": 88320, "12": 175200, "18": 263520, "24": 350880}
	for k := range wantRate {
		if !testkit.Close(got.MonthlyAt[k], wantRate[k]) || !testkit.Close(got.CumulativeAt[k], wantCum[k]) {
			t.Errorf("milestone %s: run-rate %g cumulative %g, want %g %g", k, got.MonthlyAt[k], got.CumulativeAt[k], wantRate[k], wantCum[k])
		}
	}
	if len(got.MonthlyAt) != 4 || len(got.CumulativeAt) != 4 || !testkit.Close(got.Total, 350880) {
		t.Errorf("milestones %v %v total %g, want 4 each and 350 880", got.MonthlyAt, got.CumulativeAt, got.Total)
	}
}

// TestBackedOverTerm: 24 open-ended GPUs, lead 4 weeks (window months
// 0–4), no redundancy owed. Demand is 8 GPUs until a ×2 step on
// 2027-02-01 (month 11) makes it 16. Over the window alone backed would
// be 8/0.7 = 11.43 and 24 > 12.57 → 12.57 unbacked (CAP007: release GPUs
// needed 11 months later). Over the reservation's term (the horizon):
// 16/0.7 = 22.86 and 24 ≤ 22.86 × 1.1 = 25.14: backed.
func TestBackedOverTerm(t *testing.T) {
	p := newPlan("p")
	sc := p.Scenarios[schema.Moderate]
	sc.Steps = []schema.StepEvent{{Name: "launch", At: date(2027, 2, 1), Multiplier: 2}}
	p.Scenarios[schema.Moderate] = sc
	addPool(p, "h100", 4, "aws_ec2_capacity_reservation.*")
	addInference(p, "api", "h100", 8, 1)
	got := findPool(t, mustEval(t, Input{Plans: []*schema.Plan{p}, Inventory: inventoryOf(rsv("aws_ec2_capacity_reservation.a", "z", 1, 24, 1))}), "p", "h100")
	if !testkit.Close(got.BackedGPUs, 16/0.7) || got.UnbackedGPUs != 0 {
		t.Errorf("backed %g unbacked %g, want %g and 0", got.BackedGPUs, got.UnbackedGPUs, 16/0.7)
	}
}

// hybridPlan is the hybrid plan: 16 reserved A100s across two
// zones (8 + 8), an on-demand node group of ng GPUs, a serving workload
// averaging 8 GPUs (8 rps at 1 rps/GPU) and peaking at 30, availability
// 0.999 (N+1 owed), zero growth, lead 8 weeks.
func hybridPlan(strategy string, ng float64) (*schema.Plan, *inventory.Inventory) {
	p := newPlan("p")
	pool := addPool(p, "a100", 8, "aws_ec2_capacity_reservation.*", "aws_eks_node_group.burst")
	pool.GPU, pool.Strategy = "A100", strategy
	w := addInference(p, "api", "a100", 30, 1)
	w.RequestsPerS.Avg = fp(8)
	w.SLO = &schema.SLO{Availability: 0.999}
	a := rsv("aws_ec2_capacity_reservation.a", "us-east-1a", 10, 1, 8)
	b := rsv("aws_ec2_capacity_reservation.b", "us-east-1b", 20, 1, 8)
	a.GPU, b.GPU = "A100", "A100"
	burst := inventory.Entry{Address: "aws_eks_node_group.burst", ResourceType: "aws_eks_node_group",
		Range: diag.Pos{File: "infra/gpu.tf", Line: 30, Column: 1}.Range(), Kind: inventory.KindElastic, InstanceType: "p4d.24xlarge",
		Count: int(ng / 8), GPUsPerInstance: 8, GPUs: ng, GPU: "A100"}
	return p, inventoryOf(a, b, burst)
}

// TestHybridStrategy: the acceptance plan.
//
// hybrid, node group 48: baseline 8 on 16 guaranteed → headroom 1 − 8/16
// = 0.50; burst 30 on 16 + 48 = 64 → 1 − 30/64 = 0.53125; the judged
// month is the baseline's (0.50 ≥ 0.30: no CAP001). N+1 on the baseline:
// 16 − 8 = 8 ≥ 8: ok (no CAP002). No cliff (no CAP005).
//
// hybrid, node group 16: burst 30 on 32 → 1 − 30/32 = 0.0625 < 0.30:
// CAP001, basis burst, short ceil(30/0.7 − 32) = ceil(10.86) = 11.
//
// reserved (default), node group 48: 30 on 16 → 1 − 30/16 = −0.875: the
// elastic GPUs never count. A pool short now has its cliff now (2026-03)
// and its order-by date passed (CAP005 too).
func TestHybridStrategy(t *testing.T) {
	for _, tc := range []struct {
		name      string
		strategy  string
		ng        float64
		wantMin   float64
		wantBasis string
		wantShort float64
		wantNPlus bool
	}{
		{name: "hybrid, 48 burst GPUs", strategy: schema.StrategyHybrid, ng: 48, wantMin: 0.5, wantBasis: "baseline", wantNPlus: true},
		{name: "hybrid, 16 burst GPUs", strategy: schema.StrategyHybrid, ng: 16, wantMin: 0.0625, wantBasis: "burst", wantShort: 11, wantNPlus: true},
		// N+1 on the peak: 16 − 8 = 8 < 30.
		{name: "reserved", strategy: schema.StrategyReserved, ng: 48, wantMin: -0.875, wantBasis: "peak", wantShort: 27, wantNPlus: false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, inv := hybridPlan(tc.strategy, tc.ng)
			got := findPool(t, mustEval(t, Input{Plans: []*schema.Plan{p}, Inventory: inv}), "p", "a100")
			if !testkit.Close(got.MinHeadroom, tc.wantMin) || got.Timeline[0].Basis != tc.wantBasis || got.GPUsShort != tc.wantShort {
				t.Errorf("min headroom %g basis %s short %g, want %g %s %g", got.MinHeadroom, got.Timeline[0].Basis, got.GPUsShort, tc.wantMin, tc.wantBasis, tc.wantShort)
			}
			short := tc.wantShort > 0
			if got.NPlus.OK != tc.wantNPlus || !got.NPlus.Required || (got.Cliff == "2026-03") != short || got.OrderByPassed != short {
				t.Errorf("N+1 ok %v required %v cliff %q passed %v, want ok %v, required, cliff now and passed: %v", got.NPlus.OK, got.NPlus.Required, got.Cliff, got.OrderByPassed, tc.wantNPlus, short)
			}
			if tc.strategy == schema.StrategyHybrid && (got.Timeline[0].BaselineGPUs != 8 || got.ElasticCeilingGPUs != tc.ng || !hasNote(got.Notes, "CAP-ONDEMAND-RISK")) {
				t.Errorf("baseline %g ceiling %g notes %v, want 8, %g and CAP-ONDEMAND-RISK", got.Timeline[0].BaselineGPUs, got.ElasticCeilingGPUs, got.Notes, tc.ng)
			}
		})
	}
}

func hasNote(notes []NoteDoc, code string) bool {
	for _, n := range notes {
		if n.Code == code {
			return true
		}
	}
	return false
}

// TestStrategiesLiterature: the literature's split read from strategies
// (see TestCostLiterature): 100 rps average, 400 peak at 1 rps/GPU,
// reserved 7 vs 10 on demand per GPU-hour, a 10-hour daily peak window;
// March has 31 days (744 h). No SLO: no redundancy owed.
//
//	as-planned (100 reserved): 100 × 7 × 744 + 300 × 10 × 10 × 31 = 1 450 800
//	hybrid: ceil(100/0.7) = 143 reserved: 143 × 7 × 744 = 744 744,
//	        + (400 − 143) × 10 × 10 × 31 = 796 700 → 1 541 444
//	all-on-demand: 400 × 10 × 744 = 2 976 000; hybrid / all = 0.518: about half
//	all-reserved: ceil(400/0.7) = 572 × 7 × 744 = 2 978 976
//
// No elastic ceiling is stated: hybrid and all-on-demand cannot be sure
// of their GPUs (meets_policy false); as-planned has headroom 1 − 400/100
// < 0.30. all-reserved is the cheapest that meets the policy.
func TestStrategiesLiterature(t *testing.T) {
	d := literatureSplit(t)
	got := map[string]StrategyDoc{}
	for _, s := range findPool(t, d, "p", "h100").Strategies {
		got[s.Name] = s
	}
	want := map[string]struct {
		total        float64
		meets, cheap bool
	}{
		StrategyAsPlanned:   {1450800, false, false},
		StrategyHybridPlan:  {1541444, false, false},
		StrategyAllOnDemand: {2976000, false, false},
		StrategyAllReserved: {2978976, true, true},
	}
	if len(got) != len(want) {
		t.Fatalf("strategies %v, want %d", got, len(want))
	}
	for name, w := range want {
		g := got[name]
		if !testkit.Close(g.Total, w.total) || g.MeetsPolicy != w.meets || g.Cheapest != w.cheap {
			t.Errorf("%s: total %g meets %v cheapest %v, want %g %v %v", name, g.Total, g.MeetsPolicy, g.Cheapest, w.total, w.meets, w.cheap)
		}
	}
	if r := got[StrategyHybridPlan].Total / got[StrategyAllOnDemand].Total; r < 0.45 || r > 0.55 {
		t.Errorf("hybrid / all-on-demand = %g, want about half", r)
	}
}

// TestHybridStrategiesMeet: the hybrid acceptance plan (node group 48,
// on demand 5/h, reserved 2/h, 24 h/day, 31-day March, 12 months). The
// hybrid strategy reserves max(ceil(8/0.7) = 12, ceil(8 × 2/1) = 16) = 16
// (N+1 over 2 zones) and rents 30 − 16 = 14; 16 + 48 = 64 ≥ 30/0.7 =
// 42.86: it meets the policy, and so does as-planned (same 16 reserved,
// same cost). March: 16 × 2 × 744 + 14 × 5 × 744 = 23 808 + 52 080 =
// 75 888 for both.
func TestHybridStrategiesMeet(t *testing.T) {
	p, inv := hybridPlan(schema.StrategyHybrid, 48)
	pd := findPool(t, mustEval(t, Input{Plans: []*schema.Plan{p}, Inventory: inv}), "p", "a100")
	for _, s := range pd.Strategies {
		switch s.Name {
		case StrategyAsPlanned, StrategyHybridPlan:
			// run-rate at 6 months: month 5 = 2026-08, 31 days like March.
			if !s.MeetsPolicy || !testkit.Close(s.MonthlyCost["6"], 75888) {
				t.Errorf("%s: meets %v run-rate at 6 %g, want true and 75 888", s.Name, s.MeetsPolicy, s.MonthlyCost["6"])
			}
		}
	}
	if pd.MonthlyCost != 75888 {
		t.Errorf("March cost %g, want 75 888", pd.MonthlyCost)
	}
}

// TestOnDemandMaxCapsOverflow: 8 reserved at 2/h, 10 required, on demand
// 5/h 24 h/day, on_demand_max_gpus 1: 1 GPU is rented, 1 is unserved.
// March: 8 × 2 × 744 + 1 × 5 × 744 = 11 904 + 3 720 = 15 624.
func TestOnDemandMaxCapsOverflow(t *testing.T) {
	p := newPlan("p")
	p.HorizonMonths = 1
	addPool(p, "h100", 4, "aws_ec2_capacity_reservation.*").OnDemandMaxGPUs = 1
	addInference(p, "api", "h100", 10, 1)
	got := findPool(t, mustEval(t, Input{Plans: []*schema.Plan{p}, Inventory: inventoryOf(rsv("aws_ec2_capacity_reservation.a", "z", 1, 1, 8))}), "p", "h100")
	if m := got.Timeline[0]; m.OnDemandGPUs != 1 || m.UnservedGPUs != 1 || m.Cost != 15624 || got.ElasticCeilingGPUs != 1 || !got.ElasticCeilingKnown {
		t.Errorf("on demand %g unserved %g cost %g ceiling %g, want 1 1 15624 1", m.OnDemandGPUs, m.UnservedGPUs, m.Cost, got.ElasticCeilingGPUs)
	}
}

// TestCents: money in strategies is rounded to the cent at the source:
// 195225.59999999998 (a sum of float products) is 195225.6, 0.125 rounds
// half away from zero to 0.13, and a thousandth of a cent is 0.
func TestCents(t *testing.T) {
	for _, tc := range []struct{ x, want float64 }{{195225.59999999998, 195225.6}, {0.125, 0.13}, {0.00001, 0}, {-2.675000001, -2.68}} {
		if got := cents(tc.x); got != tc.want {
			t.Errorf("cents(%v) = %v, want %v", tc.x, got, tc.want)
		}
	}
}

// TestStrategiesInCents: with a price of 0.1 per GPU-hour (not exact in
// binary) every strategy figure marshals with at most two decimals; the
// as-planned 6-month cumulative cost is 8 reserved GPUs × 0.1 × 24 h ×
// (31 + 30 + 31 + 30 + 31 + 31) days (March–August 2026, 184 days) =
// 19.2 × 184 = 3532.8, and the 10 GPUs required fit the 8 + 2 on demand
// at 0.3: + 2 × 0.3 × 24 × 184 = 2649.6 → 6182.4.
func TestStrategiesInCents(t *testing.T) {
	p := newPlan("p")
	p.HorizonMonths = 13
	addPool(p, "h100", 4, "aws_ec2_capacity_reservation.*").Price = schema.Price{Reserved: 0.1, OnDemand: 0.3}
	addInference(p, "api", "h100", 10, 1)
	d := mustEval(t, Input{Plans: []*schema.Plan{p}, Inventory: inventoryOf(rsv("aws_ec2_capacity_reservation.a", "z", 1, 1, 8))})
	pool := findPool(t, d, "p", "h100")
	var asPlanned StrategyDoc
	for _, s := range pool.Strategies {
		if s.Name == StrategyAsPlanned {
			asPlanned = s
		}
		raw, err := json.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		if m := regexp.MustCompile(`\.[0-9]{3,}`).Find(raw); m != nil {
			t.Errorf("strategy %s has a figure finer than a cent (%s): %s", s.Name, m, raw)
		}
	}
	if got := asPlanned.CumulativeCost["6"]; got != 6182.4 {
		t.Errorf("as-planned cumulative cost at 6 months = %v, want 6182.4", got)
	}
}
