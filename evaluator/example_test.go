package evaluator_test

import (
	"fmt"
	"time"

	"github.com/capcheck/capcheck/inventory"

	"github.com/capcheck/capcheck/evaluator"
	"github.com/capcheck/capcheck/internal/diag"
	"github.com/capcheck/capcheck/schema"
)

// ExampleEvaluate evaluates a plan with one pool of 4 × 8 H100 GPUs across
// two zones, lead time 8 weeks, serving an image model whose peak of 12
// requests/s grows 10% a month, at 1 request/s per GPU.
//
// By hand: required(m) = ceil(12 × 1.1^m) whole GPUs. The commit window
// is months 0..5 (L = ceil(56/30.436875) = 2, plus 3); its lowest headroom
// is in 2026-08: 12 × 1.1^5 = 19.326 → 20, 1 − 20/32 = 0.375. Headroom
// first drops below 0.30 when required > 22.4: m = 6 needs ceil(21.26) =
// 22, m = 7 (2026-10) ceil(23.38) = 24, so order by 2026-08. Losing a zone
// leaves 16 GPUs for 20 required: N+1 fails. March: 32 × 2.5 × 744 h =
// 59 520.
func ExampleEvaluate() {
	peak := 12.0
	plan := &schema.Plan{
		File: "capacity/plan.cue", Pos: diag.Pos{File: "capacity/plan.cue", Line: 1, Column: 1},
		Name: "vision", HorizonMonths: 12,
		Policy: schema.Policy{HeadroomMin: 0.30, Redundancy: schema.Redundancy{NPlus: 1, Domain: "zone"}, UnbackedTolerance: 0.10},
		Scenarios: map[string]schema.Scenario{
			schema.Conservative: {MonthlyGrowth: 0.05}, schema.Moderate: {MonthlyGrowth: 0.10}, schema.Aggressive: {MonthlyGrowth: 0.20},
		},
		PlanFor: schema.Moderate, ContingencyFor: schema.Aggressive,
		Pools: map[string]*schema.Pool{"h100-use1": {
			Name: "h100-use1", GPU: "H100-SXM", LeadTimeWeeks: 8,
			Price:        schema.Price{Reserved: 2.5, OnDemand: 6},
			Reservations: []string{"aws_ec2_capacity_reservation.h100"},
		}},
		Workloads: map[string]*schema.Workload{"detect": {
			Name: "detect", Kind: schema.KindInference, Pool: "h100-use1",
			RequestsPerS: &schema.Rate{Peak: &peak}, RequestsPerSPerGPU: 1,
			SLO: &schema.SLO{Availability: 0.999},
		}},
	}
	res := func(i int, zone string) inventory.Entry {
		return inventory.Entry{
			Address: fmt.Sprintf("aws_ec2_capacity_reservation.h100[%d]", i), Range: diag.Pos{File: "infra/gpu.tf", Line: 3}.Range(),
			Kind: inventory.KindReservation, InstanceType: "p5.48xlarge", Count: 2, GPUsPerInstance: 8, GPUs: 16,
			GPU: "H100-SXM", Zone: zone, Guaranteed: true,
		}
	}
	doc, err := evaluator.Evaluate(evaluator.Input{
		Plans:     []*schema.Plan{plan},
		Inventory: &inventory.Inventory{Reservations: []inventory.Entry{res(0, "us-east-1a"), res(1, "us-east-1b")}},
		Now:       time.Date(2026, 3, 10, 0, 0, 0, 0, time.UTC),
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	p := doc.Pools[0]
	fmt.Printf("pool %s: %g GPUs reserved, %g required now\n", p.Name, p.ReservedGPUs, p.RequiredGPUsNow)
	fmt.Printf("min headroom %.3f in %s (commit window to %s)\n", p.MinHeadroom, p.MinHeadroomMonth, p.CommitWindowEnd)
	fmt.Printf("cliff %s, order by %s\n", p.Cliff, p.OrderBy)
	fmt.Printf("N+%d by %s ok: %v (%g GPUs left for %.2f required in %s)\n",
		p.NPlus.K, p.NPlus.Domain, p.NPlus.OK, p.NPlus.CapacityAfterLoss, p.NPlus.RequiredGPUs, p.NPlus.Month)
	fmt.Printf("first month costs %.0f\n", p.MonthlyCost)
	// Output:
	// pool h100-use1: 32 GPUs reserved, 12 required now
	// min headroom 0.375 in 2026-08 (commit window to 2026-08)
	// cliff 2026-10, order by 2026-08
	// N+1 by zone ok: false (16 GPUs left for 20.00 required in 2026-08)
	// first month costs 59520
}
