package workspace

import (
	"context"
	"slices"
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
// the plan file (here JSON). A pool that states it has only the number
// changed: the diff's only lines besides its ---/+++ header are the old
// and the new one. A pool that states none gets the field on a line of
// its own after its strategy's, "strategy": "hybrid", (the line the
// hybrid pool must write): one line added, none removed. Either way the
// edited file loads through the schema as the plan with only the
// ceiling changed, and suggest then finds nothing to change.
func TestSuggestRaisesCeiling(t *testing.T) {
	now := time.Date(2026, 11, 21, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name, max, want string
		removed, added  int
	}{
		{name: "stated", max: "\n      \"on_demand_max_gpus\": 8,",
			want: "-      \"on_demand_max_gpus\": 8,\n+      \"on_demand_max_gpus\": 19,\n", removed: 1, added: 1},
		{name: "not stated",
			want: "       \"strategy\": \"hybrid\",\n+      \"on_demand_max_gpus\": 19,\n       \"on_demand_hours_per_day\": 8,", removed: 0, added: 1},
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
			if err != nil {
				t.Fatal(err)
			}
			// Every diff line starts with a newline but the first header.
			if got := string(ed.Diff()); !strings.Contains(got, tc.want) || strings.Count(got, "\n-") != 1+tc.removed || strings.Count(got, "\n+") != 1+tc.added {
				t.Errorf("diff:\n%s\nwant %d line(s) removed and %d added, around %q", got, tc.removed, tc.added, tc.want)
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

// trainCUE is testdata/script/suggest_capacity_block.txtar's plan in CUE,
// claiming its one reservation by ROOT:ADDRESS: serving 8 GPUs on two
// p5.48xlarge (16 GPUs) and a 16-GPU run in January–February 2027, $4
// reserved and $5 a GPU-hour for a capacity block. The fix (see the
// script) is a capacity block of 3 instances for 2027-01-01 …
// 2027-02-28, which the pool's entry does not claim.
const trainCUE = `name:           "train"
owner:          "team-ml"
reviewed:       "2026-11-10"
horizon_months: 12
policy: redundancy: {n_plus: 1, domain: "zone"}
scenarios: {
	conservative: monthly_growth: 0
	moderate: monthly_growth:     0
	aggressive: monthly_growth:   0
}
contingency: "Pause the fine-tuning queue first."
pools: "h100-train": {
	gpu:             "H100-SXM"
	region:          "us-east-1"
	lead_time_weeks: 0
	price_per_gpu_hour: {reserved: 4, on_demand: 6, capacity_block: 5}
	zones: ["us-east-1a"]
	reservations: [
		"infra/train:aws_ec2_capacity_reservation.train_a", // serving
	]
}
workloads: {
	api: {kind: "inference", pool: "h100-train", requests_per_s: {p95: 8, peak: 8}, requests_per_s_per_gpu: 1}
	"llm-v2": {kind: "training", pool: "h100-train", runs: [{name: "v2", gpus: 16, start: "2027-01-04", end: "2027-02-14"}]}
}
`

const trainTF = `resource "aws_ec2_capacity_reservation" "train_a" {
  instance_type     = "p5.48xlarge"
  instance_platform = "Linux/UNIX"
  availability_zone = "us-east-1a"
  instance_count    = 2
}
`

// TestSuggestClaimsAddedBlock: the capacity block the edit adds is not
// claimed by the pool's one entry, so the edit also appends the block's
// address to the CUE list, as ROOT:ADDRESS like the entry there (a line
// like the last, its trailing comma and comment kept); applied, the
// plan claims the block and suggest finds nothing to change.
func TestSuggestClaimsAddedBlock(t *testing.T) {
	now := time.Date(2026, 11, 21, 0, 0, 0, 0, time.UTC)
	root := testkit.TempTree(t, map[string]string{"capacity/train.cue": trainCUE, "infra/train/main.tf": trainTF})
	s, err := Suggest(context.Background(), root, SuggestOptions{Now: now})
	if err != nil {
		t.Fatal(err)
	}
	const block = "aws_ec2_capacity_block_reservation.h100_train_block_2027_01_01_to_2027_02"
	ps := s.Suggestions[0]
	if ps.Status != evaluator.SuggestFixed || len(ps.Changes) != 1 || ps.Changes[0].Address != block {
		t.Fatalf("suggestion %s with %+v, want fixed by adding %s", ps.Status, ps.Changes, block)
	}
	ed, err := s.Edit(Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got := ed.Files(); !slices.Equal(got, []string{"capacity/train.cue", "infra/train/main.tf"}) {
		t.Errorf("files %v, want the plan and the Terraform", got)
	}
	want := "\t\t\"infra/train:aws_ec2_capacity_reservation.train_a\", // serving\n+\t\t\"infra/train:" + block + "\",\n \t]\n"
	if got := string(ed.Diff()); !strings.Contains(got, want) {
		t.Errorf("diff:\n%s\nwant the plan's list to gain %q", got, want)
	}
	if err := ed.Apply(); err != nil {
		t.Fatal(err)
	}
	again, err := Suggest(context.Background(), root, SuggestOptions{Now: now})
	if err != nil {
		t.Fatal(err)
	}
	if ps := again.Suggestions[0]; ps.Status != evaluator.SuggestPass || ps.After.ReservedGPUs != 16 {
		t.Errorf("after apply: %s with %+v (reserved %g), want pass with 16 reserved now", ps.Status, ps.Changes, ps.After.ReservedGPUs)
	}
}
