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

// seasonalCase is a pool of p5.48xlarge (8 GPUs each) with 2 instances in
// us-east-1a (16 GPUs), the only zone it may use, no SLO (no N+k owed),
// headroom_min 30%, prices $2 reserved and $5 on demand per GPU-hour,
// on-demand overflow held 8 hours a day and on_demand_max_gpus 8. It
// serves "api", 8 rps at 1 rps per GPU (peak = average: 8 GPUs, baseline
// 8), and from 2026-06-01 to 2026-08-31 "summer", 16 rps at the peak and
// 0 on average (baseline 0): 24 GPUs at the peak in June, July and
// August, 8 otherwise.
func seasonalCase(strategy string) (*schema.Pool, Input) {
	p := newPlan("serve")
	pool := addPool(p, "h100", 0, "aws_ec2_capacity_reservation.*")
	pool.Zones = []string{"us-east-1a"}
	pool.Strategy = strategy
	pool.OnDemandMaxGPUs = 8
	pool.OnDemandHoursPerDay = 8
	api := addInference(p, "api", "h100", 8, 1)
	api.RequestsPerS.Avg = fp(8)
	summer := addInference(p, "summer", "h100", 16, 1)
	summer.RequestsPerS.Avg = fp(0)
	summer.From, summer.Until = date(2026, 6, 1), date(2026, 8, 31)
	in := Input{Plans: []*schema.Plan{p}, GPUs: testGPUs, Now: now,
		Inventory: inventoryOf(rsv("aws_ec2_capacity_reservation.a", "us-east-1a", 1, 2, 8))}
	return pool, in
}

// TestSuggestHybridOnDemand: under hybrid, check judges the baseline
// against guaranteed capacity (8/16: 1 − 8/16 = 50% ≥ 30%) and the peak
// against guaranteed + the ceiling: June–August 24/(16 + 8) leaves 0%
// headroom; 24/0.7 = 34.29 GPUs are needed. Each of those months the
// solver weighs, June (30 days) for instance:
//
//   - reserve: with the ceiling of 8, 16 + 8n + 8 ≥ 34.29 needs n = 2
//     instances (16 GPUs; nothing rented then): 16 × $2 × 720 h = $23,040;
//   - rent: with the ceiling raised, no instance; the 24 − 16 = 8 GPUs of
//     overflow are rented 8 h a day: 8 × $5 × 8 × 30 = $9,600.
//
// Renting wins every peak month, and the ceiling must be 34.29 − 16 =
// 18.29, so on_demand_max_gpus rises from 8 to 19 (16 + 19 = 35: 1 −
// 24/35 = 31.4%). The rent: 8 GPUs from 2026-06-01 to 2026-08-31, $9,600
// in June, 8 × 5 × 8 × 31 = $9,920 in July and August: $29,440 in all
// (reserving the 3 months instead: 16 × 2 × 24 × 92 = $70,656).
func TestSuggestHybridOnDemand(t *testing.T) {
	_, in := seasonalCase(schema.StrategyHybrid)
	d := mustSuggest(t, in)
	ps := d.Suggestions[0]
	if ps.Status != SuggestFixed {
		t.Fatalf("status = %q (binding %+v), want fixed", ps.Status, ps.Binding)
	}
	want := []Change{
		{Kind: KindOnDemandCeiling, Action: "raise", Address: "pools.h100.on_demand_max_gpus", GPUs: 19,
			OldOnDemandMaxGPUs: 8, OnDemandMaxGPUs: 19, Start: "2026-03-10"},
		{Kind: KindOnDemand, Action: "rent", GPUs: 8, Start: "2026-06-01", End: "2026-08-31", MonthlyCost: 9600, HorizonCost: 29440},
	}
	if diff := cmp.Diff(want, ps.Changes); diff != "" {
		t.Errorf("changes (-want +got):\n%s", diff)
	}
	if !testkit.Close(ps.Total, 29440) {
		t.Errorf("total = %g, want 29440", ps.Total)
	}
	pd := passesEverywhere(t, d, in, "h100")
	// June: 16 guaranteed + a ceiling of 19 for a 24-GPU peak.
	if jun := pd.Timeline[3]; jun.CeilingGPUs != 19 || !testkit.Close(jun.Headroom, 1-24.0/35) {
		t.Errorf("June after: ceiling %g, headroom %g; want 19, %g", jun.CeilingGPUs, jun.Headroom, 1-24.0/35)
	}
}

// TestSuggestReservedNoOnDemand: the same pool under strategy reserved
// may not count on renting: June–August need 24/0.7 = 34.29 guaranteed
// GPUs, 16 + 8n ≥ 34.29 gives n = 3 instances (24 GPUs) from 2026-06-01
// to 2026-08-31: 24 × $2 × 720 h = $34,560 in June and 24 × 2 × 24 × 92
// = $105,984 over the three months. The window could be a capacity
// block, but the pool states no capacity block price: none is offered,
// and a note says so.
func TestSuggestReservedNoOnDemand(t *testing.T) {
	_, in := seasonalCase(schema.StrategyReserved)
	d := mustSuggest(t, in)
	ps := d.Suggestions[0]
	want := []Change{{Action: "add", Address: "aws_ec2_capacity_reservation.h100_us_east_1a_2026_06_to_2026_08", Zone: "us-east-1a",
		InstanceType: "p5.48xlarge", Instances: 3, GPUsPerInstance: 8, GPUs: 24, Start: "2026-06-01", End: "2026-08-31",
		MonthlyCost: 34560, HorizonCost: 105984}}
	if ps.Status != SuggestFixed {
		t.Fatalf("status = %q (binding %+v), want fixed", ps.Status, ps.Binding)
	}
	if diff := cmp.Diff(want, ps.Changes); diff != "" {
		t.Errorf("changes (-want +got):\n%s", diff)
	}
	wantNotes := []string{"the additions from 2026-06-01 to 2026-08-31 could be an AWS capacity block, but pool h100 states no price_per_gpu_hour.capacity_block: none is offered"}
	if diff := cmp.Diff(wantNotes, ps.Notes); diff != "" {
		t.Errorf("notes (-want +got):\n%s", diff)
	}
	passesEverywhere(t, d, in, "h100")
}

// trainingCase: 2 p5.48xlarge instances in us-east-1a (16 GPUs), an
// 8-GPU serving workload (8 rps at 1 rps per GPU, no SLO) and a training
// run of 16 GPUs for the 6 weeks from 2026-05-01 to 2026-06-11, strategy
// reserved, headroom_min 30%, $2 reserved per GPU-hour, a capacity block
// price of $3.
func trainingCase() (*schema.Pool, Input) {
	p := newPlan("serve")
	pool := addPool(p, "h100", 0, "aws_ec2_capacity_reservation.*", "aws_ec2_capacity_block_reservation.*")
	pool.Zones = []string{"us-east-1a"}
	pool.Price.CapacityBlock = 3
	addInference(p, "api", "h100", 8, 1)
	p.Workloads["finetune"] = &schema.Workload{Name: "finetune", Pos: at(40, 3), Kind: schema.KindTraining, Pool: "h100",
		Runs: []schema.Run{{Name: "llm-v2", GPUs: 16, Start: date(2026, 5, 1), End: date(2026, 6, 11)}}}
	in := Input{Plans: []*schema.Plan{p}, GPUs: testGPUs, Now: now,
		Inventory: inventoryOf(rsv("aws_ec2_capacity_reservation.a", "us-east-1a", 1, 2, 8))}
	return pool, in
}

// TestSuggestCapacityBlock: the run puts 8 + 16 = 24 GPUs in May and in
// June (a month counts a run that overlaps it), which need 24/0.7 =
// 34.29: 3 instances more (16 + 16 = 32 is short). check counts capacity
// only in months it covers whole, so the block must cover 2026-05-01 …
// 2026-06-30: 61 days; a block starts and ends at 11:30 UTC, so one that
// holds 2026-05-01 from midnight starts 2026-04-30T11:30Z and needs 62
// days, which AWS does not sell (1-day steps up to 14 days, 7-day steps
// up to 182): 63 days = 1 512 h, to 2026-07-02T11:30Z, its last whole
// day 2026-07-01. The
// block: 24 GPUs × $3 × 1 512 h = $108,864 (May 24 × 3 × 744 = $53,568,
// June 24 × 3 × 720 = $51,840, July 24 × 3 × 48 = $3,456); a
// reservation at the reserved price commits to a year: 24 × 2 × 8 760 =
// $420,480. The block wins.
func TestSuggestCapacityBlock(t *testing.T) {
	_, in := trainingCase()
	d := mustSuggest(t, in)
	ps := d.Suggestions[0]
	if ps.Status != SuggestFixed {
		t.Fatalf("status = %q (binding %+v), want fixed", ps.Status, ps.Binding)
	}
	want := []Change{{Kind: KindCapacityBlock, Action: "add", Address: "aws_ec2_capacity_block_reservation.h100_block_2026_05_01_to_2026_06",
		InstanceType: "p5.48xlarge", Instances: 3, GPUsPerInstance: 8, GPUs: 24, Start: "2026-05-01", End: "2026-07-01",
		DurationHours: 1512, MonthlyCost: 53568, HorizonCost: 108864}}
	if diff := cmp.Diff(want, ps.Changes); diff != "" {
		t.Errorf("changes (-want +got):\n%s", diff)
	}
	if !testkit.Close(ps.Total, 108864) || ps.Claim != "" || len(ps.Notes) != 0 {
		t.Errorf("total %g, claim %q, notes %v; want 108864, none, none", ps.Total, ps.Claim, ps.Notes)
	}
	pd := passesEverywhere(t, d, in, "h100")
	// May after: 16 + 24 = 40 GPUs for 24: 1 − 24/40 = 40%.
	if may := pd.Timeline[2]; may.CapacityGPUs != 40 || !testkit.Close(may.Headroom, 0.4) {
		t.Errorf("May after: capacity %g, headroom %g; want 40, 0.4", may.CapacityGPUs, may.Headroom)
	}
}

// TestSuggestHybridReserves: seasonalCase's hybrid pool with overflow
// held 24 hours a day. Renting June's 8 GPUs now costs 8 × $5 × 720 h =
// $28,800, more than reserving 2 instances, 16 × $2 × 720 = $23,040, so
// the solver reserves (16 + 16 + the ceiling 8 = 40 ≥ 34.29) and rents
// nothing: 2 instances from 2026-06-01 to 2026-08-31, 16 × 2 × 24 × 92 =
// $70,656, and the ceiling stays.
func TestSuggestHybridReserves(t *testing.T) {
	pool, in := seasonalCase(schema.StrategyHybrid)
	pool.OnDemandHoursPerDay = 24
	d := mustSuggest(t, in)
	ps := d.Suggestions[0]
	want := []Change{{Action: "add", Address: "aws_ec2_capacity_reservation.h100_us_east_1a_2026_06_to_2026_08", Zone: "us-east-1a",
		InstanceType: "p5.48xlarge", Instances: 2, GPUsPerInstance: 8, GPUs: 16, Start: "2026-06-01", End: "2026-08-31",
		MonthlyCost: 23040, HorizonCost: 70656}}
	if ps.Status != SuggestFixed {
		t.Fatalf("status = %q (binding %+v), want fixed", ps.Status, ps.Binding)
	}
	if diff := cmp.Diff(want, ps.Changes); diff != "" {
		t.Errorf("changes (-want +got):\n%s", diff)
	}
	passesEverywhere(t, d, in, "h100")
}

// TestSuggestCapacityBlockDearer: trainingCase with a capacity block
// price of $20: the block would cost 24 × 20 × 1 464 h = $702,720, more
// than a year's reservation, 24 × 2 × 8 760 = $420,480, so the
// reservation stays: 3 instances in us-east-1a from 2026-05-01 to
// 2026-06-30, 24 × 2 × 744 = $35,712 in May and 24 × 2 × 1 464 =
// $70,272 over both months.
func TestSuggestCapacityBlockDearer(t *testing.T) {
	pool, in := trainingCase()
	pool.Price.CapacityBlock = 20
	ps := mustSuggest(t, in).Suggestions[0]
	want := []Change{{Action: "add", Address: "aws_ec2_capacity_reservation.h100_us_east_1a_2026_05_to_2026_06", Zone: "us-east-1a",
		InstanceType: "p5.48xlarge", Instances: 3, GPUsPerInstance: 8, GPUs: 24, Start: "2026-05-01", End: "2026-06-30",
		MonthlyCost: 35712, HorizonCost: 70272}}
	if diff := cmp.Diff(want, ps.Changes); diff != "" {
		t.Errorf("changes (-want +got):\n%s", diff)
	}
}

// TestBlockDays: capacity block durations AWS sells are 1 … 14 days in
// 1-day steps, then 21, 28, … 182 in 7-day steps; a window gets the
// shortest that covers it (15 → 21, 59 → 63, 61 → 63), none past 182.
func TestBlockDays(t *testing.T) {
	for _, tc := range []struct{ days, want int }{
		{0, 0}, {1, 1}, {14, 14}, {15, 21}, {21, 21}, {22, 28}, {59, 63}, {61, 63}, {182, 182}, {183, 0},
	} {
		if got := blockDays(tc.days); got != tc.want {
			t.Errorf("blockDays(%d) = %d, want %d", tc.days, got, tc.want)
		}
	}
}

// TestSuggestCapacityBlockInstances: one AWS capacity block holds at
// most 64 instances. trainingCase with a run of 16 × 40 = 640 GPUs needs
// (8 + 640)/0.7 = 925.7 GPUs in May and June: (925.7 − 16)/8 = 113.7, so
// 114 instances more, too many for one block: the additions stay a
// reservation and a note says why no block is offered.
func TestSuggestCapacityBlockInstances(t *testing.T) {
	_, in := trainingCase()
	in.Plans[0].Workloads["finetune"].Runs[0].GPUs = 640
	ps := mustSuggest(t, in).Suggestions[0]
	if len(ps.Changes) != 1 || ps.Changes[0].Kind != "" || ps.Changes[0].Instances != 114 {
		t.Fatalf("changes %+v, want one reservation of 114 instances", ps.Changes)
	}
	wantNotes := []string{"the additions from 2026-05-01 to 2026-06-30 need 114 instances, more than the 64 one AWS capacity block holds: none is offered"}
	if diff := cmp.Diff(wantNotes, ps.Notes); diff != "" {
		t.Errorf("notes (-want +got):\n%s", diff)
	}
}
