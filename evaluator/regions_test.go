package evaluator

import (
	"testing"

	"github.com/capcheck/capcheck/internal/testkit"
	"github.com/capcheck/capcheck/schema"
)

// regionPlan serves workload api (inference, peak 100 requests/s at 1 per
// GPU, no growth) 60% from pool us (us-east-1, 160 GPUs) and 40% from
// pool eu (eu-west-1, euGPUs), under redundancy domain region, N+1.
func regionPlan(euGPUs int) (*schema.Plan, Input) {
	p := newPlan("p")
	p.HorizonMonths = 2
	p.Policy.Redundancy.Domain = "region"
	addPool(p, "us", 4, "aws_ec2_capacity_reservation.us*")
	eu := addPool(p, "eu", 4, "aws_ec2_capacity_reservation.eu*")
	eu.Region = "eu-west-1"
	w := addInference(p, "api", "", 100, 1)
	w.Pools = map[string]float64{"us": 0.6, "eu": 0.4}
	p.Positions["workloads.api.pools"] = at(30, 12)
	inv := inventoryOf(
		rsv("aws_ec2_capacity_reservation.us_a", "us-east-1a", 10, 80, 1),
		rsv("aws_ec2_capacity_reservation.us_b", "us-east-1b", 20, 80, 1),
		rsv("aws_ec2_capacity_reservation.eu_a", "eu-west-1a", 30, euGPUs/2, 1),
		rsv("aws_ec2_capacity_reservation.eu_b", "eu-west-1b", 40, euGPUs-euGPUs/2, 1),
	)
	return p, Input{Plans: []*schema.Plan{p}, Inventory: inv}
}

// TestRegionFailover (N+1 across regions): api's parts need 0.6 × 100 =
// 60 GPUs in us and 0.4 × 100 = 40 in eu. Losing its largest region,
// us-east-1 (60% of its traffic), eu carries all of it: 40 / 0.4 = 100
// requests/s, 100 GPUs. With 150 GPUs in eu the headroom is 1 − 100/150
// = 33.3% ≥ 30%: it survives. With 140, 1 − 100/140 = 28.6% < 30% from
// the first month (2026-03): it does not. Under domain zone nothing is
// judged.
func TestRegionFailover(t *testing.T) {
	for _, tc := range []struct {
		eu       int
		ok       bool
		headroom float64
	}{{150, true, 1 - 100.0/150}, {140, false, 1 - 100.0/140}} {
		_, in := regionPlan(tc.eu)
		d := mustEval(t, in)
		if got := findPoolWorkloadGPUs(t, d, "api"); !nearAll(got, []float64{40, 40, 60, 60}) {
			t.Errorf("api's GPUs by pool (eu, us) = %v, want 40, 60 a month", got)
		}
		if len(d.RegionFailover) != 1 {
			t.Fatalf("RegionFailover = %+v, want one", d.RegionFailover)
		}
		r := d.RegionFailover[0]
		if r.OK != tc.ok || r.Pool != "eu" || r.Month != "2026-03" || !testkit.Close(r.Headroom, tc.headroom) ||
			!testkit.Close(r.RequiredGPUs, 100) || !testkit.Close(r.CapacityGPUs, float64(tc.eu)) ||
			len(r.LostRegions) != 1 || r.LostRegions[0] != "us-east-1" || !testkit.Close(r.LostShare, 0.6) ||
			r.Location != at(30, 12).Range() {
			t.Errorf("eu %d GPUs: RegionFailover = %+v, want ok %v at headroom %.4f (100 of %d GPUs in eu, 2026-03) after losing us-east-1 (60%%)",
				tc.eu, r, tc.ok, tc.headroom, tc.eu)
		}
	}
	p, in := regionPlan(140)
	p.Policy.Redundancy.Domain = "zone"
	if d := mustEval(t, in); len(d.RegionFailover) != 0 {
		t.Errorf("domain zone: RegionFailover = %+v, want none", d.RegionFailover)
	}
}

// findPoolWorkloadGPUs is the GPUs of every part of workload name, in
// document order (pool order), concatenated.
func findPoolWorkloadGPUs(t *testing.T, d *Document, name string) []float64 {
	t.Helper()
	var out []float64
	for _, w := range d.Workloads {
		if w.Name == name {
			out = append(out, w.GPUs...)
		}
	}
	return out
}
