package evaluator

import (
	"testing"
	"time"

	"github.com/capcheck/capcheck/evaluator/catalog"
	"github.com/capcheck/capcheck/internal/diag"
	"github.com/capcheck/capcheck/internal/testkit"
	"github.com/capcheck/capcheck/inventory"
	"github.com/capcheck/capcheck/schema"
)

// now is 2026-03-10: month 0 is 2026-03 (31 days = 744 h), then 2026-04
// (30 days = 720 h), 2026-05 (31), 2026-06 (30), 2026-07 (31), 2026-08 (31).
var now = time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)

const planFile = "capacity/plan.cue"

func at(line, col int) diag.Pos { return diag.Pos{File: planFile, Line: line, Column: col} }

func date(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

func fp(v float64) *float64 { return &v }

// newPlan is a plan with zero growth in every scenario, headroom_min 0.30,
// N+1 across zones, unbacked tolerance 0.10 and a 12-month horizon.
func newPlan(name string) *schema.Plan {
	return &schema.Plan{
		File:          planFile,
		Pos:           at(1, 1),
		Name:          name,
		Owner:         "ml-platform",
		HorizonMonths: 12,
		Policy: schema.Policy{
			HeadroomMin:         0.30,
			Redundancy:          schema.Redundancy{NPlus: 1, Domain: "zone"},
			UnbackedTolerance:   0.10,
			BenchmarkMaxAgeDays: 180,
			ReviewMaxAgeDays:    92,
		},
		Scenarios: map[string]schema.Scenario{
			schema.Conservative: {}, schema.Moderate: {}, schema.Aggressive: {},
		},
		PlanFor:        schema.Moderate,
		ContingencyFor: schema.Aggressive,
		Pools:          map[string]*schema.Pool{},
		Workloads:      map[string]*schema.Workload{},
		Benchmarks:     map[string]*schema.Benchmark{},
		Positions:      map[string]diag.Pos{},
	}
}

func setGrowth(p *schema.Plan, scenario string, g float64) {
	sc := p.Scenarios[scenario]
	sc.MonthlyGrowth = g
	p.Scenarios[scenario] = sc
}

// addPool adds an H100-SXM pool priced 2 reserved / 5 on demand per GPU-hour.
func addPool(p *schema.Plan, name string, leadWeeks float64, patterns ...string) *schema.Pool {
	pl := &schema.Pool{
		Name: name, Pos: at(10, 3), GPU: "H100-SXM", Region: "us-east-1",
		LeadTimeWeeks: leadWeeks, Price: schema.Price{Reserved: 2, OnDemand: 5},
		Reservations: patterns, OnDemandHoursPerDay: 24,
	}
	p.Pools[name] = pl
	return pl
}

// addInference adds a non-LLM inference workload: peak rps, perGPU rps per GPU.
func addInference(p *schema.Plan, name, pool string, peak, perGPU float64) *schema.Workload {
	w := &schema.Workload{
		Name: name, Pos: at(30, 3), Kind: schema.KindInference, Pool: pool,
		RequestsPerS: &schema.Rate{Peak: fp(peak)}, RequestsPerSPerGPU: perGPU,
	}
	p.Workloads[name] = w
	return w
}

// rsv is a guaranteed H100-SXM reservation of count instances.
func rsv(addr, zone string, line, count int, gpusPer float64) inventory.Entry {
	return inventory.Entry{
		Address: addr, ResourceType: "aws_ec2_capacity_reservation",
		Range: diag.Range{Pos: diag.Pos{File: "infra/gpu.tf", Line: line, Column: 1}, EndLine: line + 5},
		Kind:  inventory.KindReservation, InstanceType: "p5.48xlarge",
		Count: count, GPUsPerInstance: gpusPer, GPUs: float64(count) * gpusPer,
		GPU: "H100-SXM", Zone: zone, Guaranteed: true,
	}
}

func inventoryOf(rs ...inventory.Entry) *inventory.Inventory {
	return &inventory.Inventory{Reservations: rs}
}

// fakeGPUs is a GPU catalog for tests.
type fakeGPUs map[string]catalog.GPU

func (f fakeGPUs) GPU(name string) (catalog.GPU, bool) { g, ok := f[name]; return g, ok }

var testGPUs = fakeGPUs{
	"H100-SXM": {Name: "H100-SXM", HBMBandwidthTBs: 4},
	"SLOW":     {Name: "SLOW", HBMBandwidthTBs: 2},
}

func mustEval(t *testing.T, in Input) *Document {
	t.Helper()
	if in.Now.IsZero() {
		in.Now = now
	}
	if in.GPUs == nil {
		in.GPUs = testGPUs
	}
	d, err := Evaluate(in)
	if err != nil {
		t.Fatalf("Evaluate: %v", err)
	}
	return d
}

func findPool(t *testing.T, d *Document, plan, name string) PoolDoc {
	t.Helper()
	for _, p := range d.Pools {
		if p.Plan == plan && p.Name == name {
			return p
		}
	}
	t.Fatalf("pool %s/%s not in document", plan, name)
	return PoolDoc{}
}

func findWorkload(t *testing.T, d *Document, plan, name string) WorkloadDoc {
	t.Helper()
	for _, w := range d.Workloads {
		if w.Plan == plan && w.Name == name {
			return w
		}
	}
	t.Fatalf("workload %s/%s not in document", plan, name)
	return WorkloadDoc{}
}

func nearAll(got, want []float64) bool {
	if len(got) != len(want) {
		return false
	}
	for i := range got {
		if !testkit.Close(got[i], want[i]) {
			return false
		}
	}
	return true
}
