package evaluator

import (
	"math"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/capcheck/capcheck/internal/diag"
	"github.com/capcheck/capcheck/inventory"
	"github.com/capcheck/capcheck/schema"
)

// TestCheckFinite: a figure the model computed as NaN or ±Inf is an error
// naming the figure and placed at the pool, workload or plan it came from
// (before, `encode policy input: json: unsupported value: -Inf` had no
// position; issue 10, item 6). One diagnostic per element, so a timeline of
// Inf months is one line.
func TestCheckFinite(t *testing.T) {
	pool := func(savings float64, timeline ...float64) PoolDoc {
		p := PoolDoc{Name: "h100-use1", Plan: "llm", Location: diag.Pos{File: "capacity/llm.cue", Line: 19, Column: 8}.Range()}
		p.Cost.SavingsVsOnDemand = savings
		for _, h := range timeline {
			p.Timeline = append(p.Timeline, MonthDoc{Month: "2027-01", Headroom: h})
		}
		return p
	}
	inf := math.Inf(1)
	tests := []struct {
		name string
		doc  Document
		want diag.Diagnostics
	}{
		{name: "finite", doc: Document{Pools: []PoolDoc{pool(0.3, 0.5, 0.4)}}},
		{
			name: "savings -Inf",
			doc:  Document{Pools: []PoolDoc{pool(math.Inf(-1))}},
			want: diag.Diagnostics{{Range: diag.Pos{File: "capacity/llm.cue", Line: 19, Column: 8}.Range(), Severity: diag.Error,
				Path: "pools[h100-use1].cost.savings_vs_on_demand",
				Msg:  "computed figure is -Inf: the inputs it is derived from are too large or too small to compute with"}},
		},
		{
			name: "first of many in one pool",
			doc:  Document{Pools: []PoolDoc{pool(0.3, math.NaN(), inf, inf)}},
			want: diag.Diagnostics{{Range: diag.Pos{File: "capacity/llm.cue", Line: 19, Column: 8}.Range(), Severity: diag.Error,
				Path: "pools[h100-use1].timeline[2027-01].headroom",
				Msg:  "computed figure is NaN: the inputs it is derived from are too large or too small to compute with"}},
		},
		{
			name: "a workload's months, a plan's cost and the base tree",
			doc: Document{
				Plans:     []PlanDoc{{Name: "llm", Range: diag.Pos{File: "capacity/llm.cue", Line: 1}.Range(), ProjectedMonthly: inf}},
				Workloads: []WorkloadDoc{{Name: "chat", Location: diag.Pos{File: "capacity/llm.cue", Line: 31, Column: 12}.Range(), GPUs: []float64{1, inf}}},
				Base:      &Document{Pools: []PoolDoc{pool(inf)}},
			},
			want: diag.Diagnostics{
				{Range: diag.Pos{File: "capacity/llm.cue", Line: 1}.Range(), Severity: diag.Error, Path: "plans[llm].projected_monthly_cost",
					Msg: "computed figure is +Inf: the inputs it is derived from are too large or too small to compute with"},
				{Range: diag.Pos{File: "capacity/llm.cue", Line: 19, Column: 8}.Range(), Severity: diag.Error, Path: "base.pools[h100-use1].cost.savings_vs_on_demand",
					Msg: "computed figure is +Inf: the inputs it is derived from are too large or too small to compute with"},
				{Range: diag.Pos{File: "capacity/llm.cue", Line: 31, Column: 12}.Range(), Severity: diag.Error, Path: "workloads[chat].gpus[1]",
					Msg: "computed figure is +Inf: the inputs it is derived from are too large or too small to compute with"},
			},
		},
		{
			// A reservation embeds its diag.Range: the diagnostic is at the
			// block's start, column included (before, File and Line were
			// read by name and the column was lost: infra/gpu.tf:12).
			name: "a reservation at its line and column",
			doc: Document{Reservations: []inventory.Entry{{Address: "aws_ec2_capacity_reservation.h100", GPUs: math.NaN(),
				Range: diag.Range{Pos: diag.Pos{File: "infra/gpu.tf", Line: 12, Column: 3}, EndLine: 18, EndColumn: 4}}}},
			want: diag.Diagnostics{{Range: diag.Pos{File: "infra/gpu.tf", Line: 12, Column: 3}.Range(), Severity: diag.Error,
				Path: "reservations[aws_ec2_capacity_reservation.h100].gpus",
				Msg:  "computed figure is NaN: the inputs it is derived from are too large or too small to compute with"}},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.doc.CheckFinite()
			var got diag.Diagnostics
			if err != nil {
				got = err.(diag.Diagnostics)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("CheckFinite (-want +got):\n%s", diff)
			}
		})
	}
}

// TestEvaluatedDocumentIsFinite: the document of the golden test's plan
// passes the guard (a guard that rejected real output would show here).
func TestEvaluatedDocumentIsFinite(t *testing.T) {
	p := llmPlan(0.6, fitBenches()...)
	a := rsv("aws_ec2_capacity_reservation.h100[0]", "us-east-1a", 10, 3, 8)
	d := mustEval(t, Input{Plans: []*schema.Plan{p}, Inventory: inventoryOf(a)})
	if err := d.CheckFinite(); err != nil {
		t.Errorf("CheckFinite = %v", err)
	}
}
