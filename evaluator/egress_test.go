package evaluator

import (
	"testing"

	"github.com/capcheck/capcheck/internal/testkit"
	"github.com/capcheck/capcheck/schema"
)

// egressPlan is pool us (8 GPUs reserved at 2 a GPU-hour, 12-month
// horizon from 2026-03, no growth) serving workload api: 10 requests/s on
// average (peak 40, 1 request/s per GPU), each moving mb MB to another
// region, with the pool's egress price (nil: none given).
func egressPlan(mb float64, price *float64) Input {
	p := newPlan("p")
	pool := addPool(p, "us", 4, "aws_ec2_capacity_reservation.us*")
	pool.PriceEgressPerGB = price
	w := addInference(p, "api", "us", 40, 1)
	w.RequestsPerS.Avg = fp(10)
	w.EgressMBPerRequest = mb
	inv := inventoryOf(
		rsv("aws_ec2_capacity_reservation.us_a", "us-east-1a", 10, 30, 1),
		rsv("aws_ec2_capacity_reservation.us_b", "us-east-1b", 20, 30, 1),
	)
	return Input{Plans: []*schema.Plan{p}, Inventory: inv}
}

// TestEgressCost: 10 requests/s × 0.5 MB leave the region at 0.02 a GB.
// March 2026 (31 days): 10 × 31 × 86 400 s × 0.5 MB / 1000 = 13 392 GB,
// × 0.02 = 267.84; April (30 days): 12 960 GB, 259.20. The milestones:
// month 6 is August (31 days), run-rate 267.84; months 0–5 are March to
// August, 31 + 30 + 31 + 30 + 31 + 31 = 184 days: 10 × 184 × 86 400 ×
// 0.5 / 1000 = 79 488 GB, × 0.02 = 1 589.76 cumulative; months 0–11 are
// March 2026 to February 2027, 365 days: 157 680 GB, 3 153.60. Every
// figure is the GPU cost of the same plan without egress plus these: the
// pool's monthly cost, its all-on-demand comparator, each strategy's
// total (Σ over the 12 months = 3 153.60) and api's cost per 1,000
// requests (March: 10 × 31 × 86 400 = 26 784 000 requests, so + 267.84 /
// 26 784 = 0.01 per 1,000).
func TestEgressCost(t *testing.T) {
	base := findPool(t, mustEval(t, egressPlan(0, fp(0.02))), "p", "us")
	d := mustEval(t, egressPlan(0.5, fp(0.02)))
	got := findPool(t, d, "p", "us")
	if base.Cost.EgressGBMonthly != nil || base.Cost.EgressMonthly != nil {
		t.Errorf("no egress stated: egress GB %v cost %v, want none", base.Cost.EgressGBMonthly, base.Cost.EgressMonthly)
	}
	if len(got.Cost.EgressGBMonthly) != 12 || !nearAll(got.Cost.EgressGBMonthly[:2], []float64{13392, 12960}) ||
		len(got.Cost.EgressMonthly) != 12 || !nearAll(got.Cost.EgressMonthly[:2], []float64{267.84, 259.20}) {
		t.Errorf("egress GB %v cost %v, want 13392, 12960 … GB and 267.84, 259.20 …", got.Cost.EgressGBMonthly, got.Cost.EgressMonthly)
	}
	for m := range 12 {
		if !testkit.Close(got.Cost.Monthly[m]-base.Cost.Monthly[m], got.Cost.EgressMonthly[m]) ||
			!testkit.Close(got.Cost.AllOnDemandMonthly[m]-base.Cost.AllOnDemandMonthly[m], got.Cost.EgressMonthly[m]) {
			t.Errorf("month %d: monthly %g (without egress %g), all on demand %g (%g), want + egress %g",
				m, got.Cost.Monthly[m], base.Cost.Monthly[m], got.Cost.AllOnDemandMonthly[m], base.Cost.AllOnDemandMonthly[m], got.Cost.EgressMonthly[m])
		}
	}
	for _, tc := range []struct {
		what      string
		got, want float64
	}{
		{"monthly_at 6", got.Cost.MonthlyAt["6"] - base.Cost.MonthlyAt["6"], 267.84},
		{"cumulative_at 6", got.Cost.CumulativeAt["6"] - base.Cost.CumulativeAt["6"], 1589.76},
		{"cumulative_at 12", got.Cost.CumulativeAt["12"] - base.Cost.CumulativeAt["12"], 3153.60},
		{"total", got.Cost.Total - base.Cost.Total, 3153.60},
		{"monthly_cost", got.MonthlyCost - base.MonthlyCost, 267.84},
	} {
		if !testkit.Close(tc.got, tc.want) {
			t.Errorf("%s: + %g with egress, want + %g", tc.what, tc.got, tc.want)
		}
	}
	if len(got.Strategies) != len(base.Strategies) || len(got.Strategies) < 4 {
		t.Fatalf("strategies %+v, want the same four as without egress", got.Strategies)
	}
	for i, s := range got.Strategies {
		// Totals are in cents: the difference is within a cent of 3 153.60.
		if diff := s.Total - base.Strategies[i].Total; s.Name != base.Strategies[i].Name || diff < 3153.59 || diff > 3153.61 {
			t.Errorf("strategy %s total %g, %s without egress %g: want + 3153.60", s.Name, s.Total, base.Strategies[i].Name, base.Strategies[i].Total)
		}
	}
	for _, n := range got.Notes {
		if n.Code == "CAP-EGRESS-PRICE" {
			t.Errorf("note %+v with an egress price given", n)
		}
	}
	var w, bw *CostPerTaskDoc
	for _, wd := range d.Workloads {
		if wd.Name == "api" {
			w = wd.CostPerTask
		}
	}
	for _, wd := range mustEval(t, egressPlan(0, fp(0.02))).Workloads {
		if wd.Name == "api" {
			bw = wd.CostPerTask
		}
	}
	if w == nil || bw == nil || !testkit.Close(w.PerThousandRequestsNow-bw.PerThousandRequestsNow, 0.01) {
		t.Errorf("api cost per task %+v (without egress %+v), want + 0.01 per 1,000 requests", w, bw)
	}
	if s := Summarize(d); len(s) != 1 || !testkit.Close(s[0].EgressMonthly, 267.84) {
		t.Errorf("summary pools %+v, want egress_monthly 267.84", s)
	}
}

// TestEgressWithoutPrice: the same 0.5 MB per request with no
// price_per_gb_egress is not a free transfer: the GB are listed (13 392 in
// March, the most of any month, see TestEgressCost), the cost leaves them
// out, and a CAP-EGRESS-PRICE note at the pool says so. A price of 0 is a
// stated free transfer: egress_monthly is 0 and there is no note.
func TestEgressWithoutPrice(t *testing.T) {
	got := findPool(t, mustEval(t, egressPlan(0.5, nil)), "p", "us")
	base := findPool(t, mustEval(t, egressPlan(0, nil)), "p", "us")
	if len(got.Cost.EgressGBMonthly) != 12 || !testkit.Close(got.Cost.EgressGBMonthly[0], 13392) || got.Cost.EgressMonthly != nil ||
		!testkit.Close(got.Cost.Total, base.Cost.Total) {
		t.Errorf("egress GB %v cost %v total %g, want GB listed, no cost, total %g", got.Cost.EgressGBMonthly, got.Cost.EgressMonthly, got.Cost.Total, base.Cost.Total)
	}
	var note *NoteDoc
	for i, n := range got.Notes {
		if n.Code == "CAP-EGRESS-PRICE" {
			note = &got.Notes[i]
		}
	}
	const msg = "its workloads move up to 13392 GB a month out of region us-east-1 (egress_mb_per_request), but the pool gives no price_per_gb_egress: that egress is not in its cost"
	if note == nil || note.Msg != msg || note.Location.String() != "capacity/plan.cue:10:3" {
		t.Errorf("notes %+v, want CAP-EGRESS-PRICE %q at capacity/plan.cue:10:3", got.Notes, msg)
	}
	free := findPool(t, mustEval(t, egressPlan(0.5, fp(0))), "p", "us")
	if len(free.Cost.EgressMonthly) != 12 || free.Cost.EgressMonthly[0] != 0 || !testkit.Close(free.Cost.Total, base.Cost.Total) {
		t.Errorf("price 0: egress cost %v total %g, want 0 a month, total %g", free.Cost.EgressMonthly, free.Cost.Total, base.Cost.Total)
	}
	for _, n := range free.Notes {
		if n.Code == "CAP-EGRESS-PRICE" {
			t.Errorf("price 0: note %+v", n)
		}
	}
}

// TestEgressByRegion: api (avg 50 requests/s) served 60% from us and 40%
// from eu (regionPlan), 0.5 MB a request, us at 0.02 a GB and eu at 0.05.
// Each pool pays for what it serves: us 30 requests/s × 31 × 86 400 s ×
// 0.5 / 1000 = 40 176 GB in March, × 0.02 = 803.52; eu 20 requests/s:
// 26 784 GB, × 0.05 = 1 339.20. April (30 days): us 38 880 GB, 777.60;
// eu 25 920 GB, 1 296.
func TestEgressByRegion(t *testing.T) {
	p, in := regionPlan(150)
	p.Workloads["api"].RequestsPerS.Avg = fp(50)
	p.Workloads["api"].EgressMBPerRequest = 0.5
	p.Pools["us"].PriceEgressPerGB = fp(0.02)
	p.Pools["eu"].PriceEgressPerGB = fp(0.05)
	d := mustEval(t, in)
	for _, tc := range []struct {
		pool     string
		gb, cost []float64
	}{
		{"us", []float64{40176, 38880}, []float64{803.52, 777.60}},
		{"eu", []float64{26784, 25920}, []float64{1339.20, 1296}},
	} {
		got := findPool(t, d, "p", tc.pool)
		if !nearAll(got.Cost.EgressGBMonthly, tc.gb) || !nearAll(got.Cost.EgressMonthly, tc.cost) {
			t.Errorf("pool %s: egress GB %v cost %v, want %v and %v", tc.pool, got.Cost.EgressGBMonthly, got.Cost.EgressMonthly, tc.gb, tc.cost)
		}
	}
}
