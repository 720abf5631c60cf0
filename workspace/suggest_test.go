package workspace

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/capcheck/capcheck/evaluator"
	"github.com/capcheck/capcheck/internal/testkit"
)

// burstPlan is testdata/script/suggest_hybrid_ondemand.txtar's plan in
// JSON, with max as its on_demand_max_gpus line ("" for none): a hybrid
// pool whose cheapest fix rents 8 GPUs on demand in June–August 2027 and
// raises on_demand_max_gpus 8 → 19 (24/0.7 − 16 = 18.29, see the
// script).
func burstPlan(max string) string {
	return `{
  "name": "burst", "owner": "team-api", "reviewed": "2026-11-10", "horizon_months": 12,
  "policy": {"redundancy": {"n_plus": 1, "domain": "zone"}},
  "scenarios": {"conservative": {"monthly_growth": 0}, "moderate": {"monthly_growth": 0}, "aggressive": {"monthly_growth": 0}},
  "contingency": "Shed free-tier traffic first.",
  "pools": {
    "h100-burst": {
      "gpu": "H100-SXM", "region": "us-east-1", "lead_time_weeks": 0,
      "price_per_gpu_hour": {"reserved": 4, "on_demand": 6},
      "strategy": "hybrid",` + max + `
      "on_demand_hours_per_day": 8, "zones": ["us-east-1a"],
      "reservations": ["aws_ec2_capacity_reservation.burst_*"]
    }
  },
  "workloads": {
    "api": {"kind": "inference", "pool": "h100-burst", "requests_per_s": {"avg": 8, "p95": 8, "peak": 8}, "requests_per_s_per_gpu": 1},
    "summer": {"kind": "inference", "pool": "h100-burst", "requests_per_s": {"avg": 0, "p95": 16, "peak": 16}, "requests_per_s_per_gpu": 1,
      "from": "2027-06-01", "until": "2027-08-31"}
  }
}
`
}

const burstTF = `resource "aws_ec2_capacity_reservation" "burst_a" {
  instance_type     = "p5.48xlarge"
  instance_platform = "Linux/UNIX"
  availability_zone = "us-east-1a"
  instance_count    = 2
}
`

// TestSuggestRaisesCeiling: the raise of on_demand_max_gpus is an edit of
// the plan file that states it (here JSON: only the number changes, and
// the edited file loads through the schema with 19; the diff's only
// lines besides its ---/+++ header are the old and the new one); a pool that states
// none is an error at the pool (capacity/burst.json:7:5, its key),
// and nothing is edited.
func TestSuggestRaisesCeiling(t *testing.T) {
	now := time.Date(2026, 11, 21, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name, max, wantErr string
	}{
		{name: "stated", max: "\n      \"on_demand_max_gpus\": 8,"},
		{name: "not stated", wantErr: "capacity/burst.json:7:5: error: pool h100-burst states no on_demand_max_gpus: add on_demand_max_gpus: 19 to it"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			plan := burstPlan(tc.max)
			root := testkit.TempTree(t, map[string]string{"capacity/burst.json": plan, "infra/main.tf": burstTF})
			s, err := Suggest(context.Background(), root, SuggestOptions{Now: now})
			if err != nil {
				t.Fatal(err)
			}
			ps := s.Suggestions[0]
			if ps.Status != evaluator.SuggestFixed || len(ps.Changes) != 2 || ps.Changes[0].Kind != evaluator.KindOnDemandCeiling || ps.Changes[0].OnDemandMaxGPUs != 19 {
				t.Fatalf("suggestion %s with %+v, want fixed by raising the ceiling to 19 and renting", ps.Status, ps.Changes)
			}
			ed, err := s.Edit(Options{})
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("Edit: %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			want := "-      \"on_demand_max_gpus\": 8,\n+      \"on_demand_max_gpus\": 19,\n"
			if got := string(ed.Diff()); !strings.Contains(got, want) || strings.Count(got, "\n-") != 2 || strings.Count(got, "\n+") != 2 {
				t.Errorf("diff:\n%s\nwant the one line %q changed", got, want)
			}
			if err := ed.Apply(); err != nil {
				t.Fatal(err)
			}
			again, err := Suggest(context.Background(), root, SuggestOptions{Now: now})
			if err != nil {
				t.Fatal(err)
			}
			if ps := again.Suggestions[0]; ps.Status != evaluator.SuggestPass {
				t.Errorf("after apply: %s with %+v, want pass", ps.Status, ps.Changes)
			}
		})
	}
}
