package evaluator

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/capcheck/capcheck/internal/testkit"
	"github.com/capcheck/capcheck/schema"
)

// suggestCase is the pool of issue 19: p5.48xlarge reservations (8 GPUs
// each) in us-east-1a and us-east-1b, a constant 20-GPU peak (20 rps at
// 1 rps per GPU, no growth), headroom_min 30% and N+1 across zones when
// the SLO (0.999) owes it, zones a, b and c allowed.
func suggestCase(lead float64, sla bool) (*schema.Plan, *schema.Pool, Input) {
	p := newPlan("serve")
	pool := addPool(p, "h100", lead, "aws_ec2_capacity_reservation.*")
	pool.Zones = []string{"us-east-1a", "us-east-1b", "us-east-1c"}
	w := addInference(p, "api", "h100", 20, 1)
	if sla {
		w.SLO = &schema.SLO{Availability: 0.999}
	}
	in := Input{Plans: []*schema.Plan{p}, GPUs: testGPUs, Now: now,
		Inventory: inventoryOf(rsv("aws_ec2_capacity_reservation.a", "us-east-1a", 1, 1, 8), rsv("aws_ec2_capacity_reservation.b", "us-east-1b", 10, 1, 8))}
	return p, pool, in
}

func mustSuggest(t *testing.T, in Input) *SuggestDoc {
	t.Helper()
	d, err := Suggest(in)
	if err != nil {
		t.Fatalf("Suggest: %v", err)
	}
	return d
}

// passesEverywhere evaluates in with d's changes applied and fails unless
// the pool keeps headroom_min in every month and N+k where owed: the
// evaluator's own document judges the suggestion.
func passesEverywhere(t *testing.T, d *SuggestDoc, in Input, pool string) PoolDoc {
	t.Helper()
	after := mustEval(t, d.Apply(in))
	pd := findPool(t, after, "serve", pool)
	if pd.Cliff != "" || pd.MinHeadroomHorizon < pd.HeadroomMin-tol || pd.MinHeadroom < pd.HeadroomMin-tol || pd.NPlus.Required && !pd.NPlus.OK || pd.OrderByPassed {
		t.Errorf("with the changes pool %s: cliff %q, min headroom %.4f (horizon %.4f), N+k ok %v; want every rule to pass",
			pool, pd.Cliff, pd.MinHeadroom, pd.MinHeadroomHorizon, pd.NPlus.OK)
	}
	return pd
}

// TestSuggestAddAcrossZones is issue 19's case. Today 16 GPUs serve a
// 20-GPU peak: headroom 1 − 20/16 < 30% and N+1 leaves 8. Headroom needs
// ≥ 20/0.7 = 28.6 GPUs, so at least 2 more instances (32); but every
// split of 2 (1/1/0 → 16+16: 32 − 16 = 16; 1/0/1 → 16, 8, 8: 32 − 16 =
// 16; 0/0/2 → 8, 8, 16: 16) leaves 16 < 20 after losing the largest
// zone. Three instances 1/1/1 give 16/16/8 = 40 GPUs: 40 − 16 = 24 ≥ 20
// and 1 − 20/40 = 50% ≥ 30% (0/1/2, 8/16/16, is as cheap; the most even
// split is preferred). With lead time 0 they start today, 2026-03-10,
// and run to the horizon's end (open-ended).
//
// Cost at $2 per GPU-hour: each 8-GPU instance costs 8 × 2 × 744 h =
// $11,904 in 2026-03 (31 days) and 8 × 2 × 8 760 h = $140,160 over the
// 12-month horizon (2026-03 … 2027-02: 365 days); three of them
// $420,480; by 6 months (Mar–Aug: 184 days = 4 416 h) 24 × 2 × 4 416 =
// $211,968.
func TestSuggestAddAcrossZones(t *testing.T) {
	_, _, in := suggestCase(0, true)
	d := mustSuggest(t, in)
	ps := d.Suggestions[0]
	if ps.Status != SuggestFixed {
		t.Fatalf("status = %q (binding %v), want fixed", ps.Status, ps.Binding)
	}
	var want []Change
	for _, z := range []string{"us-east-1a", "us-east-1b", "us-east-1c"} {
		want = append(want, Change{Action: "add", Address: "aws_ec2_capacity_reservation.h100_" + map[string]string{"us-east-1a": "us_east_1a", "us-east-1b": "us_east_1b", "us-east-1c": "us_east_1c"}[z] + "_2026_03",
			Zone: z, InstanceType: "p5.48xlarge", Instances: 1, GPUsPerInstance: 8, GPUs: 8,
			Start: "2026-03-10", End: "", MonthlyCost: 11904, HorizonCost: 140160})
	}
	if diff := cmp.Diff(want, ps.Changes); diff != "" {
		t.Errorf("changes (-want +got):\n%s", diff)
	}
	if !testkit.Close(ps.Total, 420480) || !testkit.Close(ps.CumulativeCost["6"], 211968) {
		t.Errorf("total = %g, 6-month = %g; want 420480, 211968", ps.Total, ps.CumulativeCost["6"])
	}
	pd := passesEverywhere(t, d, in, "h100")
	// After: 40 GPUs, headroom 50%, N+1 leaves 24.
	if pd.ReservedGPUs != 40 || !testkit.Close(pd.MinHeadroomHorizon, 0.5) || pd.NPlus.CapacityAfterLoss != 24 {
		t.Errorf("after: reserved %g, min headroom %g, after loss %g; want 40, 0.5, 24", pd.ReservedGPUs, pd.MinHeadroomHorizon, pd.NPlus.CapacityAfterLoss)
	}
	if ps.After.ReservedGPUs != 40 || !ps.After.NPlusOK || ps.Before.NPlusOK {
		t.Errorf("before/after figures = %+v / %+v", ps.Before, ps.After)
	}
}

// TestSuggestExtendOnly: us-east-1a holds 2 instances (16 GPUs) with no
// end, us-east-1b 2 instances ending 2026-08-31 (its last day: August
// is covered whole); the peak is 20 GPUs, no N+k owed (no SLO). Until
// August 32 GPUs give 1 − 20/32 = 37.5%; from 2026-09 16 GPUs are short
// of 20/0.7 = 28.6. The lead time, 26 weeks = 182 days, puts the first
// new reservation at 2026-09-08, so it counts from 2026-10 only:
// September can be fixed only by extending 1b (+16 GPUs), and from
// October on the cheapest addition is 2 instances (16 GPUs, 13 needed);
// 2 in 1b (16/16) and 1 each in 1b and 1c (16/8/8) cost the same, and
// the split that carries on the expired 1b reservation is preferred:
// one change, extend 1b from 2026-09-01,
// open-ended. Cost: 16 × $2 × 720 h = $23,040 in September, and over
// 2026-09 … 2027-02 (181 days = 4 344 h) 16 × 2 × 4 344 = $139,008.
func TestSuggestExtendOnly(t *testing.T) {
	_, _, in := suggestCase(26, false)
	a, b := rsv("aws_ec2_capacity_reservation.a", "us-east-1a", 1, 2, 8), rsv("aws_ec2_capacity_reservation.b", "us-east-1b", 10, 2, 8)
	b.End = "2026-08-31"
	in.Inventory = inventoryOf(a, b)
	d := mustSuggest(t, in)
	ps := d.Suggestions[0]
	want := []Change{{Action: "extend", Address: "aws_ec2_capacity_reservation.b", Zone: "us-east-1b", InstanceType: "p5.48xlarge",
		Instances: 2, GPUsPerInstance: 8, GPUs: 16, Start: "2026-09-01", End: "", OldEnd: "2026-08-31", MonthlyCost: 23040, HorizonCost: 139008}}
	if ps.Status != SuggestFixed || ps.Earliest != "2026-09-08" {
		t.Errorf("status = %q, earliest %q; want fixed, 2026-09-08", ps.Status, ps.Earliest)
	}
	if diff := cmp.Diff(want, ps.Changes); diff != "" {
		t.Errorf("changes (-want +got):\n%s", diff)
	}
	passesEverywhere(t, d, in, "h100")
}

// TestSuggestBudgetBinds: issue 19's case with a pool budget of $40,000 a
// month and no tolerance. Today 16 reserved GPUs cost 16 × 2 × 744 =
// $23,808 in 2026-03 plus the 4-GPU overflow on demand, 4 × 5 × 744 =
// $14,880: $38,688. The cheapest fix holds 40 GPUs: 40 × 2 × 744 =
// $59,520 > $40,000, so no fix fits the budget, and the budget binds.
func TestSuggestBudgetBinds(t *testing.T) {
	_, pool, in := suggestCase(0, true)
	pool.BudgetMonthly = 40000
	ps := mustSuggest(t, in).Suggestions[0]
	if ps.Status != SuggestNoFix || len(ps.Binding) != 1 || ps.Binding[0].Constraint != BindBudget {
		t.Fatalf("status %q, binding %+v; want no-fix bound by the budget", ps.Status, ps.Binding)
	}
	if !testkit.Close(ps.After.MaxMonthlyCost, 59520) || !testkit.Close(ps.Before.MaxMonthlyCost, 38688) {
		t.Errorf("max monthly cost before/after = %g / %g, want 38688 / 59520", ps.Before.MaxMonthlyCost, ps.After.MaxMonthlyCost)
	}
}

// TestSuggestLeadTimeBinds: issue 19's case with a 12-week lead time: 84
// days from 2026-03-10 is 2026-06-02, so new capacity counts from 2026-07
// and 2026-03 … 2026-06 stay short whatever is ordered (nothing expires
// to extend). The fix from 2026-07 on is still the three instances.
func TestSuggestLeadTimeBinds(t *testing.T) {
	_, _, in := suggestCase(12, true)
	ps := mustSuggest(t, in).Suggestions[0]
	if ps.Status != SuggestNoFix || len(ps.Binding) == 0 || ps.Binding[0].Constraint != BindLeadTime || ps.Binding[0].Month != "2026-03" {
		t.Fatalf("status %q, binding %+v; want no-fix bound by the lead time from 2026-03", ps.Status, ps.Binding)
	}
	if len(ps.Changes) != 3 || ps.Changes[0].Start != "2026-07-01" {
		t.Errorf("changes = %+v, want three additions from 2026-07-01", ps.Changes)
	}
}

// TestSuggestPassingPool: 5 instances in each of two zones (80 GPUs) for
// a 20-GPU peak pass every month: nothing to change.
func TestSuggestPassingPool(t *testing.T) {
	_, _, in := suggestCase(0, true)
	in.Inventory = inventoryOf(rsv("aws_ec2_capacity_reservation.a", "us-east-1a", 1, 5, 8), rsv("aws_ec2_capacity_reservation.b", "us-east-1b", 10, 5, 8))
	ps := mustSuggest(t, in).Suggestions[0]
	if ps.Status != SuggestPass || len(ps.Changes) != 0 {
		t.Errorf("status %q with %d changes, want pass with none", ps.Status, len(ps.Changes))
	}
}

// TestSuggestClaim: the case's fix adds aws_ec2_capacity_reservation.h100_us_east_1{a,b,c}_2026_03
// (see TestSuggestAddAcrossZones). A pool whose patterns claim them
// needs no new entry; one that names its reservations one by one gets
// the pool's prefix of the added addresses, and the changes applied with
// only that entry added pass every rule (Apply adds Claim, not the
// addresses, so the evaluator proves the entry claims them).
func TestSuggestClaim(t *testing.T) {
	for _, tc := range []struct {
		name     string
		patterns []string
		want     string
	}{
		{name: "wildcard claims them", patterns: []string{"aws_ec2_capacity_reservation.*"}, want: ""},
		{name: "prefix claims them", patterns: []string{"aws_ec2_capacity_reservation.a", "aws_ec2_capacity_reservation.b", "aws_ec2_capacity_reservation.h100_*"}, want: ""},
		{name: "named one by one", patterns: []string{"aws_ec2_capacity_reservation.a", "aws_ec2_capacity_reservation.b"}, want: "aws_ec2_capacity_reservation.h100_*"},
		{name: "another root", patterns: []string{"aws_ec2_capacity_reservation.a", "aws_ec2_capacity_reservation.b", "other:aws_ec2_capacity_reservation.*"}, want: "aws_ec2_capacity_reservation.h100_*"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, pool, in := suggestCase(0, true)
			pool.Reservations = tc.patterns
			d := mustSuggest(t, in)
			ps := d.Suggestions[0]
			if ps.Status != SuggestFixed || len(ps.Changes) != 3 {
				t.Fatalf("status %q with %d changes, want fixed with 3", ps.Status, len(ps.Changes))
			}
			if ps.Claim != tc.want {
				t.Errorf("Claim = %q, want %q", ps.Claim, tc.want)
			}
			passesEverywhere(t, d, in, "h100")
		})
	}
}

// TestSuggestAttach: `check --suggest` puts the failing pool's fix on its
// summary and none on a passing pool's (5 instances a zone: 80 GPUs for
// a 20-GPU peak, see TestSuggestPassingPool).
func TestSuggestAttach(t *testing.T) {
	_, _, in := suggestCase(0, true)
	pools := Summarize(mustEval(t, in))
	mustSuggest(t, in).Attach(pools)
	if ps := pools[0].Suggestion; ps == nil || ps.Pool != "h100" || ps.Status != SuggestFixed {
		t.Errorf("failing pool's Suggestion = %+v, want h100's fix", ps)
	}
	in.Inventory = inventoryOf(rsv("aws_ec2_capacity_reservation.a", "us-east-1a", 1, 5, 8), rsv("aws_ec2_capacity_reservation.b", "us-east-1b", 10, 5, 8))
	pools = Summarize(mustEval(t, in))
	mustSuggest(t, in).Attach(pools)
	if pools[0].Suggestion != nil {
		t.Errorf("passing pool's Suggestion = %+v, want nil", pools[0].Suggestion)
	}
}
