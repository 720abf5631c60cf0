package evaluator

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/capcheck/capcheck/internal/testkit"
	"github.com/capcheck/capcheck/inventory"
	"github.com/capcheck/capcheck/schema"
)

// spotPool is plan p, horizon 1 (March 2026: 31 days, 744 h; Now is
// 10 March): pool h100 at 2 reserved / 5 on demand per GPU-hour and the
// given spot price, holding 8 reserved GPUs, a node group of 16 GPUs and
// a spot node group of 4; an inference workload needing 8 GPUs (no
// overflow) and an interruptible 6-GPU run that lasts all month.
func spotPool(t *testing.T, spot float64) PoolDoc {
	t.Helper()
	p := newPlan("p")
	p.HorizonMonths = 1
	pool := addPool(p, "h100", 4, "aws_ec2_capacity_reservation.*", "aws_eks_node_group.*")
	pool.Price.Spot = spot
	addInference(p, "api", "h100", 8, 1)
	p.Workloads["sweep"] = &schema.Workload{Name: "sweep", Kind: schema.KindTraining, Pool: "h100", Interruptible: true,
		Runs: []schema.Run{{Name: "sweep", GPUs: 6}}}
	group := func(addr string, gpus int, spot bool) inventory.Entry {
		r := rsv(addr, "z", 30, gpus, 1)
		r.ResourceType, r.Kind, r.Guaranteed, r.Spot = "aws_eks_node_group", inventory.KindElastic, false, spot
		return r
	}
	inv := inventoryOf(rsv("aws_ec2_capacity_reservation.a", "z", 1, 8, 1),
		group("aws_eks_node_group.ondemand", 16, false), group("aws_eks_node_group.spot", 4, true))
	return findPool(t, mustEval(t, Input{Plans: []*schema.Plan{p}, Inventory: inv}), "p", "h100")
}

// TestSpotInAsPlannedCost: the pool's Terraform declares 4 spot GPUs, so
// the as-planned cost puts interruptible work there at the spot price
// (1.5) and rents only the rest on demand:
//
//	reserved       8 × 2 × 744   = 11 904
//	on spot        4 × 1.5 × 744 =  4 464
//	on demand      2 × 5 × 744   =  7 440
//	total                          23 808
//
// Spot capacity never serves: the elastic GPUs and the ceiling are the 16
// of the on-demand group, not 20. spot-for-interruptible puts all 6 on
// spot: 11 904 + 6 × 1.5 × 744 = 11 904 + 6 696 = 18 600.
func TestSpotInAsPlannedCost(t *testing.T) {
	got := spotPool(t, 1.5)
	m := got.Timeline[0]
	if m.SpotGPUs != 4 || m.OnSpotGPUs != 4 || m.OnDemandGPUs != 2 || m.InterruptibleGPUs != 6 || !testkit.Close(m.Cost, 23808) {
		t.Errorf("March: spot %g on spot %g on demand %g interruptible %g cost %g, want 4, 4, 2, 6, 23808",
			m.SpotGPUs, m.OnSpotGPUs, m.OnDemandGPUs, m.InterruptibleGPUs, m.Cost)
	}
	if !testkit.Close(got.Cost.Monthly[0], 23808) || got.SpotGPUs != 4 || got.ElasticGPUs != 16 || got.ElasticCeilingGPUs != 16 {
		t.Errorf("cost %v spot %g elastic %g ceiling %g, want [23808], 4, 16, 16", got.Cost.Monthly, got.SpotGPUs, got.ElasticGPUs, got.ElasticCeilingGPUs)
	}
	if got.Inputs.PriceSpot != 1.5 {
		t.Errorf("inputs price_spot = %g, want 1.5", got.Inputs.PriceSpot)
	}
	costs := map[string]float64{}
	for _, s := range got.Strategies {
		costs[s.Name] = s.Total
	}
	if !testkit.Close(costs[StrategyAsPlanned], 23808) || !testkit.Close(costs[StrategySpotForInterruptible], 18600) {
		t.Errorf("strategy totals %v, want as-planned 23808 and spot-for-interruptible 18600", costs)
	}
	for _, n := range got.Notes {
		if n.Code == "CAP-SPOT-PRICE" {
			t.Errorf("note %+v with a spot price given", n)
		}
	}
}

// TestSpotWithoutPrice: the same pool without a spot price. Its spot GPUs
// are not free: the 4 on spot are costed on demand, 11 904 + 4 × 5 × 744
// + 2 × 5 × 744 = 11 904 + 14 880 + 7 440 = 34 224, and a CAP-SPOT-PRICE
// note says so; spot-for-interruptible has no price to be computed with.
func TestSpotWithoutPrice(t *testing.T) {
	got := spotPool(t, 0)
	if !testkit.Close(got.Cost.Monthly[0], 34224) || got.Timeline[0].OnSpotGPUs != 4 {
		t.Errorf("cost %v on spot %g, want [34224] and 4", got.Cost.Monthly, got.Timeline[0].OnSpotGPUs)
	}
	var note *NoteDoc
	for i, n := range got.Notes {
		if n.Code == "CAP-SPOT-PRICE" {
			note = &got.Notes[i]
		}
	}
	const msg = "up to 4 interruptible GPUs run on the pool's spot capacity, but price_per_gpu_hour gives no spot price: they are costed at the on-demand price (5 per GPU-hour)"
	if note == nil || note.Msg != msg || note.Location.String() != "capacity/plan.cue:10:3" {
		t.Errorf("notes %+v, want CAP-SPOT-PRICE %q at capacity/plan.cue:10:3", got.Notes, msg)
	}
	for _, s := range got.Strategies {
		if s.Name == StrategySpotForInterruptible {
			t.Errorf("strategy %s without a spot price", s.Name)
		}
	}
}

// TestScenariosJudgedByStrategy: a hybrid pool, 16 reserved GPUs (8 per
// zone) and on_demand_max_gpus 48 (ceiling 48); 30 rps peak, 4 average, at
// 1 rps per GPU; headroom_min 0.30; moderate growth 0, aggressive 50% a
// month. Each month is judged on the constraint with the lower headroom:
//
//	aggressive m  baseline ceil(4 × 1.5^m)  on 16   peak ceil(30 × 1.5^m)  on 16 + 48 = 64
//	0 (2026-03)   4   h 0.75                        30   h 0.53125           → burst
//	1 (2026-04)   6   h 0.625                       45   h 0.296875 < 0.30   → burst, the cliff
//	2 (2026-05)   9   h 0.4375                      68   h −0.0625           → burst, 68 > 64
//	3 (2026-06)   14  h 0.125                       102  h −0.59375          → burst
//
// so the aggressive scenario's cliff is 2026-04 and the contingency
// exceeds capacity first in 2026-05 (68 of 64, basis burst). Judged as a
// reserved pool (guaranteed 16 against the peak 30), both would be
// 2026-03. Moderate: baseline 4 on 16 (0.75), peak 30 on 64 (0.53125):
// no cliff.
func TestScenariosJudgedByStrategy(t *testing.T) {
	p := newPlan("p")
	p.HorizonMonths = 4
	setGrowth(p, schema.Aggressive, 0.5)
	pool := addPool(p, "h100", 4, "aws_ec2_capacity_reservation.*")
	pool.Strategy, pool.OnDemandMaxGPUs = schema.StrategyHybrid, 48
	addInference(p, "api", "h100", 30, 1).RequestsPerS.Avg = fp(4)
	inv := inventoryOf(rsv("aws_ec2_capacity_reservation.a", "us-east-1a", 1, 8, 1), rsv("aws_ec2_capacity_reservation.b", "us-east-1b", 10, 8, 1))
	got := findPool(t, mustEval(t, Input{Plans: []*schema.Plan{p}, Inventory: inv}), "p", "h100")

	agg := got.Scenarios[schema.Aggressive]
	if agg.Cliff != "2026-04" || !testkit.Close(agg.MinHeadroom, -0.59375) || agg.RequiredGPUsPeak != 102 {
		t.Errorf("aggressive: cliff %q min headroom %g peak %g, want 2026-04, -0.59375, 102", agg.Cliff, agg.MinHeadroom, agg.RequiredGPUsPeak)
	}
	want := MonthDoc{Month: "2026-05", CapacityGPUs: 16, RequiredGPUs: 68, Headroom: -0.0625,
		OnDemandGPUs: 48, UnservedGPUs: 4, CeilingGPUs: 48, BaselineGPUs: 9,
		Basis: "burst", JudgedCapacityGPUs: 64, JudgedRequiredGPUs: 68}
	m2 := agg.Timeline[2]
	m2.Cost = 0
	if diff := cmp.Diff(want, m2); diff != "" {
		t.Errorf("aggressive 2026-05 (-want +got):\n%s", diff)
	}
	wantC := ContingencyDoc{Scenario: "aggressive", ExceedsCapacity: true, FirstMonth: "2026-05", RequiredGPUs: 68, CapacityGPUs: 64, Basis: "burst"}
	if diff := cmp.Diff(wantC, got.Contingency); diff != "" {
		t.Errorf("Contingency (-want +got):\n%s", diff)
	}
	if mod := got.Scenarios[schema.Moderate]; mod.Cliff != "" || !testkit.Close(mod.MinHeadroom, 0.53125) {
		t.Errorf("moderate: cliff %q min headroom %g, want none and 0.53125", mod.Cliff, mod.MinHeadroom)
	}
	if got.Cliff != "" || got.Timeline[0].Basis != "burst" {
		t.Errorf("plan_for: cliff %q basis %s, want none and burst", got.Cliff, got.Timeline[0].Basis)
	}
}
