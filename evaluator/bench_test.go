package evaluator

import (
	"fmt"
	"testing"

	"github.com/capcheck/capcheck/inventory"

	"github.com/capcheck/capcheck/schema"
)

// benchInput is a synthetic plan with 20 pools over 24 months; each pool has
// three zonal reservations, an LLM workload with a 4-point fitted cost
// model, a non-LLM inference workload and a training workload.
func benchInput() Input {
	p := newPlan("bench")
	p.HorizonMonths = 24
	setGrowth(p, schema.Moderate, 0.05)
	setGrowth(p, schema.Aggressive, 0.12)
	for _, b := range fitBenches() {
		p.Benchmarks[b.ID] = b
	}
	var res []inventory.Entry
	for i := range 20 {
		pool := fmt.Sprintf("pool%02d", i)
		addPool(p, pool, 12, fmt.Sprintf("module.%s.aws_ec2_capacity_reservation.*", pool))
		for z, zone := range []string{"a", "b", "c"} {
			r := rsv(fmt.Sprintf("module.%s.aws_ec2_capacity_reservation.r[%d]", pool, z), "us-east-1"+zone, 10*z+1, 4, 8)
			r.End = "2027-06-30"
			res = append(res, r)
		}
		p.Workloads["chat"+pool] = &schema.Workload{
			Name: "chat" + pool, Kind: schema.KindLLMInference, Pool: pool,
			RequestsPerS:       &schema.Rate{Avg: fp(3), Peak: fp(8)},
			Tokens:             &schema.Tokens{Input: 1500, Output: 200},
			PromptCacheHitRate: 0.5, ModelMix: schema.Mix(map[string]float64{"m": 1}),
			SLO:    &schema.SLO{Availability: 0.999},
			Events: []schema.Event{{Name: "launch", Start: date(2026, 9, 1), End: date(2026, 9, 30), Multiplier: 2}},
		}
		addInference(p, "img"+pool, pool, 12, 2)
		p.Workloads["train"+pool] = &schema.Workload{Name: "train" + pool, Kind: schema.KindTraining, Pool: pool,
			GPUHoursPerMonth: 5000, Runs: []schema.Run{{Name: "big", GPUs: 16, Start: date(2026, 6, 1), End: date(2026, 7, 15)}}}
	}
	return Input{Plans: []*schema.Plan{p}, Inventory: inventoryOf(res...), GPUs: testGPUs, Now: now}
}

func BenchmarkEvaluate(b *testing.B) {
	in := benchInput()
	if _, err := Evaluate(in); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Evaluate(in); err != nil {
			b.Fatal(err)
		}
	}
}
